"""Start-up registration of what was made outside the service for the ``default`` workspace.

``make run`` and the CLI work on folders: ``kpi-advisor demo-data --out data/demo`` writes the data folder (served as
dataset ``default``) and ``kpi-advisor train --models data/models`` publishes registry versions. At start-up the
server records that folder and any registry version the database does not know yet; when new versions were
found, the newest one becomes active (a version trained with the CLI is served at the next start). Versions the
database already knows keep their state, so an activation made through the API survives restarts. A version a
training job published but never recorded (its worker was killed in between) is imported inactive: it is not
served unless someone activates it.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from api.settings import DEFAULT_WORKSPACE, Settings
from api.store import DatasetExistsError, Store

log = logging.getLogger("kpi_advisor.api")

DEFAULT_DATASET = "default"


def bootstrap_default_workspace(settings: Settings, store: Store) -> None:
    """Register ``settings.data_dir`` as dataset ``default`` and import unknown versions of ``settings.models_dir``."""
    store.ensure_workspace(DEFAULT_WORKSPACE)
    fingerprint = _register_data_dir(settings, store)
    _import_registry(settings.models_dir, store, fingerprint)


def _register_data_dir(settings: Settings, store: Store) -> str | None:
    from advisor.data import DataValidationError, load_dataset

    data_dir = Path(settings.data_dir)
    known = {r.id: r for r in store.datasets(DEFAULT_WORKSPACE)}
    if DEFAULT_DATASET in known:
        row = known[DEFAULT_DATASET]
        if Path(row.path) != data_dir.resolve():
            log.warning(
                "dataset 'default' is registered at %s, not at the configured %s; serving the registered folder "
                "(use a new KPI_ADVISOR_DATABASE_URL to start afresh)", row.path, data_dir.resolve(),
            )
        return row.fingerprint
    if not data_dir.is_dir():
        return None
    try:
        ds = load_dataset(data_dir)
    except (DataValidationError, ValueError, OSError) as exc:
        log.warning("data folder %s is not served: %s", data_dir, exc)
        return None
    tables = {name: len(df) for name, df in ds.tables.items()}
    report = {"ok": True, "errors": [], "warnings": [w.to_dict() for w in ds.warnings]}
    with contextlib.suppress(DatasetExistsError):  # another server process (uvicorn --workers) registered it first
        store.add_dataset(DEFAULT_WORKSPACE, DEFAULT_DATASET, str(data_dir.resolve()), ds.fingerprint, tables, report)
    return str(ds.fingerprint)


def _import_registry(models_dir: Path, store: Store, fingerprint: str | None) -> None:
    from models.registry import Registry, RegistryError

    known = {m.version for m in store.model_versions(DEFAULT_WORKSPACE)}
    registry = Registry(models_dir)
    try:
        versions = registry.list()
    except (RegistryError, OSError):
        return
    new = [v for v in versions if v not in known]
    activatable = []
    for version in new:
        try:
            manifest = registry.load(version).manifest
        except (RegistryError, OSError, ValueError) as exc:
            log.warning("model version %s in %s is unreadable, not imported: %s", version, models_dir, exc)
            continue
        if "job" not in (manifest.get("provenance") or {}):
            activatable.append(version)  # made outside the service (``kpi-advisor train``)
        else:  # published by a training job that never recorded it (its worker was killed): never served by itself
            log.warning("model version %s was published by job %s, which did not finish; imported inactive",
                        version, manifest["provenance"]["job"])
        fp = manifest.get("data_fingerprint")
        store.add_model_version(
            DEFAULT_WORKSPACE, version, str(Path(models_dir).resolve()),
            DEFAULT_DATASET if fp is not None and fp == fingerprint else None, fp,
            {**manifest.get("metrics", {}), "backtest": manifest.get("backtest", {}), "history": manifest.get("history", {})},
            activate=False,
        )
    if activatable:
        store.activate_model(DEFAULT_WORKSPACE, activatable[-1])
        log.info("imported model versions %s from %s; %s is active", new, models_dir, activatable[-1])
