"""One model set per segment (brand, market, account; or the geo of a media-mix table): the training function
both engines run (:func:`train_segment`) and the splitting of contract tables by a segment column.

A segment's model set is exactly what ``training.pipeline.train_all`` fits on that segment's rows, published into
the segment's own registry (``models.registry.segment_registry``: ``<models>/segments/<segment>/v0001``). Every
segment is published on its own and atomically: a segment that fails publishes nothing (its previous version, if
any, keeps serving), the other segments publish theirs, and the outcome names the failed segment with its error.

Determinism: each table of a segment is put in one canonical row order (:func:`canonical_frame`) before fitting,
and each segment gets a seed derived from the run's seed and its name (:func:`segment_seed`), so the same inputs
and seed give the same models whichever engine (``local`` process pool or ``spark``) runs the function, in
whatever order the rows arrive.
"""

from __future__ import annotations

import hashlib
import os
import resource
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from models.registry import check_segment, segment_registry
from models.spark_session import WORKER_THREAD_ENV

if TYPE_CHECKING:
    from training.mmm import MmmLayout

SEGMENT_TABLES = ("campaign_daily", "outcomes_daily", "mmm")
"""The tables a segment's models are fitted from (when they hold the segment column); others are not used."""
MAX_SEGMENT_TABLES = 2
"""A segment is fitted from its primary table and at most one more (Spark co-groups two frames)."""
THREAD_ENV = WORKER_THREAD_ENV
"""Environment of every training worker: one BLAS / OpenMP thread (parallelism comes from the segments; one
thread per fit also keeps the floating-point summation order, and so the numbers, the same on every engine)."""


@dataclass(frozen=True)
class SegmentOptions:
    """How every segment is trained (the arguments of ``train_all`` shared by all segments).

    seed: the run's seed (each segment's own is :func:`segment_seed`); backtest: run rolling-origin backtests;
    drivers / clv: fit those kinds when the segment's tables allow; mmm: the media-mix column roles when the
    segments come from an mmm table (its ``geo`` dropped when the geo is the segment column); campaign_source:
    as in ``train_all``; fingerprint: the dataset's fingerprint; provenance: stored in every manifest.
    """

    seed: int = 0
    backtest: bool = False
    drivers: bool = True
    clv: bool = True
    mmm: MmmLayout | None = None
    campaign_source: str = "campaign_daily"
    fingerprint: str = ""
    provenance: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SegmentOutcome:
    """What training one segment did. status: ``published`` or ``failed``; model_version: the version published
    (None when failed); error: ``ExceptionType: message`` when failed; rows: rows per table used; cpu_seconds:
    CPU time of the fit (this process and its child processes, e.g. Stan); wall_seconds: elapsed time."""

    segment: str
    status: str
    model_version: str | None = None
    error: str | None = None
    rows: Mapping[str, int] = field(default_factory=dict)
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rows": dict(self.rows)}


def segment_seed(seed: int, segment: str) -> int:
    """The seed of ``segment``'s fits: a 31-bit number from the run's ``seed`` and the segment's name (the same on
    every engine and machine, different between segments)."""
    digest = hashlib.sha256(f"{seed}\x1f{segment}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def canonical_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` in one row order whatever order its rows came in (sorted by every column, stable), index 0..n-1."""
    if df.empty:
        return df.reset_index(drop=True)
    cols = list(df.columns)
    try:
        out = df.sort_values(cols, kind="mergesort", na_position="last")
    except TypeError:  # a column mixing types (text and numbers): order by its text
        keys = df.astype(str)
        out = df.loc[keys.sort_values(cols, kind="mergesort").index]
    return out.reset_index(drop=True)


def split_by_segment(
    tables: Mapping[str, pd.DataFrame], column: str, *, primary: str = "campaign_daily"
) -> tuple[dict[str, dict[str, pd.DataFrame]], list[str]]:
    """``tables`` split by the values of ``column``: segment → its tables (rows of that segment, ``column`` kept),
    in segment-name order, and notes on the tables not used.

    The segments are the values of ``column`` in ``primary`` (``campaign_daily``, or ``mmm`` for media-mix data),
    which must hold it; the other tables of :data:`SEGMENT_TABLES` are split when they hold it too. Tables without
    the column, and tables outside :data:`SEGMENT_TABLES` (orders, surveys, lift tests ...), are not used: the notes
    say which. ValueError names the table, the column and the rows when the column is missing or empty.
    """
    used, notes = usable_tables(tables, column, primary=primary)
    for name in used:
        df = tables[name]
        empty = df[column].isna() | (df[column].astype(str).str.strip() == "")
        if empty.any():
            rows = [int(i) for i in df.index[empty.to_numpy()][:5]]
            raise ValueError(f"{name}.{column}: {int(empty.sum())} row(s) without a segment (rows {rows} ...)")
    used_frames = {name: tables[name] for name in used}
    keys = {name: df[column].astype(str) for name, df in used_frames.items()}
    segments = sorted(keys[primary].unique())
    out: dict[str, dict[str, pd.DataFrame]] = {}
    groups = {name: df.groupby(keys[name], sort=False).indices for name, df in used_frames.items()}
    for seg in segments:
        out[seg] = {name: df.iloc[groups[name][seg]] for name, df in used_frames.items() if seg in groups[name]}
    return out, notes


def usable_tables(tables: Mapping[str, Any], column: str, *, primary: str = "campaign_daily") -> tuple[list[str], list[str]]:
    """Which of ``tables`` (pandas or Spark frames: anything with ``.columns``) the segment models use — ``primary``
    first, which must hold ``column`` (ValueError naming the table and its columns otherwise), then the other tables
    of :data:`SEGMENT_TABLES` that hold it — and a note for each table left out."""
    if primary not in tables:
        raise ValueError(f"segment training needs the {primary} table; the data has {sorted(tables)}")
    if column not in tables[primary].columns:
        cols = ", ".join(map(str, tables[primary].columns))
        raise ValueError(f"{primary} has no column {column!r} to split segments by; its columns: {cols}")
    used, notes = [primary], []
    for name, df in sorted(tables.items(), key=lambda kv: _table_rank(kv[0])):
        if name == primary:
            continue
        if name not in SEGMENT_TABLES:
            notes.append(f"{name}: not used per segment (segment models use {', '.join(SEGMENT_TABLES)})")
        elif column not in df.columns:
            notes.append(f"{name}: has no {column!r} column, not used per segment")
        elif len(used) == MAX_SEGMENT_TABLES:
            notes.append(f"{name}: not used per segment (a segment is fitted from {' and '.join(used)})")
        else:
            used.append(name)
    return used, notes


def _table_rank(name: str) -> int:
    return SEGMENT_TABLES.index(name) if name in SEGMENT_TABLES else len(SEGMENT_TABLES)


def _cpu_seconds() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def segment_tables(tables: Mapping[str, pd.DataFrame], column: str) -> dict[str, pd.DataFrame]:
    """One segment's tables as ``train_all`` takes them: the segment column dropped, empty tables left out, rows in
    canonical order (:func:`canonical_frame`)."""
    out = {}
    for name, df in tables.items():
        if len(df):
            own = df.drop(columns=[column], errors="ignore")
            if "date" in own.columns and not pd.api.types.is_datetime64_any_dtype(own["date"]):
                own = own.assign(date=pd.to_datetime(own["date"]))  # Spark DateType arrives as datetime.date objects
            stamps = [c for c in own.columns if pd.api.types.is_datetime64_any_dtype(own[c])]
            if stamps:  # the same resolution however the rows travelled (Arrow / Spark may give other units)
                own = own.astype({c: "datetime64[ns]" for c in stamps})
            out[name] = canonical_frame(own)
    return out


def train_segment(
    segment: str,
    tables: Mapping[str, pd.DataFrame],
    column: str,
    models_root: str | os.PathLike[str],
    options: SegmentOptions,
) -> SegmentOutcome:
    """Fit ``segment``'s models from its ``tables`` (rows of that segment; ``column`` is dropped) and publish them
    as the next version of the segment's registry under ``models_root``. Never raises for a bad segment: a failure
    publishes nothing and comes back as ``status="failed"`` with the error."""
    from training.pipeline import train_all

    seed = segment_seed(options.seed, segment)
    cpu0, wall0 = _cpu_seconds(), time.perf_counter()
    rows = {name: len(df) for name, df in tables.items()}
    try:
        check_segment(segment)
        own = segment_tables(tables, column)
        layout = options.mmm
        if layout is not None and layout.geo == column:
            layout = replace(layout, geo=None)  # the geo is the segment: each segment is national
        from training.backtest import BacktestSpec

        summary = train_all(
            own,
            segment_registry(models_root, segment).root,
            seed=seed,
            fingerprint=options.fingerprint,
            backtest=BacktestSpec() if options.backtest else None,
            drivers=options.drivers,
            clv=options.clv,
            provenance={**dict(options.provenance), "segment": segment, "segment_by": column},
            mmm=layout,
            campaign_source=options.campaign_source,
        )
    except Exception as exc:  # one segment's failure is reported, the others go on
        return SegmentOutcome(
            segment, "failed", None, f"{type(exc).__name__}: {exc}", rows,
            _cpu_seconds() - cpu0, time.perf_counter() - wall0, seed,
        )
    return SegmentOutcome(
        segment, "published", str(summary["model_version"]), None, rows,
        _cpu_seconds() - cpu0, time.perf_counter() - wall0, seed,
    )


def models_root_path(models_root: str | os.PathLike[str]) -> Path:
    """``models_root`` as an absolute path (what workers on other processes or machines are given)."""
    return Path(models_root).expanduser().resolve()
