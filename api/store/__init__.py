"""The service database: workspaces, API keys, datasets, model versions, jobs and the advice audit log.

SQLAlchemy 2 over SQLite (one file, default) or PostgreSQL; the schema is managed by Alembic migrations shipped in
``api/store/migrations`` (``Store(url).upgrade()``, or ``kpi-advisor db upgrade``).
"""

from api.store.records import (
    JOB_STATUSES,
    ROLES,
    AdviceRecord,
    ApiKeyInfo,
    DatasetExistsError,
    DatasetRecord,
    JobNotOwnedError,
    JobRecord,
    JobStateError,
    LastAdminKeyError,
    ModelRecord,
    StoreError,
    UnknownDatasetError,
    UnknownJobError,
    UnknownKeyError,
    UnknownModelError,
    role_allows,
)
from api.store.store import Store

__all__ = [
    "JOB_STATUSES",
    "ROLES",
    "AdviceRecord",
    "ApiKeyInfo",
    "DatasetExistsError",
    "DatasetRecord",
    "JobNotOwnedError",
    "JobRecord",
    "JobStateError",
    "LastAdminKeyError",
    "ModelRecord",
    "Store",
    "StoreError",
    "UnknownDatasetError",
    "UnknownJobError",
    "UnknownKeyError",
    "UnknownModelError",
    "role_allows",
]
