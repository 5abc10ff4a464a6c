"""Data contract (SPEC §2), readers (CSV/Parquet/SQL), column aliases, pandera validation, targets file.

Public API::

    from advisor.data import (load_dataset, validate_folder, load_table, Dataset, ValidationIssue,
                              ValidationReport, DataValidationError, DataConfig, TargetsFile,
                              TargetSpec, TABLES)
"""

from advisor.data.config import DataConfig, TableSource
from advisor.data.contract import TABLES, ColumnSpec, TableContract
from advisor.data.dataset import Dataset, load_dataset, load_table, validate_folder
from advisor.data.issues import DataValidationError, ValidationIssue, ValidationReport
from advisor.data.targets import TargetsFile, TargetSpec

__all__ = [
    "TABLES",
    "ColumnSpec",
    "DataConfig",
    "DataValidationError",
    "Dataset",
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
