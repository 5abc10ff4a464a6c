"""Request and response models shared by the REST routers and the MCP tools.

Money is in the data's currency, counts are units, ratios are plain fractions (``roi`` 0.25 = +25%), dates are
ISO ``YYYY-MM-DD``. Nested domain blocks keep ``extra="allow"`` so fields the domain adds later pass through.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from advisor.ops import requests as ops

Grain = ops.Grain
Objective = ops.Objective

JobState = Literal["queued", "running", "succeeded", "failed", "cancelled"]
Role = Literal["viewer", "analyst", "admin"]


def _examples(*examples: dict[str, Any], extra: str = "forbid") -> ConfigDict:
    return ConfigDict(extra=extra, json_schema_extra={"examples": list(examples)})  # type: ignore[typeddict-item]


def _request_examples(*examples: dict[str, Any]) -> ConfigDict:
    """Config of a request model: the operation's rules (frozen, unknown fields and non-finite numbers refused)."""
    return ConfigDict(
        frozen=True, extra="forbid", allow_inf_nan=False,
        json_schema_extra={"examples": list(examples)},  # type: ignore[typeddict-item]
    )


def _dataset() -> Any:
    return Field(default=None, description="Dataset id (default: the active dataset).")


def _model_version() -> Any:
    return Field(default=None, description="Registry version (default: the served one).")


def _segment(
    description: str = "Segment whose models answer (trained with `train --segment-by`; its newest version unless "
    "model_version names one). Default: the workspace's served models.",
) -> Any:
    return Field(default=None, min_length=1, max_length=200, description=description)


class Open(BaseModel):
    """A domain block whose keys may grow."""

    model_config = ConfigDict(extra="allow")


# ---------------------------------------------------------------- datasets, models, jobs


class ValidationIssueOut(BaseModel):
    """One broken data rule: table, column, first offending rows (CSV: file line numbers), rule id, message."""

    table: str
    column: str | None = None
    rows: list[int] = Field(default_factory=list)
    rule: str
    message: str


class MmmInfo(BaseModel):
    """The media-mix table of a dataset (``mmm:`` in its ``kpi-advisor.yaml``), as ``validate`` reports it."""

    grain: str = Field(description="Detected grain: D (daily) or W (weekly).")
    periods: int = Field(description="Distinct periods (dates).")
    geos: int = Field(description="Geos (1 when national).")
    channels: list[str] = Field(description="Paid channels, in config order.")
    outcomes: list[str] = Field(description="Configured outcomes: conversions and/or revenue.")
    first: str = Field(description="First period start (ISO date).")
    last: str = Field(description="Last period start (ISO date).")


class DatasetInfo(BaseModel):
    """A dataset the service can analyse: ``default`` is the configured data folder, others are uploads."""

    model_config = _examples(
        {
            "id": "default",
            "tables": {"campaign_daily": 4380, "orders": 21000},
            "has_targets": True,
            "fingerprint": "5f2c…",
            "active": True,
            "warnings": [],
        }
    )
    id: str
    tables: dict[str, int] = Field(description="Rows per table present.")
    has_targets: bool
    fingerprint: str = Field(description="sha256 of the canonical table contents.")
    active: bool = Field(description="True for the dataset the trained models and default requests use.")
    warnings: list[ValidationIssueOut] = Field(default_factory=list)
    mmm: MmmInfo | None = Field(default=None, description="The media-mix table, when the dataset has one.")


class DatasetList(BaseModel):
    model_config = _examples({"datasets": [DatasetInfo.model_config["json_schema_extra"]["examples"][0]]})  # type: ignore[index]
    datasets: list[DatasetInfo]


class ModelInfo(BaseModel):
    """A model version of the workspace (registry folder + database row)."""

    model_config = _examples(
        {
            "version": "v0003",
            "created_at": "2026-11-27T10:00:00+00:00",
            "kind": ["response"],
            "frequency": "D",
            "history": {"start": "2024-11-01", "end": "2026-10-31", "periods": 730},
            "data_fingerprint": "5f2c…",
            "active": True,
            "channels": ["display", "search", "social"],
        }
    )
    version: str
    created_at: str | None = None
    kind: list[str] = Field(default_factory=list)
    frequency: str | None = None
    history: dict[str, Any] = Field(default_factory=dict)
    data_fingerprint: str | None = None
    dataset: str | None = Field(default=None, description="Dataset id the version was trained on.")
    active: bool = Field(description="True for the version the workspace serves.")
    activated_at: datetime | None = None
    metrics: dict[str, Any] = Field(default_factory=dict, description="Backtest and fit figures recorded at training.")
    channels: list[str] = Field(default_factory=list, description="Channels of the served version (active only).")


class ModelList(BaseModel):
    model_config = _examples({"models": [ModelInfo.model_config["json_schema_extra"]["examples"][0]]})  # type: ignore[index]
    models: list[ModelInfo]
    segments: list[str] = Field(
        default_factory=list,
        description="Segments with models of their own (`train --segment-by`): pass one as `segment` to forecast / "
        "optimize.",
    )


class TrainRequest(ops.TrainRequest):
    """Fit and publish new models on a dataset; the served models are swapped when the job succeeds."""

    model_config = _request_examples({"dataset": "default", "seed": 0, "backtest": False})
    dataset: str | None = _dataset()
    activate: StrictBool = Field(default=True, description="Serve the new version when the job succeeds.")


class JobStatus(BaseModel):
    """A background job (training), run by the worker process. Poll ``GET /v1/jobs/{id}`` until ``status`` is
    succeeded, failed or cancelled."""

    model_config = _examples(
        {
            "id": "3f0c2a9e4b1d",
            "kind": "train",
            "status": "succeeded",
            "progress": 1.0,
            "message": "done",
            "created_at": "2026-11-27T10:00:00Z",
            "started_at": "2026-11-27T10:00:01Z",
            "finished_at": "2026-11-27T10:00:19Z",
            "result": {"model_version": "v0002"},
            "error": None,
            "cancel_requested": False,
        }
    )
    id: str
    kind: str
    status: JobState
    progress: float = Field(ge=0, le=1, description="Fraction done, 0..1.")
    message: str = ""
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
    cancel_requested: bool = False


class JobList(BaseModel):
    model_config = _examples({"jobs": [JobStatus.model_config["json_schema_extra"]["examples"][0]]})  # type: ignore[index]
    jobs: list[JobStatus]


# ---------------------------------------------------------------- access: API keys, audit log


class KeyRequest(BaseModel):
    """A new API key for the caller's workspace."""

    model_config = _examples({"role": "viewer", "name": "planning dashboard"})
    role: Role = Field(description="viewer: read and ask; analyst: also upload and train; admin: also manage keys.")
    name: str = Field(default="", max_length=200, description="What the key is for.")


class KeyInfo(BaseModel):
    """An API key without its secret."""

    model_config = _examples(
        {"id": "3f0c2a9e4b1d", "workspace": "acme", "role": "viewer", "name": "planning dashboard",
         "created_at": "2026-11-27T10:00:00Z", "last_used_at": None, "revoked_at": None}
    )
    id: str
    workspace: str
    role: Role
    name: str = ""
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class NewKey(KeyInfo):
    """A key just made; ``token`` is shown this once."""

    model_config = _examples(
        {**KeyInfo.model_config["json_schema_extra"]["examples"][0], "token": "kpia_3f0c2a9e4b1d_Zq…"}  # type: ignore[index,dict-item]
    )
    token: str = Field(description="Send as 'X-API-Key: <token>'. Not stored by the service: keep it now.")


class KeyList(BaseModel):
    model_config = _examples({"keys": [KeyInfo.model_config["json_schema_extra"]["examples"][0]]})  # type: ignore[index]
    keys: list[KeyInfo]


class AuditEntry(BaseModel):
    """One answer the service gave: route, key, request, response and what it came from."""

    model_config = _examples(
        {"id": 41, "workspace": "acme", "key_id": "3f0c2a9e4b1d", "route": "/v1/diagnose",
         "request": {"campaign": "social-02"}, "response": {"verdict": "underperforming", "findings": []},
         "model_version": "v0003", "dataset_id": "default", "created_at": "2026-11-27T10:00:00Z"}
    )
    id: int
    workspace: str
    key_id: str | None = None
    route: str
    request: dict[str, Any]
    response: dict[str, Any]
    model_version: str | None = None
    dataset_id: str | None = None
    created_at: datetime


class AuditLog(BaseModel):
    model_config = _examples({"entries": [AuditEntry.model_config["json_schema_extra"]["examples"][0]]})  # type: ignore[index]
    entries: list[AuditEntry]


# ---------------------------------------------------------------- KPIs and scorecard


class KpisRequest(ops.KpisRequest):
    __doc__ = ops.KpisRequest.__doc__
    dataset: str | None = _dataset()


class ScorecardRequest(ops.ScorecardRequest):
    __doc__ = ops.ScorecardRequest.__doc__
    dataset: str | None = _dataset()


class CustomersRequest(ops.CustomersRequest):
    __doc__ = ops.CustomersRequest.__doc__
    dataset: str | None = _dataset()


class KpisResponse(BaseModel):
    """Rows: the group columns (and ``period``), then one key per KPI id; a KPI that cannot be computed is null."""

    model_config = _examples(
        {
            "dataset": "default",
            "kpis": ["spend", "revenue", "roi"],
            "rows": [{"channel": "search", "period": "2026-10", "spend": 61250.0, "revenue": 98000.0, "roi": 0.6}],
        }
    )
    dataset: str
    kpis: list[str]
    rows: list[dict[str, Any]]


class ScorecardLineOut(Open):
    kpi: str
    value: float | None = None
    target: float | None = None
    status: str | None = None


class ScorecardGroupOut(Open):
    name: str
    score: float | None = None
    kpis: list[ScorecardLineOut]


class ScorecardResponse(Open):
    """The KPI system vs targets with a weighted composite score (0..100)."""

    model_config = _examples(
        {
            "score": 71.5,
            "period": "2026-10",
            "start": "2026-10-01",
            "end": "2026-10-31",
            "groups": [{"name": "outcome", "score": 66.0, "kpis": [{"kpi": "roi", "value": 0.42, "target": 0.5, "status": "miss"}]}],
        },
        extra="allow",
    )
    score: float | None = None
    period: str | None = None
    groups: list[ScorecardGroupOut]
    notes: list[str] = Field(default_factory=list, description="What the data lacks for the card (e.g. business totals).")


class CustomersResponse(Open):
    """Customer KPIs (``advisor.customers.customer_report``): model CLV and CLV:CAC by acquisition channel,
    retention by cohort, CSAT/NPS trends and findings (channels with CLV:CAC below the threshold)."""

    model_config = _examples(
        {
            "dataset": "default",
            "model_version": "v0003",
            "as_of": "2026-10-31",
            "clv": {
                "horizon_weeks": 52,
                "annual_discount": 0.0,
                "first_order_included": True,
                "threshold": 3.0,
                "overall": {"clv_mean": 198.3, "cac": 47.9, "clv_cac": 4.14},
                "by_channel": [{"channel": "video", "customers": 5467, "clv_mean": 177.1, "cac": 83.8, "clv_cac": 2.11}],
            },
            "retention": {"grain": "month", "rows": [{"cohort": "2026-01", "period_number": 1, "retention": 0.145}]},
            "satisfaction": {"grain": "month", "rows": [{"period": "2026-10", "csat": 3.91, "nps": 24.9}]},
            "findings": [{"check": "clv_cac", "status": "at_risk", "scope": {"channel": "video"}}],
        },
        extra="allow",
    )
    dataset: str
    model_version: str | None = None
    model_source: str | None = Field(default=None, description="Where the CLV model came from.")
    as_of: str
    clv: dict[str, Any]
    retention: dict[str, Any]
    satisfaction: dict[str, Any] | None = None
    findings: list[dict[str, Any]]


# ---------------------------------------------------------------- diagnostics


class DiagnoseRequest(ops.DiagnoseRequest):
    __doc__ = ops.DiagnoseRequest.__doc__
    dataset: str | None = _dataset()
    segment: str | None = _segment(
        "Segment (trained with `train --segment-by`): its newest models answer, from the dataset's rows of that "
        "segment (campaign_daily / outcomes_daily rows whose segment column equals it). Default: the served models "
        "and all rows."
    )


class Finding(Open):
    check: str
    status: str
    kpi: str | None = None
    stage: str | None = None
    message: str
    started: str | None = None


class CustomerValue(BaseModel):
    """Customer value of the diagnosed channel or campaign from the served version's CLV model
    (``advisor.customers.diagnosis_customer_value``): money in the data's currency per customer."""

    model_config = _examples(
        {
            "scope": {"channel": "display"},
            "horizon_weeks": 52.0,
            "annual_discount": 0.0,
            "customers": 412,
            "clv": 96.4,
            "cac": 61.2,
            "clv_cac": 1.58,
            "findings": [
                {"check": "clv_cac", "status": "warning", "kpi": "clv_cac", "scope": {"channel": "display"},
                 "stage": None, "message": "channel display: CLV:CAC 1.6 is below 3", "started": None,
                 "evidence": {"clv_cac": 1.58, "threshold": 3.0}}
            ],
            "actions": [
                {"id": "improve_clv_cac", "action": "Tighten targeting or invest in retention in channel display",
                 "scope": {"channel": "display"}, "expected_impact": None, "confidence": 0.6}
            ],
            "reason": None,
        },
        extra="allow",
    )
    scope: dict[str, str] = Field(description="The diagnosed scope, e.g. {'channel': 'display'}.")
    horizon_weeks: float = Field(description="CLV horizon from acquisition, in weeks.")
    annual_discount: float = Field(description="Annual discount rate of the CLV (0 = undiscounted).")
    customers: int = Field(description="Customers acquired by the scope (orders.acquisition_*).")
    clv: float | None = Field(description="Mean model CLV per acquired customer (currency); null: see reason.")
    cac: float | None = Field(description="Spend per acquired customer (currency); null: see reason.")
    clv_cac: float | None = Field(description="CLV / CAC (ratio; below 3 is a finding); null: see reason.")
    findings: list[dict[str, Any]] = Field(description="Customer findings (CLV:CAC below 3), empty if healthy.")
    actions: list[dict[str, Any]] = Field(description="Corrective actions for the findings, ranked.")
    reason: str | None = Field(default=None, description="Why the numbers are null (e.g. no customer acquired).")


class DiagnoseResponse(Open):
    """Verdict, ranked findings (funnel stage, onset), drivers (associations), anomalies, summary."""

    model_config = _examples(
        {
            "verdict": "off_track",
            "kpis": [],
            "findings": [
                {"check": "funnel", "status": "fail", "kpi": "conversion_rate", "stage": "click_to_conversion",
                 "message": "conversion rate fell 38% from 2026-09-14", "started": "2026-09-14"}
            ],
            "drivers": [{"feature": "creative", "impact": -41.0, "kpi": "conversions"}],
            "anomalies": [{"date": "2026-09-20", "kpi": "conversions", "actual": 3, "expected": 19.5}],
            "recommendations": [],
            "summary": "social-02 is off track: conversion rate fell from 2026-09-14.",
        },
        extra="allow",
    )
    verdict: str
    kpis: list[Any]
    findings: list[Finding]
    drivers: list[dict[str, Any]]
    anomalies: list[dict[str, Any]]
    recommendations: list[dict[str, Any]]
    summary: str
    customer_value: CustomerValue | None = Field(
        default=None,
        description="CLV, CAC, CLV:CAC of the channel or campaign with findings and actions; null without a CLV "
        "model, for another dataset than the served one, or for another kind of scope.",
    )


class AttributionRequest(ops.AttributionRequest):
    __doc__ = ops.AttributionRequest.__doc__
    dataset: str | None = _dataset()
    segment: str | None = _segment(
        "Segment (trained with `train --segment-by`): its newest models answer, from the dataset's rows of that "
        "segment (campaign_daily / outcomes_daily rows whose segment column equals it). Default: the served models "
        "and all rows."
    )


class AttributionResponse(Open):
    """Each channel's incremental conversions (count) and revenue (currency) over ``from..to`` (the first and last
    period of the history inside the requested window) with 80 % and 95 % intervals of the channel's effect
    (``lower_80``/``upper_80`` of incremental conversions, ``revenue_lower_80``/``revenue_upper_80`` of incremental
    revenue), ROI = (incremental revenue − spend) / spend, the platform-reported conversions and revenue (null when
    the data has none) and reported / incremental. ``lift_tests``: each incrementality experiment's measured
    figure next to what the model fits over its window (``z``: the gap in standard errors). ``geos`` (only for a
    geo model): geo → channel → the same figures per geo. A KPI without a response model gives nulls and a note."""

    model_config = _examples(
        {
            "dataset": "default",
            "model_version": "v0003",
            "from": "2026-08-01",
            "to": "2026-10-31",
            "freq": "D",
            "channels": {
                "search": {
                    "spend": 61250.0, "incremental_conversions": 1240.0, "lower_80": 1010.0, "upper_80": 1470.0,
                    "lower_95": 890.0, "upper_95": 1590.0, "incremental_revenue": 98000.0,
                    "revenue_lower_80": 80500.0, "revenue_upper_80": 115500.0, "revenue_lower_95": 71200.0,
                    "revenue_upper_95": 124800.0, "roi": 0.6, "roi_lower_80": 0.314, "roi_upper_80": 0.886,
                    "cost_per_incremental_conversion": 49.4, "reported_conversions": 1630.0,
                    "reported_revenue": 129000.0, "reported_to_incremental": 1.31,
                    "reported_to_incremental_revenue": 1.32, "notes": [],
                }
            },
            "lift_tests": [
                {"channel": "search", "kpi": "conversions", "start": "2026-09-01", "end": "2026-09-28",
                 "measured": 410.0, "std_error": 60.0, "fitted": 388.0, "difference": -22.0, "z": -0.37,
                 "source": "spend history", "note": None}
            ],
            "warnings": [],
        },
        extra="allow",
    )
    dataset: str | None = None
    model_version: str | None = None
    from_: str = Field(alias="from", description="First period in the window (YYYY-MM-DD).")
    to: str = Field(description="Last period in the window (YYYY-MM-DD).")
    freq: str = Field(description="The models' grain: D (days) or W (weeks).")
    channels: dict[str, dict[str, Any]]
    lift_tests: list[dict[str, Any]]
    warnings: list[str] = Field(default_factory=list)


# ---------------------------------------------------------------- planning


class Interval(BaseModel):
    """Mean and central 80% / 95% interval bounds (null when undefined, e.g. CPA at zero spend)."""

    mean: float | None
    lower_80: float | None
    upper_80: float | None
    lower_95: float | None
    upper_95: float | None


class ForecastRequest(ops.ForecastRequest):
    __doc__ = ops.ForecastRequest.__doc__
    model_version: str | None = _model_version()
    segment: str | None = _segment()


class ForecastResponse(Open):
    """``total`` and ``by_channel`` map KPI id (conversions, revenue, roi, roas, cpa, ...) to an Interval."""

    model_config = _examples(
        {
            "model_version": "v0003",
            "start": "2026-11-01",
            "end": "2026-11-28",
            "spend": {"search": 20000.0, "social": 15000.0},
            "total": {"conversions": {"mean": 1520.0, "lower_80": 1400.0, "upper_80": 1650.0,
                                      "lower_95": 1340.0, "upper_95": 1720.0}},
            "by_channel": {"search": {"conversions": {"mean": 410.0, "lower_80": 350.0, "upper_80": 470.0,
                                                      "lower_95": 320.0, "upper_95": 500.0}}},
            "warnings": [],
        },
        extra="allow",
    )
    model_version: str
    start: str
    end: str
    spend: dict[str, float]
    total: dict[str, Any]
    by_channel: dict[str, dict[str, Any]]
    warnings: list[str] = Field(default_factory=list)
    notes: list[str] = Field(
        default_factory=list, description="E.g. a KPI without a model (one-outcome data): it and its ratios are null."
    )


class OptimizeRequest(ops.OptimizeRequest):
    __doc__ = ops.OptimizeRequest.__doc__
    model_version: str | None = _model_version()
    segment: str | None = _segment()


class OptimizeResponse(Open):
    """Recommended allocation, the reference (run-rate) plan, the forecast of the allocation and the uplift."""

    model_config = _examples(
        {
            "model_version": "v0003",
            "allocation": {"search": 52000.0, "social": 38000.0},
            "reference_plan": {"search": 45000.0, "social": 45000.0},
            "uplift": {"revenue": 8200.0, "conversions": 95.0},
            "status": "optimal",
            "objective": "revenue",
            "message": "",
        },
        extra="allow",
    )
    model_version: str
    allocation: dict[str, float]
    reference_plan: dict[str, float]
    forecast: dict[str, Any] | None = None
    uplift: dict[str, float | None] = Field(
        description="Allocation minus reference plan per KPI; null when undefined (the ROI of no spend)."
    )
    status: str
    objective: str
    message: str = ""
    bounds: dict[str, list[float]] = Field(
        default_factory=dict, description="Channel → [low, high] spend the allocation was held to."
    )
    notes: list[str] = Field(
        default_factory=list, description="How the bounds were set when not the plain default (widened to fit the "
        "budget, channels with no recent spend)."
    )


# ---------------------------------------------------------------- advise


class AdviseRequest(ops.AdviseRequest):
    __doc__ = ops.AdviseRequest.__doc__
    dataset: str | None = _dataset()


class AdviseResponse(Open):
    model_config = _examples(
        {
            "answer": "social-02 missed its conversion target by 31% in October ...",
            "analyses": [{"kind": "diagnose", "scope": {"campaign_id": "social-02"}}],
            "recommendations": [{"action": "refresh the creative", "expected_impact": "+120 conversions",
                                 "confidence": "medium"}],
            "narrative_source": "template",
            "verified": True,
        },
        extra="allow",
    )
    answer: str
    analyses: list[Any]
    recommendations: list[Any]
    narrative_source: str
    verified: bool
    understood: dict[str, Any] | None = Field(
        default=None, description="What the question was read as: kind, campaigns, channels, KPI, period, amounts, language."
    )
    lang: str | None = Field(default=None, description="Language of the answer (the question's unless overridden).")


class Health(BaseModel):
    model_config = _examples({"status": "ok", "model_version": "v0003", "dataset": "default"})
    status: str
    model_version: str | None = None
    dataset: str | None = None
    detail: str | None = None
