"""Data contract (SPEC §2), readers (CSV/Parquet/SQL), column aliases, pandera validation, targets file.

Public API::

    from advisor.data import (load_dataset, validate_folder, load_table, Dataset, ValidationIssue,
                              ValidationReport, DataValidationError, DataConfig, TargetsFile,
                              TargetSpec, TABLES, DataLimits, LimitExceeded)

    report = validate_folder(folder, config_path=None)   # ValidationReport; never raises for bad data
    ds = load_dataset(folder, config_path=None)          # Dataset; raises DataValidationError
    ds = Dataset.from_frames(campaign_daily=df, ..., targets=None, lift_tests=None)   # same checks, in memory
    ds = Dataset.from_mmm(wide_df, {"date": "week", "outcomes": {"revenue": "sales"},
                                    "channels": {"tv": {"spend": "tv_cost"}}})          # a media-mix frame
    ds.mmm            # MmmTable | None (advisor.data.mmm): canonical columns, freq "D"/"W", national()
    ds.lift_tests     # the lift_tests table | None; ds.business_daily; ds.campaign_source ("campaign_daily"|"mmm")
    df = load_table("campaign_daily", path_or_url_or_frame, {"Cost": "spend"}, sql_table=..., query=...,
                    defaults={"channel": "social"}, require=(...), attributes=(...))

Every loader takes ``limits: DataLimits = DEFAULT_LIMITS`` (rows, columns, cell characters, decompressed bytes,
YAML bytes and depth), checked while reading; an input over a limit raises ``LimitExceeded`` (a ``ValueError``
with table, column, rule, limit, actual) from ``validate_folder`` too — it is a refusal, not a data issue.

Row numbers in issues: CSV → the file's line numbers with the header as line 1 (first data row = 2);
Parquet, SQL and in-memory frames → 1-based record numbers. See ``advisor.data.issues``.
Modules: ``contract`` (tables as frozen data), ``aliases`` (header matching), ``config`` (kpi-advisor.yaml),
``readers``, ``schemas`` (pandera), ``validate`` + ``messages`` (pipeline, issue texts), ``targets``,
``mmm`` (the ``mmm:`` config and ``MmmTable``) + ``mmm_check`` (its rules), ``grain`` (daily/weekly detection),
``crosscheck`` (checks across tables, lift tests against the data), ``dataset`` (folder loading, ``Dataset``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from advisor.data.config import DataConfig, TableSource
    from advisor.data.contract import TABLES, ColumnSpec, TableContract
    from advisor.data.dataset import Dataset, load_dataset, load_table, validate_folder
    from advisor.data.issues import DataValidationError, ValidationIssue, ValidationReport
    from advisor.data.limits import DEFAULT_LIMITS, DataLimits, LimitExceeded
    from advisor.data.mmm import MmmConfig, MmmTable
    from advisor.data.targets import TargetsFile, TargetSpec

#: Public name → module defining it. Imported on first use (PEP 562), so that ``advisor.data.limits`` (read by
#: the service's settings on the CLI's start-up path) does not pull in pandas and pandera.
_EXPORTS = {
    "DataConfig": "advisor.data.config",
    "TableSource": "advisor.data.config",
    "TABLES": "advisor.data.contract",
    "ColumnSpec": "advisor.data.contract",
    "TableContract": "advisor.data.contract",
    "Dataset": "advisor.data.dataset",
    "load_dataset": "advisor.data.dataset",
    "load_table": "advisor.data.dataset",
    "validate_folder": "advisor.data.dataset",
    "DataValidationError": "advisor.data.issues",
    "ValidationIssue": "advisor.data.issues",
    "ValidationReport": "advisor.data.issues",
    "DEFAULT_LIMITS": "advisor.data.limits",
    "DataLimits": "advisor.data.limits",
    "LimitExceeded": "advisor.data.limits",
    "MmmConfig": "advisor.data.mmm",
    "MmmTable": "advisor.data.mmm",
    "TargetsFile": "advisor.data.targets",
    "TargetSpec": "advisor.data.targets",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'advisor.data' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_LIMITS",
    "TABLES",
    "ColumnSpec",
    "DataConfig",
    "DataLimits",
    "DataValidationError",
    "Dataset",
    "LimitExceeded",
    "MmmConfig",
    "MmmTable",
    "TableContract",
    "TableSource",
    "TargetSpec",
    "TargetsFile",
    "ValidationIssue",
    "ValidationReport",
    "load_dataset",
    "load_table",
    "validate_folder",
]
