"""KPI catalog, KPI engine, targets status and scorecard (SPEC §3, §5 ``kpis`` and ``scorecard``).

Public API::

    compute_kpis(tables, *, by=(), grain=None, start=None, end=None, kpis=None, catalog=None, compare=False)
        -> KpiTable
    build_scorecard(tables, targets, *, period=None, catalog=None, tolerance=0.10, model_kpis=None) -> Scorecard
    ModelKpis(kpis, values, basis): model-based KPI values (e.g. probabilistic CLV) for the scorecard
    load_catalog(*extra_yaml_paths) -> KpiCatalog;  default_catalog() -> KpiCatalog
    extend_catalog(document, source="catalog", base=None) -> KpiCatalog: built-in + a user catalog document
    read_catalog_file(path) -> document (YAML, bounded); kpi_tables(dataset) in advisor.kpis.business: the tables
    plus business_daily (MER, blended ROAS, blended CAC)
    assess(value, target, direction, tolerance=0.10) -> Assessment
    target_status(kpi_table, targets, tolerance=0.10) -> DataFrame (row, kpi, scope, value, target, status, ...)
"""

from advisor.core.grains import GRAINS
from advisor.core.periods import Period, parse_period
from advisor.kpis.catalog import (
    CatalogError,
    KpiCatalog,
    KpiSpec,
    MeasureSpec,
    TableSpec,
    UnknownKpiError,
    default_catalog,
    extend_catalog,
    load_catalog,
    read_catalog_file,
)
from advisor.kpis.engine import compute_kpis
from advisor.kpis.expr import ExpressionError
from advisor.kpis.scorecard import ModelKpis, Scorecard, ScorecardGroup, ScorecardLine, build_scorecard
from advisor.kpis.table import KpiTable
from advisor.kpis.targets import Assessment, Target, Targets, assess, normalize_targets, target_status

__all__ = [
    "GRAINS",
    "Assessment",
    "CatalogError",
    "ExpressionError",
    "KpiCatalog",
    "KpiSpec",
    "KpiTable",
    "MeasureSpec",
    "ModelKpis",
    "Period",
    "Scorecard",
    "ScorecardGroup",
    "ScorecardLine",
    "TableSpec",
    "Target",
    "Targets",
    "UnknownKpiError",
    "assess",
    "build_scorecard",
    "compute_kpis",
    "default_catalog",
    "extend_catalog",
    "load_catalog",
    "normalize_targets",
    "parse_period",
    "read_catalog_file",
    "target_status",
]
