"""The HTTP side of the operations (``advisor.ops``), shared by the REST routers and the MCP tools.

Each function takes the caller's :class:`~api.http.state.Workspace` and a request model (``api.http.schemas``,
the operation's request plus the dataset / model version to answer from), builds the :class:`OpsContext` from
the workspace's served snapshot, and runs the operation through the result cache and a compute slot. The
answer is the operation's ``to_json()``, the same document the CLI prints with ``--format json``. Domain errors
are not caught: ``api.http.errors`` maps them to HTTP and ``api.mcp_server`` to tool errors.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

from advisor.ops.context import OpsContext, check_horizon
from advisor.ops.modelset import ALL_PARTS, EMPTY, ModelSet, load_model_set
from api.http import schemas
from api.http.state import Snapshot, Workspace
from api.store import UnknownModelError

__all__ = ["advise", "attribution", "customers", "diagnose", "forecast", "kpis", "optimize", "scorecard"]


def _key(op: str, snap: Snapshot, req: Any, extra: Any = None) -> tuple[Hashable, ...]:
    return (op, *snap.key(), req.model_dump_json(), str(extra))


def _cached(state: Workspace, op: str, key: tuple[Hashable, ...], run: Callable[[], dict[str, Any]]) -> Any:
    """``run()`` through the result cache; computing it (not a cache hit) takes one of the process's compute slots
    (``state.compute_slots``: the work is CPU-bound, more at once only contend for the GIL; waiting requests are
    served earliest deadline first, so a KPI table overtakes a queued diagnosis) and is timed as
    ``kpi_advisor_model_seconds`` under ``op`` (without the wait for the slot)."""

    def timed() -> dict[str, Any]:
        with state.compute_slots(op), state.metrics.time_model(op):
            return run()

    return state.cache.get_or_compute(key, timed)


def _clv_model(state: Workspace, root: Path | None, version: str | None) -> Any:
    """The CLV model of registry ``version`` (read once per process and version: published files are immutable)."""
    if not version or root is None:
        return None
    return state.derived.get_or_compute(
        ("clv_model", state.name, str(root), version),
        lambda: load_model_set(root, version, parts=("clv",)).clv_model,
    )


def served_models(state: Workspace, snap: Snapshot) -> ModelSet:
    """The :class:`ModelSet` the snapshot serves (its response and driver models, the version's CLV model)."""
    models = getattr(snap, "models", None)
    if isinstance(models, ModelSet):
        return models
    if snap.model_version is None:
        return EMPTY
    return ModelSet(
        version=snap.model_version, root=snap.models_dir, bundle=snap.bundle, drivers=snap.drivers,
        clv_model=_clv_model(state, snap.models_dir, snap.model_version),
    )


def _context(state: Workspace, dataset_id: str | None, snap: Snapshot, models: ModelSet | None = None) -> OpsContext:
    """The context of a request for ``dataset_id`` (None: the served dataset). The served models apply only to the
    dataset they were trained on; another dataset is answered without models."""
    served = dataset_id is None or dataset_id == snap.dataset_id
    if dataset_id is None or served:
        ds_id, ds = snap.dataset_id, snap.dataset
    else:
        ds_id, ds = dataset_id, state.datasets.get(dataset_id)
    if models is None:
        models = served_models(state, snap) if served else EMPTY
    return OpsContext(
        ds, state.settings.max_horizon_days, state.settings.forecast_sims, dataset_id=ds_id, models=models,
        measures=state.measures, memo=state.derived, memo_scope=(state.name,),
        llm_timeout_s=state.settings.llm_timeout_s,
    )


def _fingerprint(ctx: OpsContext) -> str:
    return ctx.dataset.fingerprint if ctx.dataset is not None else ""


def kpis(state: Workspace, req: schemas.KpisRequest) -> dict[str, Any]:
    """KPI table (``advisor.ops.kpis``)."""
    from advisor.ops.kpis import kpis as op

    snap = state.require(dataset=req.dataset is None)
    ctx = _context(state, req.dataset, snap, EMPTY)  # KPI tables do not depend on the models
    key = ("kpis", state.name, ctx.dataset_id, _fingerprint(ctx), req.model_dump_json())
    result: dict[str, Any] = _cached(state, "kpis", key, lambda: op(req, ctx).to_json())
    return result


def scorecard(state: Workspace, req: schemas.ScorecardRequest) -> dict[str, Any]:
    """The KPI system vs targets (``advisor.ops.scorecard``); CLV from the served version's CLV model."""
    from advisor.ops.scorecard import scorecard as op

    state.remember("scorecard|" + req.model_dump_json(), scorecard, req)
    snap = state.require(dataset=req.dataset is None)
    ctx = _context(state, req.dataset, snap)
    key = _key("scorecard", snap, req, _fingerprint(ctx))
    result: dict[str, Any] = _cached(state, "scorecard", key, lambda: op(req, ctx).to_json())
    return result


def customers(state: Workspace, req: schemas.CustomersRequest) -> dict[str, Any]:
    """Customer KPIs (``advisor.ops.customers``) with the served version's CLV model."""
    from advisor.ops.customers import customers as op

    state.remember("customers|" + req.model_dump_json(), customers, req)
    snap = state.require(models=True, dataset=req.dataset is None)
    ctx = _context(state, req.dataset, snap, served_models(state, snap))
    key = _key("customers", snap, req, _fingerprint(ctx))
    result: dict[str, Any] = _cached(state, "customers", key, lambda: op(req, ctx).to_json())
    return result


def diagnose(state: Workspace, req: schemas.DiagnoseRequest) -> dict[str, Any]:
    """Diagnostics with recommendations (``advisor.ops.diagnose``) with the served driver, response and CLV models,
    or with ``segment``'s newest models over its rows of the dataset (as :func:`attribution`)."""
    from advisor.ops.diagnose import diagnose as op

    if req.segment is not None:  # the segment's newest models; the op cuts the dataset to the segment's rows
        snap = state.require(dataset=req.dataset is None)
        ctx = _context(state, req.dataset, snap, _segment_models(state, None, req.segment, ALL_PARTS))
        key = _key("diagnose", snap, req, (_fingerprint(ctx), ctx.models.version))
    else:
        state.remember("diagnose|" + req.model_dump_json(), diagnose, req)
        snap = state.require(dataset=req.dataset is None)
        ctx = _context(state, req.dataset, snap)
        key = _key("diagnose", snap, req, _fingerprint(ctx))
    result: dict[str, Any] = _cached(state, "diagnose", key, lambda: op(req, ctx).to_json())
    return result


def attribution(state: Workspace, req: schemas.AttributionRequest) -> dict[str, Any]:
    """Incremental effect per channel over a window of the history (``advisor.ops.attribution``) with the served
    response models; a dataset other than the served one has no models (503 from ``state.require``). With a
    ``segment``: that segment's newest models over its rows of the dataset (the cut-down dataset is kept in the
    workspace's derived cache per dataset and segment: ``advisor.ops.context.segment_context``); an unknown
    segment is a 404 naming the trained ones."""
    from advisor.ops.attribution import attribution as op

    if req.segment is not None:  # the segment's newest models; the op cuts the dataset to the segment's rows
        snap = state.require(dataset=req.dataset is None)
        ctx = _context(state, req.dataset, snap, _segment_models(state, None, req.segment))
        key = _key("attribution", snap, req, (_fingerprint(ctx), ctx.models.version))
    else:
        state.remember("attribution|" + req.model_dump_json(), attribution, req)
        snap = state.require(models=True, dataset=req.dataset is None)
        ctx = _context(state, req.dataset, snap)
        key = _key("attribution", snap, req, _fingerprint(ctx))
    result: dict[str, Any] = _cached(state, "attribution", key, lambda: op(req, ctx).to_json())
    return result


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


def _segment_models(
    state: Workspace, version: str | None, segment: str, parts: tuple[str, ...] = ("response",)
) -> ModelSet:
    """The ``parts`` of the models of ``segment`` (``train --segment-by``) in the workspace's registry: ``version`` or the
    segment's newest (segment versions are served as published, without activation); read once per process and
    version (published files are immutable). ``RegistryError`` (404) names the trained segments."""
    from models.registry import resolve_registry

    root = state.settings.models_root(state.name)
    registry = resolve_registry(root, segment)
    resolved = version or registry.latest().version
    models: ModelSet = state.derived.get_or_compute(
        ("segment_models", state.name, str(root), segment, resolved, parts),
        lambda: load_model_set(root, resolved, parts=parts, segment=segment),
    )
    return models


def _planning_context(
    state: Workspace, version: str | None, segment: str | None = None
) -> tuple[OpsContext, Snapshot]:
    """Context for forecast / optimise: the served models, the response models of another ``version``, or those of
    a ``segment``."""
    if segment is not None:
        snap = state.snapshot
        ctx = OpsContext(
            None, state.settings.max_horizon_days, state.settings.forecast_sims, dataset_id=None,
            models=_segment_models(state, version, segment),
        )
        return ctx, snap
    snap = state.require(models=True, dataset=False)
    if version is None or version == snap.model_version:
        models = served_models(state, snap)
    else:
        root = _registry_root(state, version)
        models = state.derived.get_or_compute(
            ("response_models", state.name, str(root), version),
            lambda: load_model_set(root, version, parts=("response",)),
        )
    ctx = OpsContext(
        snap.dataset, state.settings.max_horizon_days, state.settings.forecast_sims, dataset_id=snap.dataset_id,
        models=models,
    )
    return ctx, snap


def forecast(state: Workspace, req: schemas.ForecastRequest) -> dict[str, Any]:
    """Forecast of a spend plan (``advisor.ops.forecast``)."""
    from advisor.ops.forecast import forecast as op

    check_horizon(state.settings.max_horizon_days, req.start, req.end)  # before loading another version's models
    if req.model_version is None and req.segment is None:
        state.remember("forecast|" + req.model_dump_json(), forecast, req)
    ctx, snap = _planning_context(state, req.model_version, req.segment)
    key = _key("forecast", snap, req, ctx.models.version)
    result: dict[str, Any] = _cached(state, "forecast", key, lambda: op(req, ctx).to_json())
    return result


def run_rate_plan(state: Workspace, days: int) -> dict[str, Any]:
    """The run-rate plan of the ``days`` after the served models' history (``advisor.ops.forecast.run_rate_plan``):
    what the dashboard's planner starts from."""
    from advisor.ops.forecast import run_rate_plan as op

    state.remember(f"run_rate_plan|{days}", run_rate_plan, days)  # warmed on a model swap (the planner's first call)
    ctx, snap = _planning_context(state, None)
    key = ("run_rate_plan", *snap.key(), days, ctx.models.version)
    result: dict[str, Any] = _cached(state, "forecast", key, lambda: op(days, ctx))
    return result


def optimize(state: Workspace, req: schemas.OptimizeRequest) -> dict[str, Any]:
    """Budget allocation or least spend for a target (``advisor.ops.optimize``)."""
    from advisor.ops.optimize import optimize as op

    check_horizon(state.settings.max_horizon_days, req.start, req.end)
    if req.model_version is None and req.segment is None:
        state.remember("optimize|" + req.model_dump_json(), optimize, req)
    ctx, snap = _planning_context(state, req.model_version, req.segment)
    key = _key("optimize", snap, req, ctx.models.version)
    result: dict[str, Any] = _cached(state, "optimize", key, lambda: op(req, ctx).to_json())
    return result


def _advise_template(state: Workspace, req: schemas.AdviseRequest) -> dict[str, Any]:
    return advise(state, req, use_llm=False)


def advise(state: Workspace, req: schemas.AdviseRequest, *, use_llm: bool = True) -> dict[str, Any]:
    """Answer a question (``advisor.ops.advise``) with the served models and the configured LLM, if any
    (``use_llm=False``: the deterministic router and narrator, e.g. the dashboard's attention scan)."""
    from dataclasses import replace

    from advisor.ops.advise import advise as op

    snap = state.require(dataset=req.dataset is None)
    llm = state.llm() if use_llm else None
    ctx = replace(_context(state, req.dataset, snap), llm=llm)
    if llm is not None:  # an LLM's answer may vary: do not cache it (nor warm it)
        with state.metrics.time_model("advise"):
            return op(req, ctx).to_json()
    if use_llm:
        state.remember("advise|" + req.model_dump_json(), advise, req)
    else:
        state.remember("advise-template|" + req.model_dump_json(), _advise_template, req)
    out: dict[str, Any] = _cached(state, "advise", _key("advise", snap, req, _fingerprint(ctx)), lambda: op(req, ctx).to_json())
    return out
