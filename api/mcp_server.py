"""MCP server (``mcp`` 2.x ``MCPServer``) exposing the advisor's read-only capabilities as tools.

The tools call the same ``api.http.services`` as the REST routes and return the same pydantic response models
(their JSON schema is the tool's output schema). Domain errors become ``ToolError`` messages that say what to
change. Served at ``/mcp`` (streamable HTTP) inside the FastAPI app, or over stdio by ``kpi-advisor mcp``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Literal, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import ValidationError

from api.http import schemas, services
from api.http.errors import problem_of
from api.http.state import AppState

M = TypeVar("M", bound=schemas.BaseModel)

INSTRUCTIONS = """Marketing KPI advisor. Start with `list_models` and `kpis` (by channel, grain month) to see the
data; `scorecard` for the KPI system vs targets; `diagnose` a campaign or channel that misses; `forecast` a spend
plan (channels from `list_models`, dates after the history end) and `optimize` a budget. Money is in the data's
currency, ratios are fractions (roi 0.25 = +25%), dates are YYYY-MM-DD. Quote numbers from the results only."""

READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)


def _call(model: type[M], fn: Callable[[], dict[str, Any]]) -> M:
    """Run a service call; domain errors and invalid arguments become ToolErrors that say what to do next."""
    try:
        return model.model_validate(fn())
    except ValidationError as exc:
        msgs = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}" for e in exc.errors())
        raise ToolError(f"invalid arguments: {msgs}. Fix them and call again.") from None
    except Exception as exc:
        found = problem_of(exc)
        if found is None:
            raise
        status, _type, title, detail, extra = found
        hint = {
            503: " Call again after training has finished (see list_models).",
            404: " Use list_models for the valid versions.",
        }.get(status, " Change the arguments as the message says and call again.")
        issues = "".join(f"\n- {e['message']}" for e in extra.get("errors", [])[:20])
        raise ToolError(f"{title}: {detail}.{hint}{issues}") from None


def build_mcp(state: AppState) -> MCPServer:
    """An MCP server whose tools answer from ``state`` (shared with the REST API when mounted)."""
    server: MCPServer = MCPServer(
        "kpi-advisor", title="KPI Advisor", instructions=INSTRUCTIONS, version="1.0.0", log_level="WARNING"
    )

    @server.tool(annotations=READ_ONLY)
    def list_models() -> schemas.ModelList:
        """Published model versions, newest first; the active one lists the channels a plan may use."""
        return _call(schemas.ModelList, lambda: services.list_models(state))

    @server.tool(annotations=READ_ONLY)
    def kpis(
        by: list[str] | None = None,
        grain: Literal["day", "week", "month", "quarter"] | None = None,
        start: date | None = None,
        end: date | None = None,
        kpis: list[str] | None = None,
        compare: bool = False,
        dataset: str | None = None,
    ) -> schemas.KpisResponse:
        """KPI table grouped by columns (channel, campaign_id, any attribute) and a time grain, between start and
        end (YYYY-MM-DD). Rows hold the group columns, `period`, then one key per KPI (spend, revenue,
        conversions, roi, roas, ctr, cpc, cpm, cpa, conversion_rate, cac, aov, ...); null = not computable."""
        return _call(
            schemas.KpisResponse,
            lambda: services.kpis(
                state,
                schemas.KpisRequest(
                    dataset=dataset, by=by or [], grain=grain, start=start, end=end, kpis=kpis, compare=compare
                ),
            ),
        )

    @server.tool(annotations=READ_ONLY)
    def scorecard(period: str | None = None, dataset: str | None = None) -> schemas.ScorecardResponse:
        """The department's KPI system vs targets for a period (YYYY-MM, YYYY-Qn or YYYY; default the last full
        month): each KPI with value, target and status, group scores and a composite score 0..100."""
        return _call(schemas.ScorecardResponse, lambda: services.scorecard(state, dataset, period))

    @server.tool(annotations=READ_ONLY)
    def diagnose(
        campaign: str | None = None,
        channel: str | None = None,
        start: date | None = None,
        end: date | None = None,
        dataset: str | None = None,
    ) -> schemas.DiagnoseResponse:
        """Why one campaign (id) or one channel is (not) meeting its targets between start and end: verdict,
        ranked findings with funnel stage and onset date, drivers (associations), anomalies, summary. Give
        exactly one of campaign or channel."""
        return _call(
            schemas.DiagnoseResponse,
            lambda: services.diagnose(
                state,
                schemas.DiagnoseRequest(dataset=dataset, campaign=campaign, channel=channel, start=start, end=end),
            ),
        )

    @server.tool(annotations=READ_ONLY)
    def forecast(
        start: date,
        end: date,
        spend: dict[str, float] | None = None,
        campaigns: dict[str, float] | None = None,
        model_version: str | None = None,
    ) -> schemas.ForecastResponse:
        """Forecast a spend plan for start..end (after the history, at most 365 days): `spend` maps channel →
        total for the period (or `campaigns` maps campaign id → total). Returns conversions, revenue, roi, roas,
        cpa in total and per channel with mean and 80%/95% intervals."""
        return _call(
            schemas.ForecastResponse,
            lambda: services.forecast(
                state,
                schemas.ForecastRequest(
                    start=start, end=end, spend=spend, campaigns=campaigns, model_version=model_version
                ),
            ),
        )

    @server.tool(annotations=READ_ONLY)
    def optimize(
        start: date,
        end: date,
        budget: float | None = None,
        objective: Literal["revenue", "conversions", "profit"] = "revenue",
        target_conversions: float | None = None,
        target_revenue: float | None = None,
        width: float = 0.5,
    ) -> schemas.OptimizeResponse:
        """Best split of `budget` over channels for start..end (each channel within ± width of its recent
        spend), or with target_conversions / target_revenue the least spend reaching it. Returns the allocation,
        the reference (run-rate) plan, the uplift and the forecast. Give exactly one of the three goals."""
        return _call(
            schemas.OptimizeResponse,
            lambda: services.optimize(
                state,
                schemas.OptimizeRequest(
                    start=start, end=end, budget=budget, objective=objective,
                    target_conversions=target_conversions, target_revenue=target_revenue, width=width,
                ),
            ),
        )

    _advise_tool(server, state)
    return server


def _advise_tool(server: MCPServer, state: AppState) -> None:
    @server.tool(annotations=READ_ONLY)
    def advise(
        question: str,
        campaign: str | None = None,
        channel: str | None = None,
        lang: Literal["en", "ru"] = "en",
        dataset: str | None = None,
    ) -> schemas.AdviseResponse:
        """Answer a question in English or Russian (why did X miss, what should we do, what if we spend Y),
        optionally about one campaign or channel. The answer cites the analyses it ran, ranks corrective actions
        and states only numbers found in those analyses (`verified`)."""
        req = {"question": question, "campaign": campaign, "channel": channel, "lang": lang, "dataset": dataset}
        return _call(
            schemas.AdviseResponse,
            lambda: services.advise(state, schemas.AdviseRequest.model_validate(req)),
        )
