"""The requests of the operations: frozen pydantic models that every interface validates through.

HTTP bodies (``api.http.schemas`` subclasses them to add the dataset / model version to answer from), MCP tool
arguments and CLI options are all turned into these models, so one rule set applies everywhere: numbers must be
finite (``NaN``/``Infinity`` refused), dates are strictly ISO ``YYYY-MM-DD`` (``0`` is not 1970-01-01), flags are
JSON booleans and numbers JSON numbers (``0`` for ``false``, ``false`` for ``0`` and ``"5"`` refused), unknown fields
are refused. Money is in the data's currency, ratios are fractions (``roi`` 0.25 = +25%).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictFloat, model_validator

from advisor.core.grains import Grain
from advisor.core.thresholds import CLV_CAC_TARGET, CLV_COMPARED_DISCOUNT, CLV_HORIZON_WEEKS

CohortGrain = Literal["week", "month", "quarter"]
Objective = Literal["revenue", "conversions", "profit"]
Lang = Literal["en", "ru"]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2199, 12, 31)
"""The dates a request may name: inside the range pandas' nanosecond timestamps hold (1677-2262) with room for
the previous period of ``compare``."""


def parse_iso_date(value: Any) -> date:
    """``value`` as a date when it is a date or a strict ``YYYY-MM-DD`` string between :data:`EARLIEST_DATE` and
    :data:`LATEST_DATE`; ValueError otherwise (numbers, timestamps and other spellings are refused rather than
    guessed)."""
    if isinstance(value, datetime):
        raise ValueError(f"{value.isoformat()!r} is a moment, not a date; use YYYY-MM-DD")
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            value = date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a valid date: {exc}") from None
    if not isinstance(value, date):
        raise ValueError(f"{value!r} is not an ISO date YYYY-MM-DD")
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"date {value.isoformat()} is out of range: dates must lie between "
                         f"{EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}")
    return value


def refuse_bool_and_text(value: Any) -> Any:
    """``value`` unchanged unless it is a boolean or a string (ValueError): an integer field takes JSON integers,
    ``5.0`` included (JSON Schema counts it as an integer), not ``false`` or ``"5"``."""
    if isinstance(value, bool | str):
        raise ValueError(f"{value!r} is not a valid integer: give a JSON number")
    return value


JsonInt = Annotated[int, BeforeValidator(refuse_bool_and_text)]
"""An integer given as a JSON number (``5`` or ``5.0``; ``5.5``, ``true`` and ``"5"`` refused)."""

IsoDate = Annotated[date, BeforeValidator(parse_iso_date)]
"""A date given as ``YYYY-MM-DD`` (JSON schema ``format: date``)."""


def _config(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(
        frozen=True, extra="forbid", allow_inf_nan=False,
        json_schema_extra={"examples": list(examples)},  # type: ignore[typeddict-item]
    )


class OpRequest(BaseModel):
    """Base of every operation request: frozen, unknown fields refused, numbers finite."""

    model_config = _config()


class CatalogDocument(BaseModel):
    """A user KPI catalog, the sections of the catalog file (SPEC §3; see ``advisor/kpis/catalog.yaml``): KPIs
    and base measures added to the built-in catalog for this request (a built-in id is replaced). Formulas are
    safe arithmetic over measure names and KPI ids, never evaluated as code."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", allow_inf_nan=False,
        json_schema_extra={"examples": [{
            "kpis": {"profit": {"name": "Profit", "formula": "revenue - spend", "unit": "currency"}},
        }]},  # type: ignore[typeddict-item]
    )
    tables: dict[str, dict[str, Any]] | None = Field(
        default=None, description="Time placement of tables: {name: {date: column} or {month: column}}."
    )
    measures: dict[str, dict[str, Any]] | None = Field(
        default=None, description="Base measures: {name: {table, agg, column, where, min_rows, cumulative}}."
    )
    kpis: dict[str, dict[str, Any]] | None = Field(
        default=None,
        description="KPIs: {id: {name, formula, unit, direction (higher|lower), group, format, description}}.",
    )
    scorecard: list[str] | None = Field(default=None, description="KPIs the scorecard shows without a target.")

    def document(self) -> dict[str, Any]:
        """The catalog document (sections given), as ``advisor.kpis.extend_catalog`` takes it."""
        return self.model_dump(exclude_none=True)


class KpisRequest(OpRequest):
    """KPI table by any grouping and time grain; ratio KPIs are ratios of sums."""

    model_config = _config({"by": ["channel"], "grain": "month", "start": "2026-07-01", "end": "2026-10-31"})
    by: list[str] = Field(
        default_factory=list, description="Group columns: channel, campaign_id or any column of the dataset."
    )
    grain: Grain | None = Field(default=None, description="Time grain; omit for one row per group.")
    start: IsoDate | None = Field(default=None, description="First date (inclusive).")
    end: IsoDate | None = Field(default=None, description="Last date (inclusive).")
    kpis: list[str] | None = Field(default=None, description="KPI ids to return (default: all).")
    compare: StrictBool = Field(default=False, description="Add period-over-period change columns.")
    catalog: CatalogDocument | None = Field(
        default=None, description="User KPIs and measures added to the built-in catalog for this request."
    )


class ScorecardRequest(OpRequest):
    """The KPI system against targets for one period."""

    model_config = _config({"period": "2026-10"}, {"period": "2026-Q3"})
    period: str | None = Field(
        default=None, max_length=16, description="YYYY-MM, YYYY-Qn or YYYY (default: the last full month)."
    )
    historical_clv: StrictBool = Field(
        default=False, description="Use the catalog's historical CLV even when a CLV model is available."
    )
    catalog: CatalogDocument | None = Field(
        default=None, description="User KPIs and measures added to the built-in catalog (targets may name them)."
    )


class CustomersRequest(OpRequest):
    """Customer KPIs: model CLV and CLV:CAC by acquisition channel, retention cohorts, CSAT/NPS trends."""

    model_config = _config({"grain": "month"}, {"grain": "quarter", "horizon_weeks": 104, "annual_discount": 0.1})
    grain: CohortGrain = Field(default="month", description="Cohort / trend period.")
    horizon_weeks: JsonInt = Field(default=int(CLV_HORIZON_WEEKS), ge=1, le=520, description="CLV horizon from acquisition, weeks.")
    annual_discount: StrictFloat = Field(default=CLV_COMPARED_DISCOUNT, ge=0, le=1, description="Annual discount rate of CLV (0: none).")
    threshold: StrictFloat = Field(default=CLV_CAC_TARGET, ge=0, description="Flag channels whose CLV:CAC is below this.")


class AttributionRequest(OpRequest):
    """Incremental effect of channels (default: all) over ``start..end`` (default: the whole history; the window
    must overlap it)."""

    model_config = _config({"start": "2026-08-01", "end": "2026-10-31"}, {"channels": ["search", "social"]})
    start: IsoDate | None = Field(default=None, description="First date (inclusive; default: the first period).")
    end: IsoDate | None = Field(default=None, description="Last date (inclusive; default: the last period).")
    channels: list[str] | None = Field(default=None, description="Channels to attribute (default: all).")


class DiagnoseRequest(OpRequest):
    """Diagnose one campaign, one channel or any attribute value over a period."""

    model_config = _config({"campaign": "social-02", "start": "2026-08-01", "end": "2026-10-31"})
    campaign: str | None = Field(default=None, description="Campaign id, e.g. social-02.")
    channel: str | None = Field(default=None, description="Channel name, e.g. search.")
    scope_column: str | None = Field(default=None, description="Any attribute column, with scope_value.")
    scope_value: str | None = None
    start: IsoDate | None = Field(default=None, description="First date (default: the first date of the data).")
    end: IsoDate | None = Field(default=None, description="Last date (default: the last date of the data).")

    @model_validator(mode="after")
    def _one_scope(self) -> DiagnoseRequest:
        given = [self.campaign, self.channel, self.scope_column]
        if sum(x is not None for x in given) != 1:
            raise ValueError("give exactly one of campaign, channel, or scope_column with scope_value")
        if self.scope_column is not None and not self.scope_value:
            raise ValueError("scope_column needs scope_value")
        return self

    def target(self) -> tuple[str, str]:
        """(column, value) of the diagnosed scope."""
        if self.campaign is not None:
            return "campaign_id", self.campaign
        if self.channel is not None:
            return "channel", self.channel
        return str(self.scope_column), str(self.scope_value)


class ForecastRequest(OpRequest):
    """A spend plan: totals by channel (or by campaign) for ``start..end``; optional per-day series."""

    model_config = _config(
        {"start": "2026-11-01", "end": "2026-11-28", "spend": {"search": 20000, "social": 15000}},
        {"start": "2026-11-01", "end": "2026-11-30", "campaigns": {"search-01": 9000, "social-02": 4000}},
    )
    start: IsoDate
    end: IsoDate
    spend: dict[str, float] | None = Field(default=None, description="Channel → total spend for the period.")
    campaigns: dict[str, float] | None = Field(default=None, description="Campaign id → total spend.")
    daily: dict[str, list[float]] | None = Field(default=None, description="Channel → spend per day of the plan.")
    sims: Annotated[int, Field(ge=100, le=5000), BeforeValidator(refuse_bool_and_text)] | None = Field(
        default=None, description="Simulated paths for the intervals (default: the service's)."
    )

    def plan(self) -> dict[str, Any]:
        """The plan mapping of ``models.plan.parse_plan``."""
        out: dict[str, Any] = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        for key in ("spend", "campaigns", "daily"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


class OptimizeRequest(OpRequest):
    """Best split of a budget over channels, or (with a target) the least spend that reaches it."""

    model_config = _config(
        {"budget": 120000, "start": "2026-11-01", "end": "2026-11-28", "objective": "revenue"},
        {"target_conversions": 2000, "start": "2026-11-01", "end": "2026-11-28"},
    )
    start: IsoDate
    end: IsoDate
    budget: StrictFloat | None = Field(
        default=None, gt=0,
        description="Total budget for the period; any positive amount (default channel bounds widen to fit it).",
    )
    objective: Objective | None = Field(
        default=None,
        description="What to maximise; default revenue when there is a revenue model, else conversions.",
    )
    min_roi: StrictFloat | None = Field(default=None, description="Floor on incremental ROI (fraction).")
    target_conversions: StrictFloat | None = Field(default=None, gt=0)
    target_revenue: StrictFloat | None = Field(default=None, gt=0)
    width: StrictFloat = Field(
        default=0.5, ge=0,
        description="Default channel bounds: ± this share of recent spend (above 1 the lower bound is 0 and the "
        "upper bound 1 + width times recent spend).",
    )
    bounds: dict[str, tuple[StrictFloat | None, StrictFloat | None]] | None = Field(
        default=None,
        description="Channel → [low, high] spend over the period (currency; null side = the default bound). Bounds "
        "given here are never widened.",
    )

    @model_validator(mode="after")
    def _one_goal(self) -> OptimizeRequest:
        goals = [self.budget, self.target_conversions, self.target_revenue]
        if sum(g is not None for g in goals) != 1:
            raise ValueError("give exactly one of budget, target_conversions, target_revenue")
        for channel, (lo, hi) in (self.bounds or {}).items():
            for side, v in (("low", lo), ("high", hi)):
                if v is not None and v < 0:
                    raise ValueError(f"bounds for {channel!r}: {side} must be >= 0, got {v:g}")
            if lo is not None and hi is not None and lo > hi:
                raise ValueError(f"bounds for {channel!r}: low {lo:g} is above high {hi:g}")
        return self


class AdviseRequest(OpRequest):
    """A question in natural language, optionally scoped; the answer cites the analyses it ran."""

    model_config = _config(
        {"question": "Why did social-02 miss its targets last month?", "lang": "en"},
        {"question": "What should we do about this channel?", "channel": "display", "lang": "en"},
    )
    question: str = Field(min_length=3, max_length=2000, description="The question, in English or Russian.")
    campaign: str | None = Field(default=None, description="Campaign id the question is about (overrides the text).")
    channel: str | None = Field(default=None, description="Channel the question is about (overrides the text).")
    lang: Lang | None = Field(default=None, description="Answer language (en, ru); default: the question's language.")

    def scope(self) -> dict[str, str] | None:
        """``{"campaign_id": ...}`` or ``{"channel": ...}`` when given."""
        if self.campaign is not None:
            return {"campaign_id": self.campaign}
        if self.channel is not None:
            return {"channel": self.channel}
        return None


class TrainRequest(OpRequest):
    """Fit and publish new models (response, drivers, CLV) on the dataset."""

    model_config = _config({"seed": 0, "backtest": False})
    seed: JsonInt = Field(default=0, ge=0, description="Same data and seed give the same models.")
    backtest: StrictBool = Field(default=False, description="Run rolling-origin backtests (slower, metrics in manifest).")


Engine = Literal["local", "spark"]


class SegmentTrainRequest(TrainRequest):
    """Fit one model set per segment (the values of ``segment_by``) and publish each into its segment's registry."""

    model_config = _config({"segment_by": "segment", "engine": "local", "workers": 2, "seed": 0, "backtest": False})
    segment_by: str = Field(min_length=1, max_length=200, description="Column whose values are the segments.")
    engine: Engine = Field(default="local", description="local: a process pool here; spark: groupBy.applyInPandas.")
    workers: JsonInt = Field(default=1, ge=1, le=512, description="Processes of the local engine.")
    spark_master: str = Field(default="local[2]", min_length=1, max_length=500, description="Spark master URL.")
