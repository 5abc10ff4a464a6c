"""KPI catalog: base measures and KPI specs, loaded from YAML and extendable without code (SPEC §3).

A :class:`KpiCatalog` is a registry (``register``, ``catalog[id]``, iteration) of :class:`KpiSpec` plus the
:class:`MeasureSpec` base measures and :class:`TableSpec` time placement its formulas need. The built-in
catalog is ``catalog.yaml`` next to this module; :func:`load_catalog` merges extra YAML files over it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from advisor.kpis.expr import ExpressionError, Filter, Formula, parse_filter, parse_formula
from models.yamlio import YamlLimitError, read_yaml

BUILTIN_PATH = Path(__file__).with_name("catalog.yaml")
AGGS = ("sum", "count", "mean", "nunique", "min", "max")
DIRECTIONS = ("higher", "lower")
#: Names of the KPI table's own columns and record keys, which no KPI id may take.
RESERVED_IDS = ("period", "change", "reasons")
Direction = Literal["higher", "lower"]


class CatalogError(ValueError):
    """An invalid catalog entry (unknown field value, unsafe formula, unknown name, cycle)."""


class UnknownKpiError(KeyError, ValueError):
    """A KPI id that is not in the catalog; the message lists the valid ids (a KeyError and a ValueError)."""

    def __init__(self, kpi_id: str, valid: Iterable[str], context: str = "") -> None:
        self.kpi_id = kpi_id
        self.valid = tuple(sorted(valid))
        where = f" ({context})" if context else ""
        super().__init__(f"unknown KPI id {kpi_id!r}{where}; valid ids: {', '.join(self.valid)}")

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class TableSpec:
    """How a source table is placed in time: ``date`` (daily date column) or ``month`` ("YYYY-MM" column)."""

    name: str
    date: str | None = None
    month: str | None = None


@dataclass(frozen=True)
class MeasureSpec:
    """A base measure: ``agg`` of ``column`` over the rows of ``table`` matching ``where``, per group/period.

    ``count`` counts matching rows (non-null ``column`` when one is given); ``nunique`` counts distinct
    values of ``column`` having at least ``min_rows`` matching rows. Missing groups count as 0 for sum/count/nunique.
    ``cumulative``: to date — every row from the start of the data to the end of each period (lifetime
    measures such as historical CLV); the window's start is ignored.
    """

    name: str
    table: str
    agg: str
    column: str | None = None
    where: str | None = None
    min_rows: int = 1
    cumulative: bool = False

    def __post_init__(self) -> None:
        if self.cumulative and self.agg not in ("sum", "count", "nunique"):
            raise CatalogError(f"measure {self.name!r}: cumulative needs agg sum, count or nunique")
        if self.agg not in AGGS:
            raise CatalogError(f"measure {self.name!r}: agg must be one of {AGGS}, got {self.agg!r}")
        if self.column is None and self.agg != "count":
            raise CatalogError(f"measure {self.name!r}: agg {self.agg!r} needs a column")
        if self.min_rows < 1 or (self.min_rows != 1 and self.agg != "nunique"):
            raise CatalogError(f"measure {self.name!r}: min_rows ≥ 1 and only with agg nunique")
        if self.where is not None:
            try:
                parse_filter(self.where)
            except ExpressionError as exc:
                raise CatalogError(f"measure {self.name!r}: {exc}") from None

    @property
    def filter(self) -> Filter | None:
        return _parse_filter_cached(self.where) if self.where is not None else None

    @property
    def columns(self) -> frozenset[str]:
        """Table columns this measure reads (its column and the filter's columns)."""
        flt = self.filter
        cols = set(flt.names) if flt is not None else set()
        if self.column is not None:
            cols.add(self.column)
        return frozenset(cols)


@dataclass(frozen=True)
class KpiSpec:
    """One KPI. ``formula`` is safe arithmetic over measure names and KPI ids (see :mod:`advisor.kpis.expr`).

    ``unit`` names the unit of the value (currency, ratio — a fraction, 0.02 = 2 % —, count, points, score);
    ``direction`` says which way is better; ``group`` places it in the scorecard (outcome, customer, process,
    efficiency, volume, ...); ``table`` is its primary source table (filled from the formula when empty);
    ``format`` is a Python format spec for display.
    """

    id: str
    name: str
    formula: str
    unit: str = "number"
    direction: Direction = "higher"
    description: str = ""
    group: str = "other"
    table: str = ""
    format: str = ",.2f"

    def __post_init__(self) -> None:
        if not self.id.isidentifier() or self.id.startswith("_"):
            raise CatalogError(f"KPI id {self.id!r} must be an identifier not starting with '_'")
        if self.id in RESERVED_IDS or self.id.endswith(("_change", "_change_rel")):
            raise CatalogError(
                f"KPI id {self.id!r} is reserved: the KPI table uses {', '.join(RESERVED_IDS)} and <kpi>_change, "
                "<kpi>_change_rel for its own columns"
            )
        if self.direction not in DIRECTIONS:
            raise CatalogError(f"KPI {self.id!r}: direction must be one of {DIRECTIONS}, got {self.direction!r}")
        try:
            parse_formula(self.formula)
            format(1.0, self.format)
        except ExpressionError as exc:
            raise CatalogError(f"KPI {self.id!r}: {exc}") from None
        except ValueError:
            raise CatalogError(f"KPI {self.id!r}: invalid format spec {self.format!r}") from None

    @property
    def parsed(self) -> Formula:
        return _parse_cached(self.formula)

    def display(self, value: float | None) -> str:
        """The value formatted with ``format`` (``"n/a"`` for null)."""
        return "n/a" if value is None else format(value, self.format)


@lru_cache(maxsize=4096)
def _parse_cached(source: str) -> Formula:
    return parse_formula(source)


@lru_cache(maxsize=4096)
def _parse_filter_cached(source: str) -> Filter:
    return parse_filter(source)


@dataclass
class KpiCatalog:
    """Registry of KPIs, base measures and table time placements (like Prophet's performance-metric
    registry)."""

    kpis: dict[str, KpiSpec] = field(default_factory=dict)
    measures: dict[str, MeasureSpec] = field(default_factory=dict)
    tables: dict[str, TableSpec] = field(default_factory=dict)
    scorecard: list[str] = field(default_factory=list)

    # -- registry -------------------------------------------------------------------------------------------
    def register(self, spec: KpiSpec) -> None:
        """Add or replace a KPI (an existing id is overridden)."""
        self.kpis[spec.id] = spec

    def register_measure(self, spec: MeasureSpec) -> None:
        """Add or replace a base measure."""
        self.measures[spec.name] = spec

    def __getitem__(self, kpi_id: str) -> KpiSpec:
        try:
            return self.kpis[kpi_id]
        except KeyError:
            raise UnknownKpiError(kpi_id, self.kpis) from None

    def __contains__(self, kpi_id: object) -> bool:
        return kpi_id in self.kpis

    def __iter__(self) -> Iterator[KpiSpec]:
        return iter(self.kpis.values())

    def __len__(self) -> int:
        return len(self.kpis)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self.kpis)

    def copy(self) -> KpiCatalog:
        return KpiCatalog(dict(self.kpis), dict(self.measures), dict(self.tables), list(self.scorecard))

    # -- dependencies ---------------------------------------------------------------------------------------
    def dependencies(self, kpi_ids: Iterable[str]) -> tuple[list[str], list[str]]:
        """KPIs (in evaluation order, dependencies first) and measures needed to compute ``kpi_ids``."""
        order: list[str] = []
        measures: list[str] = []
        state: dict[str, str] = {}

        def visit(kid: str, path: tuple[str, ...]) -> None:
            if state.get(kid) == "done":
                return
            if state.get(kid) == "visiting":
                raise CatalogError(f"KPI formulas form a cycle: {' -> '.join((*path, kid))}")
            state[kid] = "visiting"
            for name in sorted(self[kid].parsed.names):
                if name in self.measures:
                    if name not in measures:
                        measures.append(name)
                elif name in self.kpis:
                    visit(name, (*path, kid))
                else:
                    raise CatalogError(f"KPI {kid!r}: formula uses {name!r}, which is neither a measure nor a KPI")
            state[kid] = "done"
            order.append(kid)

        for kid in kpi_ids:
            visit(kid, ())
        return order, measures

    def source_tables(self, kpi_id: str) -> tuple[str, ...]:
        """Tables a KPI reads, directly or through the KPIs it uses."""
        _, measures = self.dependencies([kpi_id])
        return tuple(dict.fromkeys(self.measures[m].table for m in measures))

    def validate(self) -> KpiCatalog:
        """Check every formula resolves, no cycles, measures name declared tables; fill KPI ``table``."""
        self.dependencies(self.kpis)
        for m in self.measures.values():
            if m.table not in self.tables:
                raise CatalogError(f"measure {m.name!r}: table {m.table!r} is not declared under 'tables'")
        for kid, spec in list(self.kpis.items()):
            if not spec.table:
                tables = self.source_tables(kid)
                self.kpis[kid] = replace(spec, table=tables[0] if tables else "")
        for kid in self.scorecard:
            if kid not in self.kpis:
                raise UnknownKpiError(kid, self.kpis, "catalog 'scorecard' list")
        return self

    # -- YAML -----------------------------------------------------------------------------------------------
    def merge_document(self, doc: Mapping[str, Any], source: str = "<dict>") -> KpiCatalog:
        """Merge a parsed catalog document (sections tables/measures/kpis/scorecard) over this catalog."""
        if not isinstance(doc, Mapping):
            raise CatalogError(f"{source}: a catalog is a mapping with sections {list(SECTIONS)}")
        unknown = set(map(str, doc)) - set(SECTIONS)
        if unknown:
            raise CatalogError(f"{source}: unknown sections {sorted(unknown)}; allowed: {list(SECTIONS)}")
        for name, body in _section(doc, "tables", source).items():
            self.tables[name] = _build(TableSpec, source, f"table {name!r}", name=name, **_fields(body, source, f"table {name!r}", TableSpec))
        for name, body in _section(doc, "measures", source).items():
            what = f"measure {name!r}"
            self.register_measure(_build(MeasureSpec, source, what, name=name, **_fields(body, source, what, MeasureSpec)))
        for kid, body in _section(doc, "kpis", source).items():
            what = f"KPI {kid!r}"
            self.register(_build(KpiSpec, source, what, id=kid, **_fields(body, source, what, KpiSpec)))
        if doc.get("scorecard") is not None:
            if not isinstance(doc["scorecard"], list):
                raise CatalogError(f"{source}: 'scorecard' must be a list of KPI ids")
            self.scorecard = [str(k) for k in doc["scorecard"]]
        return self

    @classmethod
    def from_yaml(cls, *paths: str | Path) -> KpiCatalog:
        """A catalog from YAML files, later files overriding earlier ones; validated."""
        cat = cls()
        for path in paths:
            cat.merge_document(_read_yaml(Path(path)), str(path))
        return cat.validate()


SECTIONS = ("tables", "measures", "kpis", "scorecard")
#: At most this many entries per section of a user catalog (a request body must not make the engine crawl).
MAX_SECTION_ENTRIES = 500


def _section(doc: Mapping[str, Any], name: str, source: str) -> Mapping[str, Any]:
    """Section ``name`` of a catalog document: a mapping of text names (empty when absent)."""
    body = doc.get(name)
    if body is None:
        return {}
    if not isinstance(body, Mapping):
        raise CatalogError(f"{source}: section {name!r} must be a mapping of {name} by name, got {type(body).__name__}")
    if len(body) > MAX_SECTION_ENTRIES:
        raise CatalogError(f"{source}: section {name!r} has {len(body)} entries; at most {MAX_SECTION_ENTRIES}")
    bad = [k for k in body if not isinstance(k, str)]
    if bad:
        raise CatalogError(f"{source}: section {name!r}: name {bad[0]!r} must be text")
    return body


def _build(cls: type, source: str, what: str, **kwargs: Any) -> Any:
    """``cls(**kwargs)``; a field of the wrong type becomes a :class:`CatalogError` naming ``source`` and ``what``."""
    try:
        return cls(**kwargs)
    except CatalogError as exc:
        raise CatalogError(f"{source}: {exc}") from None
    except (TypeError, ValueError, AttributeError) as exc:
        raise CatalogError(f"{source}: {what}: a field has the wrong type ({exc})") from None


def _fields(body: Any, source: str, what: str, cls: type) -> dict[str, Any]:
    """The fields of one catalog entry, checked: known names only, text fields as text (numbers are written out,
    e.g. ``formula: 5``), ``cumulative`` a boolean and ``min_rows`` an integer."""
    if not isinstance(body, Mapping):
        raise CatalogError(f"{source}: {what} must be a mapping, got {type(body).__name__}")
    allowed = {f.name for f in fields(cls)} - {"id", "name"} | ({"name"} if cls is KpiSpec else set())
    extra = {str(k) for k in body} - allowed
    if extra:
        raise CatalogError(f"{source}: {what} has unknown fields {sorted(extra)}; allowed: {sorted(allowed)}")
    if cls is KpiSpec and ("name" not in body or "formula" not in body):
        raise CatalogError(f"{source}: {what} needs at least 'name' and 'formula'")
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key == "cumulative" and not isinstance(value, bool):
            raise CatalogError(f"{source}: {what}: 'cumulative' must be true or false, got {value!r}")
        if key == "min_rows" and (isinstance(value, bool) or not isinstance(value, int)):
            raise CatalogError(f"{source}: {what}: 'min_rows' must be an integer, got {value!r}")
        if key not in ("cumulative", "min_rows") and value is not None:
            if not isinstance(value, str | int | float):
                raise CatalogError(f"{source}: {what}: {key!r} must be text, got {type(value).__name__}")
            value = str(value)
        out[str(key)] = value
    return out


def _read_yaml(path: Path) -> Mapping[str, Any]:
    try:
        doc = read_yaml(path)  # size and depth bounded; `on:` keys stay text
    except YamlLimitError as exc:
        raise CatalogError(str(exc)) from None
    except OSError as exc:
        raise CatalogError(f"cannot read catalog file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise CatalogError(f"catalog file {path} is not valid YAML: {exc}") from None
    if doc is None:
        return {}
    if not isinstance(doc, Mapping):
        raise CatalogError(f"catalog file {path}: top level must be a mapping")
    return doc


@lru_cache(maxsize=1)
def _builtin() -> KpiCatalog:
    return KpiCatalog.from_yaml(BUILTIN_PATH)


def load_catalog(*extra_paths: str | Path) -> KpiCatalog:
    """The built-in catalog with ``extra_paths`` (user YAML files) merged over it, validated. A fresh copy.

    Raises :class:`CatalogError` naming the file, the KPI (or measure) and the problem."""
    cat = _builtin().copy()
    for path in extra_paths:
        cat = extend_catalog(read_catalog_file(path), str(path), base=cat)
    return cat


def read_catalog_file(path: str | Path) -> Mapping[str, Any]:
    """A user catalog file (YAML, size- and depth-bounded) as a document; :class:`CatalogError` when it cannot
    be read or is not a mapping."""
    return _read_yaml(Path(path))


def extend_catalog(doc: Mapping[str, Any] | None, source: str = "catalog", *, base: KpiCatalog | None = None) -> KpiCatalog:
    """``base`` (default: the built-in catalog) with a user catalog document — the sections of ``catalog.yaml``:
    ``tables``, ``measures``, ``kpis``, ``scorecard`` — merged over it, validated; a fresh catalog.

    A user KPI with a built-in id replaces it. Raises :class:`CatalogError` whose message starts with ``source``
    (the file, or "catalog" for a request body) and names the KPI or measure and the problem (unsafe or
    unparsable formula, unknown name, cycle, unknown field, wrong type), or :class:`UnknownKpiError` for a
    ``scorecard`` entry that is not a KPI."""
    cat = (base if base is not None else _builtin()).copy()
    if not doc:
        return cat.validate()
    cat.merge_document(doc, source)
    try:
        return cat.validate()
    except CatalogError as exc:
        raise CatalogError(f"{source}: {exc}") from None


def default_catalog() -> KpiCatalog:
    """A fresh copy of the built-in catalog."""
    return _builtin().copy()
