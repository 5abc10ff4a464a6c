"""Data contract (SPEC §2), readers (CSV/Parquet/SQL), column aliases, pandera validation, targets file.

Public API::

    from advisor.data import (load_dataset, validate_folder, load_table, Dataset, ValidationIssue,
                              ValidationReport, DataValidationError, DataConfig, TargetsFile,
                              TargetSpec, TABLES, DataLimits, LimitExceeded)

    report = validate_folder(folder, config_path=None)   # ValidationReport; never raises for bad data
    ds = load_dataset(folder, config_path=None)          # Dataset; raises DataValidationError
    ds = Dataset.from_frames(campaign_daily=df, ..., targets=None)   # same checks for in-memory frames
    df = load_table("campaign_daily", path_or_url_or_frame, {"Cost": "spend"}, sql_table=..., query=...,
                    defaults={"channel": "social"}, require=(...), attributes=(...))

Every loader takes ``limits: DataLimits = DEFAULT_LIMITS`` (rows, columns, cell characters, decompressed bytes,
YAML bytes and depth), checked while reading; an input over a limit raises ``LimitExceeded`` (a ``ValueError``
with table, column, rule, limit, actual) from ``validate_folder`` too — it is a refusal, not a data issue.

Row numbers in issues: CSV → the file's line numbers with the header as line 1 (first data row = 2);
Parquet, SQL and in-memory frames → 1-based record numbers. See ``advisor.data.issues``.
Modules: ``contract`` (tables as frozen data), ``aliases`` (header matching), ``config`` (kpi-advisor.yaml),
``readers``, ``schemas`` (pandera), ``validate`` + ``messages`` (pipeline, issue texts), ``targets``,
``dataset`` (folder loading, ``Dataset``).
"""

from advisor.data.config import DataConfig, TableSource
from advisor.data.contract import TABLES, ColumnSpec, TableContract
from advisor.data.dataset import Dataset, load_dataset, load_table, validate_folder
from advisor.data.issues import DataValidationError, ValidationIssue, ValidationReport
from advisor.data.limits import DEFAULT_LIMITS, DataLimits, LimitExceeded
from advisor.data.targets import TargetsFile, TargetSpec

__all__ = [
    "DEFAULT_LIMITS",
    "TABLES",
    "ColumnSpec",
    "DataConfig",
    "DataLimits",
    "DataValidationError",
    "Dataset",
    "LimitExceeded",
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
