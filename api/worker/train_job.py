"""The ``train`` job: fit every model kind on a workspace's dataset, publish a registry version, record it.

Runs inside the worker's child process (``api.worker.process``). Params (``JobRecord.params``):
``{"dataset_id": str, "seed": int = 0, "backtest": bool = False, "activate": bool = True}``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from advisor.data.limits import DataLimits
    from api.store import JobRecord, Store

Progress = Callable[[str, float], None]
"""``progress(message, fraction)``: fraction of the job done, 0..1."""

PUBLISH_MESSAGE = "publishing"
"""The progress message ``training.pipeline.train_all`` reports right before it writes the registry version."""


class ModelsRoot(Protocol):
    """What a job reads from the settings: ``api.settings.Settings`` or ``api.worker.child.ChildConfig``."""

    def models_root(self, workspace: str) -> Path: ...

    def data_limits(self) -> DataLimits: ...


class JobAbandonedError(RuntimeError):
    """The job is no longer this worker's (cancel requested, or marked failed as stale): nothing is published."""


def check_params(params: dict[str, Any]) -> tuple[str, int, bool, bool]:
    """``(dataset_id, seed, backtest, activate)`` from a train job's params; ``ValueError`` says what to fix."""
    dataset_id = params.get("dataset_id")
    if not isinstance(dataset_id, str) or not dataset_id:
        raise ValueError(f"train job params need 'dataset_id' (a dataset id string); got {params!r}")
    seed = params.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"train job param 'seed' must be an integer; got {seed!r}")
    return dataset_id, seed, bool(params.get("backtest", False)), bool(params.get("activate", True))


def json_ready(value: Any) -> Any:
    """A plain JSON value (``advisor.core.jsonable.to_jsonable``: numpy unwrapped, NaN/inf → None, dates → ISO)."""
    from advisor.core.jsonable import to_jsonable

    return to_jsonable(value)


def _still_ours(store: Store, job: JobRecord) -> None:
    if job.worker_id is None or not store.heartbeat(job.id, job.worker_id):
        raise JobAbandonedError(
            f"job {job.id} was cancelled or taken over before publishing; the active model is unchanged"
        )


def run_train_job(settings: ModelsRoot, store: Store, job: JobRecord, progress: Progress) -> dict[str, Any]:
    """Train on ``params.dataset_id`` of ``job.workspace``; returns the JSON-ready job result
    ``{"dataset": id, "model_version": v, "active": bool, "registry_root": str, "fingerprint": str,
    "kinds": [...], "metrics": {...}}``.

    The job must still be ours (``store.heartbeat`` True) right before the registry version is written, and again
    in the transaction that records and activates the version; otherwise ``JobAbandonedError``, the version stays
    unrecorded (never served) and the active model stays.
    """
    from advisor.data import load_dataset
    from advisor.ops.context import OpsContext
    from advisor.ops.requests import TrainRequest
    from advisor.ops.train import train

    dataset_id, seed, backtest, activate = check_params(job.params)
    row = store.dataset(job.workspace, dataset_id)
    progress(f"loading dataset {dataset_id}", 0.0)
    ds = load_dataset(Path(row.path), limits=settings.data_limits())  # the limits the upload was accepted under
    root = settings.models_root(job.workspace)

    def report(message: str, frac: float) -> None:
        if message == PUBLISH_MESSAGE:
            _still_ours(store, job)  # raising here stops train_all before it writes the registry version
        progress(message, 0.02 + 0.93 * frac)

    ctx = OpsContext(
        ds, max_horizon_days=0, forecast_sims=0,  # training neither plans nor simulates
        dataset_id=dataset_id, models_root=Path(root), progress=report,
        provenance={"job": job.id, "workspace": job.workspace},
    )
    result = train(TrainRequest(seed=seed, backtest=backtest), ctx).summary
    version = str(result["model_version"])
    metrics: dict[str, Any] = json_ready(result["metrics"])
    progress("recording the model version", 0.97)
    from api.store import JobNotOwnedError

    try:  # the ownership check and the activation are one transaction: a cancel cannot slip in between
        model = store.add_model_version(
            job.workspace,
            version,
            registry_root=str(root),
            dataset_id=dataset_id,
            fingerprint=ds.fingerprint,
            metrics=metrics,
            activate=activate,
            owner=(job.id, job.worker_id or ""),
        )
    except JobNotOwnedError as exc:
        raise JobAbandonedError(f"{exc}; the active model is unchanged") from exc
    return {
        "dataset": dataset_id,
        "model_version": model.version,
        "active": model.active,
        "registry_root": str(root),
        "fingerprint": ds.fingerprint,
        "kinds": sorted(metrics),
        "metrics": metrics,
    }
