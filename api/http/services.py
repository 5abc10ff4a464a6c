"""The service operations, shared by the REST routers and the MCP tools.

Each takes the caller's :class:`~api.http.state.Workspace` and a request model and returns a JSON-ready dict shaped like
the matching response model. They only call the domain packages (``advisor``, ``models``, ``training``) — the
same functions the CLI calls — and never catch domain errors: ``api.http.errors`` maps those to HTTP and
``api.mcp_server`` to tool errors.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from api.cli.output import to_jsonable
from api.http import schemas
from api.http.state import Snapshot, Workspace
from api.store import UnknownModelError


def jsonable(value: Any) -> Any:
    """JSON-ready copy of a domain ``to_dict()`` result (NaN/inf → null); a fast path for plain dicts, lists
    and numbers, ``api.cli.output.to_jsonable`` for anything else (numpy, pandas, dates)."""
    t = type(value)
    if t is dict:
        return {k if type(k) is str else str(k): jsonable(v) for k, v in value.items()}
    if t is list or t is tuple:
        return [jsonable(v) for v in value]
    if t is float:
        return value if math.isfinite(value) else None
    if value is None or t is str or t is int or t is bool:
        return value
    return to_jsonable(value)


class HorizonError(ValueError):
    """A plan or optimisation period longer than the configured maximum."""


def _key(op: str, snap: Snapshot, req: Any, extra: Any = None) -> tuple[str, ...]:
    body = req.model_dump_json() if hasattr(req, "model_dump_json") else json.dumps(req, sort_keys=True, default=str)
    return (op, *snap.key(), body + json.dumps(extra, default=str))


def _cached(state: Workspace, op: str, key: tuple[str, ...], run: Callable[[], dict[str, Any]]) -> Any:
    """``run()`` through the result cache; computing it (not a cache hit) takes one of the process's compute slots
    (``state.compute_slots``: the work is CPU-bound, more at once only contend for the GIL; waiting requests are
    served earliest deadline first, so a KPI table overtakes a queued diagnosis) and is timed as
    ``kpi_advisor_model_seconds`` under ``op`` (without the wait for the slot)."""

    def timed() -> dict[str, Any]:
        with state.compute_slots(op), state.metrics.time_model(op):
            return run()

    return state.cache.get_or_compute(key, timed)


def _dataset(state: Workspace, dataset_id: str | None) -> tuple[str, Any, Snapshot]:
    snap = state.require(dataset=dataset_id is None)
    if dataset_id is None or dataset_id == snap.dataset_id:
        return str(snap.dataset_id), snap.dataset, snap
    return dataset_id, state.datasets.get(dataset_id), snap


def _check_horizon(state: Workspace, start: Any, end: Any) -> None:
    days = (end - start).days + 1
    if days > state.settings.max_horizon_days:
        raise HorizonError(
            f"the period {start}..{end} covers {days} days; the maximum horizon is {state.settings.max_horizon_days}"
        )


def kpis(state: Workspace, req: schemas.KpisRequest) -> dict[str, Any]:
    """KPI table (``advisor.kpis.compute_kpis``)."""
    from advisor.kpis import compute_kpis

    ds_id, ds, _ = _dataset(state, req.dataset)

    def run() -> dict[str, Any]:
        table = compute_kpis(
            ds.tables, by=req.by, grain=req.grain, start=req.start, end=req.end, kpis=req.kpis, compare=req.compare,
            cache=state.measures,
        )
        return {"dataset": ds_id, "kpis": list(table.kpis), "rows": jsonable(table.to_records())}

    key = ("kpis", state.name, ds_id, ds.fingerprint, req.model_dump_json())  # KPI tables do not depend on the models
    result: dict[str, Any] = _cached(state, "kpis", key, run)
    return result


def scorecard(state: Workspace, dataset_id: str | None = None, period: str | None = None) -> dict[str, Any]:
    """The KPI system vs targets (``advisor.kpis.build_scorecard``); CLV and CLV:CAC from the served version's
    CLV model (``advisor.customers.model_kpis``) when it has one and the request is for the served dataset."""
    from advisor.kpis import build_scorecard

    state.remember(f"scorecard|{dataset_id}|{period}", scorecard, dataset_id, period)
    ds_id, ds, snap = _dataset(state, dataset_id)
    if ds.targets is None:
        raise ValueError(f"dataset {ds_id!r} has no targets.yaml: a scorecard needs targets; upload one with the data")

    def run() -> dict[str, Any]:
        provider = _model_clv(state, ds, snap.model_version) if ds_id == snap.dataset_id and snap.model_version else None
        card = build_scorecard(ds.tables, ds.targets, period=period, model_kpis=provider)
        doc: dict[str, Any] = jsonable(card.to_dict())
        return doc

    result: dict[str, Any] = _cached(state, "scorecard", _key("scorecard", snap, {"p": period}, ds.fingerprint), run)
    return result


def _clv_model(state: Workspace, version: str | None) -> Any:
    """The CLV model stored in registry ``version`` (``clv/model.json``), or None (no version / no CLV model)."""
    from advisor.customers import clv_model_from_registry

    if not version:
        return None
    root = _registry_root(state, version)
    found = state.derived.get_or_compute(
        ("clv_model", state.name, str(root), version), lambda: clv_model_from_registry(root, version)
    )  # read once per process and version (model files are immutable once published)
    return found[0] if found is not None else None


def _model_clv(state: Workspace, ds: Any, version: str | None) -> Any:
    """Model CLV provider (``advisor.customers.model_kpis``) from registry ``version``'s CLV model, or None."""
    from advisor.customers import model_kpis

    model = _clv_model(state, version)
    if model is None or ds.tables.get("orders") is None or ds.tables.get("campaign_daily") is None:
        return None
    return model_kpis(ds.tables, model, label=f"model version {version}")


def customers(state: Workspace, dataset_id: str | None = None, grain: str = "month") -> dict[str, Any]:
    """Customer KPIs (``advisor.customers.customer_report``) with the served version's CLV model."""
    from advisor.customers import customer_report

    state.remember(f"customers|{dataset_id}|{grain}", customers, dataset_id, grain)
    ds_id, ds, snap = _dataset(state, dataset_id)
    snap = state.require(models=True, dataset=False)
    model = _clv_model(state, snap.model_version)
    if model is None:
        raise ValueError(f"model version {snap.model_version} has no CLV model: retrain with orders in the dataset")

    def run() -> dict[str, Any]:
        doc: dict[str, Any] = jsonable(customer_report(ds.tables, model, grain=grain).to_dict())
        return {"dataset": ds_id, "model_version": snap.model_version, **doc}

    result: dict[str, Any] = _cached(state, "customers", _key("customers", snap, {"g": grain}, ds.fingerprint), run)
    return result


def diagnose(state: Workspace, req: schemas.DiagnoseRequest) -> dict[str, Any]:
    """Campaign / channel diagnostics (``advisor.diagnostics.diagnose``) with the served driver and response models."""
    from advisor.diagnostics import Scope
    from advisor.diagnostics import diagnose as run_diagnose

    state.remember("diagnose|" + req.model_dump_json(), diagnose, req)
    ds_id, ds, snap = _dataset(state, req.dataset)
    if req.campaign is not None:
        target = Scope("campaign_id", req.campaign)
    elif req.channel is not None:
        target = Scope("channel", req.channel)
    else:
        target = Scope(str(req.scope_column), str(req.scope_value))
    same = ds_id == snap.dataset_id
    drivers = snap.drivers if same else None
    response = snap.bundle.models if same and snap.bundle is not None else None

    def run() -> dict[str, Any]:
        from advisor.advise import diagnosis_customer_value

        result = run_diagnose(
            ds.campaign_daily, target, req.start, req.end, models=drivers, targets=ds.targets, response=response,
            kpi_cache=state.measures,
        )
        clv_model = _clv_model(state, snap.model_version) if same else None
        column = result.scope.column
        table = None
        if clv_model is not None and column in ("channel", "campaign_id") and "orders" in ds.tables:
            from advisor.customers.scope import acquisition_value_table

            table = state.derived.get_or_compute(
                ("acquisition_value", *snap.key(), column), lambda: acquisition_value_table(ds.tables, clv_model, column)
            )
        def customer_value() -> Any:
            return diagnosis_customer_value(ds.tables, clv_model, column, result.scope.value, table=table)

        if clv_model is not None:  # it does not depend on the period: once per snapshot and scope
            value = state.derived.get_or_compute(("customer_value", *snap.key(), column, result.scope.value), customer_value)
        else:
            value = customer_value()
        doc: dict[str, Any] = jsonable({**result.to_dict(), "customer_value": value})
        return doc

    out: dict[str, Any] = _cached(state, "diagnose", _key("diagnose", snap, req, ds.fingerprint), run)
    return out


def _registry_root(state: Workspace, version: str) -> Path:
    """The registry folder holding the workspace's ``version`` (``UnknownModelError`` for another workspace's)."""
    snap = state.snapshot
    if version == snap.model_version and snap.models_dir is not None:
        return snap.models_dir
    records = state.store.model_versions(state.name)
    for record in records:
        if record.version == version:
            return Path(record.registry_root)
    known = ", ".join(r.version for r in records) or "none (train first)"
    raise UnknownModelError(f"unknown model version {version!r}; this workspace has: {known}")


def _bundle(state: Workspace, version: str | None) -> tuple[str, Any, Snapshot]:
    snap = state.require(models=True, dataset=False)
    if version is None or version == snap.model_version:
        return str(snap.model_version), snap.bundle, snap
    from models.response import ResponseBundle

    return version, ResponseBundle.load(_registry_root(state, version), version), snap


def forecast(state: Workspace, req: schemas.ForecastRequest) -> dict[str, Any]:
    """Forecast of a spend plan (``models.plan.parse_plan`` + ``models.response.forecast.forecast``)."""
    from models.plan import parse_plan
    from models.response.forecast import forecast as run_forecast

    _check_horizon(state, req.start, req.end)
    if req.model_version is None:
        state.remember("forecast|" + req.model_dump_json(), forecast, req)
    version, bundle, snap = _bundle(state, req.model_version)
    plan = parse_plan(req.plan(), bundle)
    sims = req.sims or state.settings.forecast_sims

    def run() -> dict[str, Any]:
        doc: dict[str, Any] = jsonable(run_forecast(bundle, plan, n_sims=sims).to_dict())
        return {"model_version": version, **doc}

    result: dict[str, Any] = _cached(state, "forecast", _key("forecast", snap, req, version), run)
    return result


def optimize(state: Workspace, req: schemas.OptimizeRequest) -> dict[str, Any]:
    """Budget allocation (``models.optimize.optimize_budget``) or least spend for a target (``minimum_spend``)."""
    from models.optimize import minimum_spend, optimize_budget

    _check_horizon(state, req.start, req.end)
    if req.model_version is None:
        state.remember("optimize|" + req.model_dump_json(), optimize, req)
    version, bundle, snap = _bundle(state, req.model_version)
    bounds = dict(req.bounds) if req.bounds else None

    def run() -> dict[str, Any]:
        if req.budget is not None:
            res = optimize_budget(
                bundle, req.budget, req.start.isoformat(), req.end.isoformat(), objective=req.objective,
                min_roi=req.min_roi, width=req.width, bounds=bounds, n_sims=state.settings.forecast_sims,
            )
        else:
            kpi, value = ("conversions", req.target_conversions) if req.target_conversions else ("revenue", req.target_revenue)
            res = minimum_spend(
                bundle, kpi, float(value or 0), req.start.isoformat(), req.end.isoformat(),  # type: ignore[arg-type]
                width=req.width, bounds=bounds, n_sims=state.settings.forecast_sims,
            )
        doc: dict[str, Any] = jsonable(res.to_dict())
        return {"model_version": version, **doc}

    result: dict[str, Any] = _cached(state, "optimize", _key("optimize", snap, req, version), run)
    return result


def advise(state: Workspace, req: schemas.AdviseRequest) -> dict[str, Any]:
    """Answer a question (``advisor.advise.advise``) with the served models and the configured LLM, if any."""
    from advisor.advise import advise as run_advise

    ds_id, ds, snap = _dataset(state, req.dataset)
    same = ds_id == snap.dataset_id
    llm = state.llm()

    def run() -> dict[str, Any]:
        result = run_advise(
            req.question,
            dataset=ds,
            bundle=snap.bundle if same else None,
            driver_models=snap.drivers if same else None,
            scope=req.scope(),
            lang=req.lang,
            llm=llm,
            clv_model=_clv_model(state, snap.model_version) if same else None,
        )
        doc: dict[str, Any] = jsonable(result.to_dict())
        return {"dataset": ds_id, **doc}

    if llm is not None:  # an LLM's answer may vary: do not cache it (nor warm it)
        with state.metrics.time_model("advise"):
            return run()
    state.remember("advise|" + req.model_dump_json(), advise, req)
    out: dict[str, Any] = _cached(state, "advise", _key("advise", snap, req, ds.fingerprint), run)
    return out
