"""Management operations of a workspace, shared by the REST routers (and, for the read-only ones, the MCP tools):
datasets, model versions, training jobs, API keys and the advice audit log.

Each takes the caller's :class:`~api.http.state.Workspace` and returns a JSON-ready dict shaped like the matching
response model in ``api.http.schemas``. Store errors (``api.store``) are mapped to HTTP by ``api.http.errors``.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from advisor.core.jsonable import to_jsonable as jsonable
from api.http import schemas
from api.http.state import NotReadyError, Workspace
from api.store import JobRecord, ModelRecord


def list_datasets(state: Workspace) -> dict[str, Any]:
    snap = state.snapshot
    out = []
    for ds_id in state.datasets.ids():
        try:
            ds = snap.dataset if ds_id == snap.dataset_id and snap.dataset is not None else state.datasets.get(ds_id)
        except (LookupError, ValueError):
            continue  # a folder that no longer validates is not offered
        out.append(state.datasets.describe(ds_id, ds, ds_id == snap.dataset_id))
    return {"datasets": out}


def _model(record: ModelRecord, snap_version: str | None, channels: list[str]) -> dict[str, Any]:
    from models.registry import Registry, RegistryError

    manifest: dict[str, Any] = {}
    with contextlib.suppress(RegistryError, OSError, ValueError):  # a row that outlived its folder is still listed
        manifest = Registry(Path(record.registry_root)).load(record.version).manifest
    return {
        "version": record.version,
        "created_at": manifest.get("created_at") or record.created_at.isoformat(),
        "kind": list(manifest.get("kind", [])),
        "frequency": manifest.get("frequency"),
        "history": manifest.get("history", {}),
        "data_fingerprint": manifest.get("data_fingerprint", record.fingerprint),
        "dataset": record.dataset_id,
        "active": record.active,
        "activated_at": record.activated_at,
        "metrics": jsonable(record.metrics),
        "channels": channels if record.version == snap_version else [],
    }


def list_models(state: Workspace) -> dict[str, Any]:
    """The workspace's model versions, newest first; ``active`` is the database's choice; ``segments``: the segments
    trained per segment in the workspace's registry (``models.registry.list_segments``)."""
    from models.registry import list_segments

    snap = state.snapshot
    channels = list(snap.bundle.context.channels) if snap.bundle is not None else []
    return {
        "models": [_model(r, snap.model_version, channels) for r in state.store.model_versions(state.name)],
        "segments": list_segments(state.settings.models_root(state.name)),
    }


def activate_model(state: Workspace, version: str) -> dict[str, Any]:
    """Serve ``version``: activate it in the database, then load it in this process."""
    from models.registry import Registry

    records = {r.version: r for r in state.store.model_versions(state.name)}
    if version in records:
        Registry(Path(records[version].registry_root)).load(version)  # unreadable folder: 404 before activating
    record = state.store.activate_model(state.name, version)
    snap = state.refresh()
    channels = list(snap.bundle.context.channels) if snap.bundle is not None else []
    return _model(record, snap.model_version, channels)


SERVER_ONLY_RESULT_KEYS = frozenset({"registry_root"})
"""Job result fields that describe the server's file system: kept in the database, never shown to a caller."""


def _server_roots(state: Workspace) -> list[str]:
    """The server's folders, absolute and as configured, longest first (hidden in job messages)."""
    settings = state.settings
    roots: set[str] = set()
    for folder in (settings.workspaces_dir, settings.models_dir, settings.data_dir, settings.models_root(state.name)):
        roots.update(p for p in (str(folder), str(Path(folder).resolve())) if len(p) > 1)
    return sorted(roots, key=len, reverse=True)


def _redact(text: Any, roots: list[str]) -> Any:
    if not isinstance(text, str):
        return text
    for root in roots:
        text = text.replace(root, "<server>")
    return text


def job_dict(job: JobRecord, state: Workspace | None = None) -> dict[str, Any]:
    """The ``JobStatus`` fields of a job; no server path in its result, message or error (``state``: the
    workspace, whose configured folders are hidden in the texts)."""
    doc = job.to_dict()
    out = {k: doc.get(k) for k in schemas.JobStatus.model_fields}
    result = out.get("result")
    if isinstance(result, dict):
        out["result"] = {k: v for k, v in result.items() if k not in SERVER_ONLY_RESULT_KEYS}
    if state is not None:
        roots = _server_roots(state)
        for field in ("message", "error"):
            out[field] = _redact(out.get(field), roots)
    return out


def train(state: Workspace, req: schemas.TrainRequest) -> dict[str, Any]:
    """Queue a training job for the worker process; returns the job."""
    ds_id = req.dataset or state.snapshot.dataset_id
    if ds_id is None:
        raise NotReadyError("the workspace has no dataset: upload one with POST /v1/datasets, then train")
    state.store.dataset(state.name, ds_id)  # unknown dataset: fail now, not in the job
    params = {"dataset_id": ds_id, "seed": req.seed, "backtest": req.backtest, "activate": req.activate}
    return job_dict(state.store.submit_job(state.name, "train", params), state)


def _sweep(state: Workspace) -> None:
    """Mark running jobs whose worker stopped sending heartbeats as failed (workers do it too; this covers the case
    where no worker is left to notice)."""
    state.store.fail_stale_jobs(state.settings.job_stale_seconds)


def list_jobs(state: Workspace, limit: int = 50) -> dict[str, Any]:
    _sweep(state)
    return {"jobs": [job_dict(j, state) for j in state.store.jobs(state.name, limit)]}


def get_job(state: Workspace, job_id: str) -> dict[str, Any]:
    """The job (reading it also lets this process notice a model the job activated: it is warmed with the recent
    requests and then served, within seconds)."""
    _sweep(state)
    job = state.store.job(state.name, job_id)
    _ = state.snapshot  # checks the database for a newly active version (at most every refresh_seconds)
    return job_dict(job, state)


def cancel_job(state: Workspace, job_id: str) -> dict[str, Any]:
    return job_dict(state.store.request_cancel(state.name, job_id), state)


def _key(info: Any) -> dict[str, Any]:
    doc: dict[str, Any] = info.to_dict()
    return {k: doc.get(k) for k in schemas.KeyInfo.model_fields}


def list_keys(state: Workspace) -> dict[str, Any]:
    return {"keys": [_key(k) for k in state.store.list_keys(state.name)]}


def create_key(state: Workspace, req: schemas.KeyRequest) -> dict[str, Any]:
    info, token = state.store.create_key(state.name, req.role, req.name)
    return {**_key(info), "token": token}


def revoke_key(state: Workspace, key_id: str) -> dict[str, Any]:
    info = state.store.revoke_key(state.name, key_id)
    state.app.forget_keys()
    return _key(info)


def audit_log(state: Workspace, limit: int = 100) -> dict[str, Any]:
    entries = []
    for e in state.store.advice_log(state.name, limit):
        doc = e.to_dict()
        created = doc.pop("created_at")  # a datetime: jsonable cannot take one, the response model serialises it
        entries.append({**jsonable(doc), "created_at": created})
    return {"entries": entries}
