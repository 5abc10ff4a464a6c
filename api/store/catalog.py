"""Datasets (metadata; the files live on disk), model versions and the audit log of advice served."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.store.keys import KeysMixin
from api.store.records import (
    AdviceRecord,
    DatasetExistsError,
    DatasetRecord,
    JobNotOwnedError,
    ModelRecord,
    UnknownDatasetError,
    UnknownModelError,
    now,
)
from api.store.tables import Advice, Dataset, Job, ModelVersion, Workspace


class CatalogMixin(KeysMixin):
    """Datasets, model versions and the advice log (part of :class:`api.store.Store`)."""

    # datasets
    def add_dataset(self, workspace: str, dataset_id: str, path: str, fingerprint: str, tables: dict[str, int],
                    report: dict[str, Any]) -> DatasetRecord:
        """Record an uploaded dataset: ``tables`` maps table name -> rows, ``report`` is the validation report."""
        exists = DatasetExistsError(
            f"dataset {dataset_id!r} already exists in workspace {workspace!r}; choose another id"
        )
        try:
            with self._writing() as s:
                self._ensure_workspace(s, workspace)
                if s.get(Dataset, (workspace, dataset_id)) is not None:
                    raise exists
                row = Dataset(workspace=workspace, id=dataset_id, path=str(path), fingerprint=fingerprint,
                              tables=dict(tables), report=dict(report), created_at=now())
                s.add(row)
                s.flush()
                return row.record()
        except IntegrityError as exc:  # a concurrent add of the same id won the race
            raise exists from exc

    def dataset(self, workspace: str, dataset_id: str) -> DatasetRecord:
        """One dataset; ``UnknownDatasetError`` (naming the workspace's dataset ids) when absent."""
        with self._reading() as s:
            row = s.get(Dataset, (workspace, dataset_id))
            if row is None:
                ids = list(s.scalars(select(Dataset.id).where(Dataset.workspace == workspace)
                                     .order_by(Dataset.created_at, Dataset.id)))
                valid = ", ".join(repr(i) for i in ids) if ids else "none yet; upload one with POST /v1/datasets"
                raise UnknownDatasetError(f"unknown dataset {dataset_id!r}; datasets in this workspace: {valid}")
            return row.record()

    def datasets(self, workspace: str) -> list[DatasetRecord]:
        """The workspace's datasets, oldest first."""
        with self._reading() as s:
            rows = s.scalars(select(Dataset).where(Dataset.workspace == workspace)
                             .order_by(Dataset.created_at, Dataset.id))
            return [r.record() for r in rows]

    # model versions
    def _lock_workspace(self, s: Session, workspace: str) -> None:
        """Serialise activations of one workspace (PostgreSQL row lock; SQLite writers are serial already)."""
        s.execute(select(Workspace.name).where(Workspace.name == workspace).with_for_update())

    def _activate(self, s: Session, row: ModelVersion) -> None:
        self._lock_workspace(s, row.workspace)
        s.execute(update(ModelVersion).where(ModelVersion.workspace == row.workspace, ModelVersion.active.is_(True))
                  .values(active=False))
        s.flush()
        s.refresh(row)
        row.active, row.activated_at = True, now()
        s.flush()

    def add_model_version(self, workspace: str, version: str, registry_root: str, dataset_id: str | None,
                          fingerprint: str | None, metrics: dict[str, Any], activate: bool,
                          owner: tuple[str, str] | None = None) -> ModelRecord:
        """Record a published registry version (idempotent on ``(workspace, version)``: an existing record is
        returned as it is, activated first when ``activate`` and it is not active).

        ``owner=(job_id, worker_id)``: record only while that job still runs under that worker with no cancel
        requested, checked in the same transaction (the job row is locked), so a cancel can never slip in between
        the check and the activation; otherwise ``JobNotOwnedError`` and nothing is recorded.
        """
        try:
            return self._add_model_version(workspace, version, registry_root, dataset_id, fingerprint, metrics,
                                           activate, owner)
        except IntegrityError:  # a concurrent call inserted the same version first: now it exists
            return self._add_model_version(workspace, version, registry_root, dataset_id, fingerprint, metrics,
                                           activate, owner)

    def _add_model_version(self, workspace: str, version: str, registry_root: str, dataset_id: str | None,
                           fingerprint: str | None, metrics: dict[str, Any], activate: bool,
                           owner: tuple[str, str] | None) -> ModelRecord:
        with self._writing() as s:
            if owner is not None:
                self._check_owner(s, *owner)
            self._ensure_workspace(s, workspace)
            row = s.get(ModelVersion, (workspace, version))
            if row is None:
                row = ModelVersion(workspace=workspace, version=version, registry_root=str(registry_root),
                                   dataset_id=dataset_id, fingerprint=fingerprint, metrics=dict(metrics),
                                   active=False, created_at=now())
                s.add(row)
                s.flush()
            if activate and not row.active:
                self._activate(s, row)
            return row.record()

    def _check_owner(self, s: Session, job_id: str, worker_id: str) -> None:
        job = s.get(Job, job_id, with_for_update=self.dialect == "postgresql")
        if job is None or job.status != "running" or job.worker_id != worker_id or job.cancel_requested:
            why = "unknown job" if job is None else "cancel requested" if job.cancel_requested else f"now {job.status}"
            raise JobNotOwnedError(f"job {job_id} is no longer run by worker {worker_id} ({why}); "
                                   "the model version was not recorded")

    def activate_model(self, workspace: str, version: str) -> ModelRecord:
        """Make ``version`` the workspace's one active model (and every other inactive) in one transaction."""
        with self._writing() as s:
            row = s.get(ModelVersion, (workspace, version))
            if row is None:
                versions = list(s.scalars(select(ModelVersion.version).where(ModelVersion.workspace == workspace)
                                          .order_by(ModelVersion.version)))
                valid = ", ".join(versions) if versions else "none yet; train one with POST /v1/train"
                raise UnknownModelError(f"unknown model version {version!r}; versions in this workspace: {valid}")
            if not row.active:
                self._activate(s, row)
            return row.record()

    def active_model(self, workspace: str) -> ModelRecord | None:
        """The workspace's active model version, or ``None`` before the first one."""
        with self._reading() as s:
            row = s.scalars(select(ModelVersion).where(ModelVersion.workspace == workspace,
                                                       ModelVersion.active.is_(True))).first()
            return row.record() if row is not None else None

    def model_versions(self, workspace: str) -> list[ModelRecord]:
        """The workspace's model versions, newest first."""
        with self._reading() as s:
            rows = s.scalars(select(ModelVersion).where(ModelVersion.workspace == workspace)
                             .order_by(ModelVersion.created_at.desc(), ModelVersion.version.desc()))
            return [r.record() for r in rows]

    # audit log
    def record_advice(self, workspace: str, key_id: str | None, route: str, request: dict[str, Any],
                      response: dict[str, Any], model_version: str | None, dataset_id: str | None) -> AdviceRecord:
        """Append one served answer to the audit log (``request``/``response`` must be JSON-serialisable)."""
        with self._writing() as s:
            self._ensure_workspace(s, workspace)
            row = Advice(workspace=workspace, key_id=key_id, route=route, request=dict(request),
                         response=dict(response), model_version=model_version, dataset_id=dataset_id,
                         created_at=now())
            s.add(row)
            s.flush()
            return row.record()

    def advice_log(self, workspace: str, limit: int = 100) -> list[AdviceRecord]:
        """The workspace's most recent ``limit`` audit entries, newest first."""
        with self._reading() as s:
            rows = s.scalars(select(Advice).where(Advice.workspace == workspace)
                             .order_by(Advice.id.desc()).limit(max(0, int(limit))))
            return [r.record() for r in rows]
