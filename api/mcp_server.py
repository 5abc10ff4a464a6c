"""MCP server (``mcp`` 2.x ``MCPServer``) exposing the advisor's read-only capabilities as tools.

The tools call the same ``api.http.services`` as the REST routes and return the same pydantic response models
(their JSON schema is the tool's output schema). Domain errors become ``ToolError`` messages that say what to
change. Served at ``/mcp`` (streamable HTTP) inside the FastAPI app, or over stdio by ``kpi-advisor mcp``.

Over HTTP every call needs an API key (``X-API-Key`` or ``Authorization: Bearer``; checked by
:class:`McpAuthMiddleware`) and the tools answer from the key's workspace; over stdio (a local user who can read
the files anyway) they answer from the workspace given to ``kpi-advisor mcp --workspace``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import ValidationError

from advisor.ops.requests import CatalogDocument, IsoDate
from api.http import manage, schemas, services
from api.http.errors import problem_of
from api.http.state import AppState, Workspace
from api.settings import DEFAULT_WORKSPACE

M = TypeVar("M", bound=schemas.BaseModel)

INSTRUCTIONS = """Marketing KPI advisor. Start with `list_models` and `kpis` (by channel, grain month) to see the
data; `scorecard` for the KPI system vs targets; `customers` for CLV and CLV:CAC by channel; `attribution` for each channel's
incremental effect vs what platforms reported; `diagnose` a campaign
or channel that misses; `forecast` a spend plan (channels from `list_models`, dates after the history end) and
`optimize` a budget. Money is in the data's
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


PRINCIPAL = "kpi_principal"  # request.state attribute set by McpAuthMiddleware


def build_mcp(state: AppState, *, workspace: str = DEFAULT_WORKSPACE) -> MCPServer:
    """An MCP server whose tools answer from ``state`` (shared with the REST API when mounted): over HTTP from the
    caller's workspace, over stdio from ``workspace``."""

    def ws_of(ctx: Context | None) -> tuple[Workspace, str | None]:
        request = ctx.request_context.request if ctx is not None else None
        principal = getattr(getattr(request, "state", None), PRINCIPAL, None)
        if principal is None:
            return state.workspace(workspace), None
        return state.workspace(principal.workspace), principal.key_id

    def audited(ctx: Context | None, route: str, op: Callable[[Workspace, Any], dict[str, Any]], req: Any) -> dict[str, Any]:
        """Run a service operation in the caller's workspace and append the answer to its audit log."""
        ws, key_id = ws_of(ctx)
        result = op(ws, req)
        ws.record_advice(key_id, route, req.model_dump(mode="json"), result)
        return result

    server: MCPServer = MCPServer(
        "kpi-advisor", title="KPI Advisor", instructions=INSTRUCTIONS, version="1.0.0", log_level="WARNING"
    )

    @server.tool(annotations=READ_ONLY)
    def list_models(ctx: Context | None = None) -> schemas.ModelList:
        """Published model versions, newest first; the active one lists the channels a plan may use; `segments`
        names the segments with models of their own (pass one as `segment` to forecast / optimize)."""
        return _call(schemas.ModelList, lambda: manage.list_models(ws_of(ctx)[0]))

    def run(ctx: Context | None, op: Callable[[Workspace, Any], dict[str, Any]], model: type[Any], args: dict[str, Any]) -> dict[str, Any]:
        """Validate the tool arguments through the operation's request model and run it in the caller's workspace."""
        return op(ws_of(ctx)[0], model.model_validate(args))

    @server.tool(annotations=READ_ONLY)
    def kpis(
        by: list[str] | None = None,
        grain: Literal["day", "week", "month", "quarter"] | None = None,
        start: IsoDate | None = None,
        end: IsoDate | None = None,
        kpis: list[str] | None = None,
        compare: bool = False,
        catalog: CatalogDocument | None = None,
        dataset: str | None = None,
        ctx: Context | None = None,
    ) -> schemas.KpisResponse:
        """KPI table grouped by columns (channel, campaign_id, any column of the dataset) and a time grain, between
        start and end (YYYY-MM-DD). Rows hold the group columns, `period`, then one key per KPI (spend, revenue,
        conversions, roi, roas, ctr, cpc, cpm, cpa, conversion_rate, cac, aov, business_revenue, mer, blended_roas,
        blended_cac, ...); null = not computable. `catalog` adds KPIs for this call, e.g.
        {"kpis": {"profit": {"name": "Profit", "formula": "revenue - spend", "unit": "currency"}}}."""
        args = {"dataset": dataset, "by": by or [], "grain": grain, "start": start, "end": end, "kpis": kpis,
                "compare": compare, "catalog": catalog.model_dump(exclude_none=True) if catalog else None}
        return _call(schemas.KpisResponse, lambda: run(ctx, services.kpis, schemas.KpisRequest, args))

    @server.tool(annotations=READ_ONLY)
    def scorecard(
        period: str | None = None, historical_clv: bool = False, dataset: str | None = None, ctx: Context | None = None
    ) -> schemas.ScorecardResponse:
        """The department's KPI system vs targets for a period (YYYY-MM, YYYY-Qn or YYYY; default the last full
        month): each KPI with value, target and status, group scores and a composite score 0..100."""
        args = {"period": period, "historical_clv": historical_clv, "dataset": dataset}
        return _call(schemas.ScorecardResponse, lambda: run(ctx, services.scorecard, schemas.ScorecardRequest, args))

    @server.tool(annotations=READ_ONLY)
    def customers(
        grain: Literal["week", "month", "quarter"] = "month",
        horizon_weeks: int = 52,
        annual_discount: float = 0.0,
        threshold: float = 3.0,
        dataset: str | None = None,
        ctx: Context | None = None,
    ) -> schemas.CustomersResponse:
        """Customer KPIs from the served CLV model: CLV (horizon_weeks from acquisition, first order included) and
        CLV:CAC by acquisition channel, repeat rate, retention by cohort, CSAT/NPS trends, and findings such as
        channels whose CLV:CAC is below `threshold`."""
        args = {"grain": grain, "horizon_weeks": horizon_weeks, "annual_discount": annual_discount,
                "threshold": threshold, "dataset": dataset}
        return _call(schemas.CustomersResponse, lambda: run(ctx, services.customers, schemas.CustomersRequest, args))

    @server.tool(annotations=READ_ONLY)
    def attribution(
        start: IsoDate | None = None,
        end: IsoDate | None = None,
        channels: list[str] | None = None,
        dataset: str | None = None,
        segment: str | None = None,
        ctx: Context | None = None,
    ) -> schemas.AttributionResponse:
        """Each channel's incremental conversions and revenue between start and end (YYYY-MM-DD; default the whole
        history) with 80%/95% intervals, ROI = (incremental revenue - spend) / spend and the platform-reported
        figures beside them (null when the data has none); lift tests measured vs fitted; per geo for a geo model.
        `segment`: that segment's models over its rows of the data (when models were trained per segment).
        The same document as GET /v1/attribution?from=&to=&channel=&segment=."""
        args = {"start": start, "end": end, "channels": channels, "dataset": dataset, "segment": segment}
        return _call(
            schemas.AttributionResponse, lambda: run(ctx, services.attribution, schemas.AttributionRequest, args)
        )

    @server.tool(annotations=READ_ONLY)
    def diagnose(
        campaign: str | None = None,
        channel: str | None = None,
        scope_column: str | None = None,
        scope_value: str | None = None,
        start: IsoDate | None = None,
        end: IsoDate | None = None,
        dataset: str | None = None,
        segment: str | None = None,
        ctx: Context | None = None,
    ) -> schemas.DiagnoseResponse:
        """Why one campaign (id), one channel or one attribute value (scope_column = scope_value) is (not) meeting
        its targets between start and end: verdict, ranked findings with funnel stage and onset date, drivers
        (associations), anomalies, recommended actions, summary. Give exactly one scope. `segment`: that segment's
        models over its rows of the data (when models were trained per segment)."""
        args = {"dataset": dataset, "campaign": campaign, "channel": channel, "scope_column": scope_column,
                "scope_value": scope_value, "start": start, "end": end, "segment": segment}
        return _call(
            schemas.DiagnoseResponse,
            lambda: audited(ctx, "mcp:diagnose", services.diagnose, schemas.DiagnoseRequest.model_validate(args)),
        )

    @server.tool(annotations=READ_ONLY)
    def forecast(
        start: IsoDate,
        end: IsoDate,
        spend: dict[str, float] | None = None,
        campaigns: dict[str, float] | None = None,
        daily: dict[str, list[float]] | None = None,
        sims: int | None = None,
        model_version: str | None = None,
        segment: str | None = None,
        ctx: Context | None = None,
    ) -> schemas.ForecastResponse:
        """Forecast a spend plan for start..end (after the history, at most 365 days): `spend` maps channel →
        total for the period (or `campaigns` maps campaign id → total). Returns conversions, revenue, roi, roas,
        cpa in total and per channel with mean and 80%/95% intervals; a KPI the models were not trained for (data
        with one outcome) is null with its ratios, and `notes` say so. On weekly models a plan covers the weeks
        starting in start..end and `daily` holds one amount per week. `segment`: the models of that segment
        (brand, market, account) when they were trained per segment."""
        args = {"start": start, "end": end, "spend": spend, "campaigns": campaigns, "daily": daily, "sims": sims,
                "model_version": model_version, "segment": segment}
        return _call(schemas.ForecastResponse, lambda: run(ctx, services.forecast, schemas.ForecastRequest, args))

    @server.tool(annotations=READ_ONLY)
    def optimize(
        start: IsoDate,
        end: IsoDate,
        budget: float | None = None,
        objective: Literal["revenue", "conversions", "profit"] | None = None,
        min_roi: float | None = None,
        target_conversions: float | None = None,
        target_revenue: float | None = None,
        width: float = 0.5,
        bounds: dict[str, tuple[float | None, float | None]] | None = None,
        model_version: str | None = None,
        segment: str | None = None,
        ctx: Context | None = None,
    ) -> schemas.OptimizeResponse:
        """Best split of `budget` over channels for start..end (each channel within ± width of its recent
        spend; any budget fits: those bounds widen when it is outside them, and `notes` say how), or with
        target_conversions / target_revenue the least spend reaching it. `bounds` maps channel → [low, high]
        total spend (null side = default); `objective` defaults to revenue, or conversions without a revenue
        model. Returns the allocation, the reference (run-rate) plan, the uplift and the forecast. Give exactly
        one of the three goals. `segment`: the models of that segment when they were trained per segment."""
        args = {"start": start, "end": end, "budget": budget, "objective": objective, "min_roi": min_roi,
                "target_conversions": target_conversions, "target_revenue": target_revenue, "width": width,
                "bounds": bounds, "model_version": model_version, "segment": segment}
        return _call(
            schemas.OptimizeResponse,
            lambda: audited(ctx, "mcp:optimize", services.optimize, schemas.OptimizeRequest.model_validate(args)),
        )

    _advise_tool(server, audited)
    return server


def _advise_tool(server: MCPServer, audited: Callable[..., dict[str, Any]]) -> None:
    @server.tool(annotations=READ_ONLY)
    def advise(
        question: str,
        campaign: str | None = None,
        channel: str | None = None,
        lang: Literal["en", "ru"] | None = None,
        dataset: str | None = None,
        ctx: Context | None = None,
    ) -> schemas.AdviseResponse:
        """Answer a question in English or Russian (why did X miss, what should we do, what if we spend Y),
        optionally about one campaign or channel. The answer cites the analyses it ran, ranks corrective actions
        and states only numbers found in those analyses (`verified`)."""
        req = {"question": question, "campaign": campaign, "channel": channel, "lang": lang, "dataset": dataset}
        return _call(
            schemas.AdviseResponse,
            lambda: audited(ctx, "mcp:advise", services.advise, schemas.AdviseRequest.model_validate(req)),
        )


class McpAuthMiddleware:
    """ASGI wrapper of the mounted MCP app: refuses calls without a valid API key (401 problem+json) and puts the
    caller (:class:`api.http.auth.Principal`) in ``request.state`` for the tools."""

    def __init__(self, app: Any, state: AppState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        from fastapi_problem_details import ProblemResponse

        from api.http.auth import AuthenticationError, principal_from_token, token_of_headers

        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
        try:
            principal = principal_from_token(self.state, token_of_headers(headers))
        except AuthenticationError as exc:
            response = ProblemResponse(
                401, type="/problems/unauthenticated", title="A valid API key is required", detail=str(exc),
                headers={"WWW-Authenticate": 'ApiKey header="X-API-Key"'},
            )
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})[PRINCIPAL] = principal
        await self.app(scope, receive, send)
