"""The analyses ``advise`` can run. Each takes the dataset (and models) and returns an :class:`Analysis`:
its name, the parameters used, a JSON-safe ``result`` (``{"error": ...}`` when it cannot run) and the
findings it contributes to the recommendations."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from advisor.core.findings import Finding
from advisor.core.jsonable import to_jsonable
from advisor.core.status import Status
from advisor.core.thresholds import CLV_CAC_TARGET, CLV_COMPARED_DISCOUNT, CLV_HORIZON_WEEKS
from advisor.customers import (
    clv_by_acquisition,
    clv_cac_findings,
    clv_cac_status,
    satisfaction_findings,
    satisfaction_trends,
)
from advisor.data import Dataset
from advisor.diagnostics import Diagnosis, PeriodError, Scope, ScopeError, bundle_returns, diagnose, local_returns
from advisor.kpis import build_scorecard, compute_kpis
from advisor.kpis.business import kpi_tables
from models.clv import CLVModel, CLVModelSet
from models.drivers import DriverModelSet
from models.forecast import forecast
from models.optimize import optimize_budget
from models.plan import Plan, PlanError, reference_plan
from models.response import ResponseBundle

KPI_COLUMNS = ("spend", "revenue", "conversions", "roi", "roas", "ctr", "conversion_rate", "cpa", "engagement_rate")
NO_MODELS = "no trained response models: run `kpi-advisor train` and pass --models"


@dataclass(frozen=True)
class Analysis:
    """``params`` and ``result`` are JSON-safe; ``findings`` (core findings) feed :func:`advisor.recommend.recommend`;
    ``context``: extra recommendation context (diagnosed scope, period end and length, SHAP drivers)."""

    name: str
    params: Mapping[str, Any]
    result: Mapping[str, Any]
    findings: Sequence[Finding] = ()
    context: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "params": dict(self.params), "result": clean(self.result)}


def clean(obj: Any) -> Any:
    """JSON-safe copy (``advisor.core.jsonable.to_jsonable``: numpy → Python, NaN/inf → None, dates → ISO)."""
    return to_jsonable(obj)


def _last_day(ds: Dataset) -> pd.Timestamp:
    return pd.Timestamp(ds.campaign_daily["date"].max()).normalize()


def _response(bundle: ResponseBundle | None) -> Any:
    """The bundle's response models for the diagnosis' attribution block (typed Any: ``ResponseLike`` in
    advisor.diagnostics declares ``fitted`` as a property, ``ResponseModel`` as a method-backed attribute)."""
    return dict(bundle.models) if bundle is not None else None


def run_diagnose(
    ds: Dataset, scope: Mapping[str, str], period: str, drivers: DriverModelSet | None, bundle: ResponseBundle | None
) -> Analysis:
    """Diagnose the scope over the last full month of data (``last_month``) or the last 90 days."""
    col, value = next(iter(scope.items()))
    end = _last_day(ds)
    if period == "last_month":
        month_end = end if (end + pd.Timedelta(days=1)).day == 1 else end.replace(day=1) - pd.Timedelta(days=1)
        start, end = month_end.replace(day=1), month_end
    else:
        start = end - pd.Timedelta(days=89)
    params = {"scope": dict(scope), "from": str(start.date()), "to": str(end.date())}
    try:
        d: Diagnosis = diagnose(
            ds.campaign_daily, Scope(col, value), start.date(), end.date(), models=drivers,
            targets=ds.targets, response=_response(bundle),
        )
    except (ScopeError, PeriodError) as exc:
        return Analysis("diagnose", params, {"error": str(exc)})
    ctx = {"diagnosis": d, "campaign_daily": ds.campaign_daily}
    return Analysis("diagnose", params, d.to_dict(), d.findings, ctx)


def run_scorecard(ds: Dataset) -> Analysis:
    if ds.targets is None:
        return Analysis("scorecard", {}, {"error": "no targets.yaml in the data folder"})
    sc = build_scorecard(kpi_tables(ds), ds.targets)
    lines = [ln for g in sc.groups for ln in g.lines]
    doc = sc.to_dict()
    doc["counts"] = {
        s.value: sum(ln.status == s for ln in lines) for s in (Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK)
    }
    findings = [f for ln in lines if (f := ln.finding()) is not None]
    return Analysis("scorecard", {"period": sc.period}, doc, findings)


def run_kpis(ds: Dataset, scope: Mapping[str, str] | None = None, days: int = 28) -> Analysis:
    end = _last_day(ds)
    start = end - pd.Timedelta(days=days - 1)
    table = compute_kpis(
        kpi_tables(ds), by=("channel",), start=start.date(), end=end.date(), kpis=list(KPI_COLUMNS), compare=False
    ).frame
    if scope and "channel" in scope:
        table = table[table["channel"].astype(str) == scope["channel"]]
    rows = table[["channel", *KPI_COLUMNS]].to_dict("records")
    params = {"by": "channel", "from": str(start.date()), "to": str(end.date())}
    return Analysis("kpis", params, {"rows": rows})


def _clv_findings(rows: list[dict[str, Any]], threshold: float, days: float) -> list[Finding]:
    """CLV:CAC findings from the KPI engine's historical CLV (no model): rows below ``threshold``."""
    out = []
    for r in rows:
        ratio = r.get("clv_cac")
        if ratio is None or not math.isfinite(ratio) or ratio >= threshold:
            continue
        evidence = {"clv_cac": ratio, "clv_mean": r["clv"], "cac": r["cac"], "spend": r["spend"],
                    "new_customers": r["new_customers"], "days": days}
        msg = f"channel {r['channel']}: CLV:CAC {ratio:.2f} is below {threshold:g} (CLV {r['clv']:.2f}, CAC {r['cac']:.2f})"
        out.append(
            Finding(
                "clv_cac", clv_cac_status(ratio, threshold), msg, kpi="clv_cac", stage="retention",
                evidence=evidence, scope={"channel": str(r["channel"])}, kind="customer",
            )
        )
    return out




def _model_clv(
    ds: Dataset, model: CLVModel | CLVModelSet, scope: Mapping[str, str] | None, threshold: float, days: float
) -> tuple[list[dict[str, Any]], list[Finding]]:
    """Rows and findings from the fitted CLV model (``advisor.customers.clv_by_acquisition``)."""
    table = clv_by_acquisition(
        ds.tables["orders"], ds.campaign_daily, model, horizon_weeks=CLV_HORIZON_WEEKS,
        annual_discount=CLV_COMPARED_DISCOUNT,
    )
    if scope and "channel" in scope:
        table = table[table["channel"].astype(str) == scope["channel"]]
    findings = clv_cac_findings(
        table, threshold=threshold, horizon_weeks=CLV_HORIZON_WEEKS, annual_discount=CLV_COMPARED_DISCOUNT,
        period_days=days,
    )
    rows = table.rename(columns={"clv_mean": "clv"})
    cols = ["channel", "clv", "cac", "clv_cac", "spend", "new_customers", "customers", "realized_share"]
    return clean(rows[cols].to_dict("records")), list(findings)


def run_clv(
    ds: Dataset,
    scope: Mapping[str, str] | None = None,
    threshold: float = CLV_CAC_TARGET,
    clv_model: CLVModel | CLVModelSet | None = None,
) -> Analysis:
    """CLV, CAC and CLV:CAC by acquisition channel, and CSAT/NPS drops of the last two months (overall and by
    channel). With ``clv_model`` (fitted BG/NBD + Gamma-Gamma) and orders, CLV is the model's 52-week value per
    acquired customer (first order included, undiscounted; channels with < 30 customers give no finding);
    otherwise the KPI engine's historical CLV (revenue to date per customer). ``result.source`` says which."""
    dates = ds.campaign_daily["date"]
    days = float((pd.Timestamp(dates.max()) - pd.Timestamp(dates.min())).days + 1)
    findings: list[Finding]
    if clv_model is not None and ds.tables.get("orders") is not None:
        rows, findings = _model_clv(ds, clv_model, scope, threshold, days)
        source = "model"
    else:
        table = compute_kpis(ds.tables, by=("channel",), kpis=["clv", "cac", "clv_cac", "spend", "new_customers"]).frame
        if scope and "channel" in scope:
            table = table[table["channel"].astype(str) == scope["channel"]]
        rows = clean(table[["channel", "clv", "cac", "clv_cac", "spend", "new_customers"]].to_dict("records"))
        findings = _clv_findings(rows, threshold, days)
        source = "data"
    satisfaction: list[dict[str, Any]] = []
    if ds.surveys is not None and len(ds.surveys):
        for by in (None, "channel"):
            if by is not None and by not in ds.surveys.columns:
                continue
            trends = satisfaction_trends(ds.surveys, "month", by=by)
            recent = sorted(trends["period"].unique())[-2:]
            found = satisfaction_findings(trends[trends["period"].isin(recent)])
            findings += found
            satisfaction += [f.to_dict() for f in found]
    result = {"rows": rows, "threshold": threshold, "source": source,
              "findings": [f.to_dict() for f in findings if f.check == "clv_cac"], "satisfaction": satisfaction}
    params: dict[str, Any] = {"by": "channel", "threshold": threshold, "source": source}
    if source == "model":
        params.update({"horizon_weeks": CLV_HORIZON_WEEKS, "annual_discount": CLV_COMPARED_DISCOUNT})
    return Analysis("clv", params, result, findings)


def run_returns(ds: Dataset, bundle: ResponseBundle | None) -> Analysis:
    views: list[Finding] = bundle_returns(bundle) if bundle is not None else local_returns(ds.campaign_daily)
    channels = [
        {"channel": v.scope["channel"], **{k: v.evidence.get(k) for k in ("marginal_roi", "spend_per_day", "source")}}
        for v in views
    ]
    return Analysis("returns", {"source": "response_model" if bundle else "local_elasticity"}, {"channels": channels}, views)


def _window(bundle: ResponseBundle, horizon: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The next week, month (default) or quarter (3 months) after the history, inclusive."""
    start = pd.Timestamp(bundle.context.last_date) + pd.Timedelta(days=1)
    if horizon == "week":
        return start, start + pd.Timedelta(days=6)
    months = 3 if horizon == "quarter" else 1
    return start, start + pd.DateOffset(months=months) - pd.Timedelta(days=1)


def run_forecast(bundle: ResponseBundle | None, budget: float | None, horizon: str) -> Analysis:
    """Forecast of the run-rate plan over the next ``horizon``, rescaled to ``budget`` when given."""
    params: dict[str, Any] = {"horizon": horizon, "budget": budget}
    if bundle is None:
        return Analysis("forecast", params, {"error": NO_MODELS})
    start, end = _window(bundle, horizon)
    ref = reference_plan(bundle, start, end)
    scale = budget / ref.total if budget and ref.total > 0 else 1.0
    plan = Plan(start, end, {ch: v * scale for ch, v in ref.spend.items()})
    params.update({"start": str(start.date()), "end": str(end.date()), "spend": dict(plan.spend)})
    try:
        fc = forecast(bundle, plan, n_sims=300, curves=False).to_dict()
    except PlanError as exc:
        return Analysis("forecast", params, {"error": str(exc)})
    fc.pop("daily", None)
    return Analysis("forecast", params, fc)


def run_optimize(bundle: ResponseBundle | None, budget: float | None, horizon: str) -> Analysis:
    params: dict[str, Any] = {"horizon": horizon, "budget": budget, "objective": "revenue"}
    if bundle is None:
        return Analysis("optimize", params, {"error": NO_MODELS})
    start, end = _window(bundle, horizon)
    total = budget if budget else reference_plan(bundle, start, end).total
    params.update({"start": str(start.date()), "end": str(end.date()), "budget": total})
    try:
        res = optimize_budget(bundle, total, start, end, n_sims=300).to_dict()
    except PlanError as exc:
        return Analysis("optimize", params, {"error": str(exc)})
    if isinstance(res.get("forecast"), dict):
        res["forecast"].pop("daily", None)
    return Analysis("optimize", params, res)
