"""The ``spark`` engine: one model set per segment on Apache Spark (``groupBy(segment).applyInPandas``).

Each Spark task receives one segment's rows as pandas frames and runs ``training.segments.train_segment`` — the
function the local engine runs — which publishes the segment's models into its registry under the shared models
folder (a path every executor can write: local disk in local mode; on a cluster a shared file system or a mounted
object store such as ``/dbfs/...``, ``/Volumes/...``, an NFS or ``s3fs`` / ``gcsfuse`` mount). Only a one-row
summary per segment travels back to the driver, never the models.

Inputs are pandas frames (converted here) or Spark frames (e.g. ``spark.read.parquet("s3a://.../campaign_daily")``,
so hundreds of millions of rows never pass through the driver). With ``outcomes_daily`` the two tables are
co-grouped by segment (``cogroup(...).applyInPandas``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from training.segments import SegmentOptions, SegmentOutcome, models_root_path, train_segment, usable_tables

if TYPE_CHECKING:
    from pyspark.sql import DataFrame as SparkFrame
    from pyspark.sql import SparkSession

RESULT_SCHEMA = (
    "segment string, status string, model_version string, error string, rows string, "
    "cpu_seconds double, wall_seconds double, seed long"
)
"""The one row per segment each Spark task returns."""
MAX_PARTITIONS = 4000
"""Most shuffle partitions a segment job asks for (one per segment below it)."""


def _outcome_frame(outcome: SegmentOutcome) -> pd.DataFrame:
    doc = outcome.to_dict()
    doc["rows"] = json.dumps(doc["rows"], sort_keys=True)
    return pd.DataFrame([doc], columns=[c.split()[0] for c in RESULT_SCHEMA.split(", ")])


def _segment_task(
    names: tuple[str, ...], column: str, root: str, options: SegmentOptions
) -> Callable[..., pd.DataFrame]:
    """The function each Spark task runs on one segment's frames (one per table in ``names``, same order)."""

    def run(frames: tuple[pd.DataFrame, ...]) -> pd.DataFrame:
        primary = frames[0]
        if primary.empty:  # a segment only the secondary table has: nothing to fit
            return _outcome_frame(SegmentOutcome("", "skipped"))[0:0]
        segment = str(primary[column].astype(str).iloc[0])
        tables = {name: df for name, df in zip(names, frames, strict=True) if len(df)}
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            return _outcome_frame(train_segment(segment, tables, column, root, options))

    if len(names) == 2:
        return lambda left, right: run((left, right))
    return lambda frame: run((frame,))


def _as_spark(spark: SparkSession, df: Any) -> SparkFrame:
    return spark.createDataFrame(df) if isinstance(df, pd.DataFrame) else df


def fit_segments_spark(
    spark: SparkSession,
    tables: Mapping[str, Any],
    column: str,
    models_root: str | os.PathLike[str],
    options: SegmentOptions,
    *,
    primary: str = "campaign_daily",
    progress: Callable[[str, float], None] | None = None,
) -> tuple[list[SegmentOutcome], list[str]]:
    """Train every segment of ``tables`` (pandas or Spark frames) on ``spark``: the primary table (and
    ``outcomes_daily`` when it holds ``column``) grouped by ``column``, one task per segment. Returns the outcomes in
    segment order and notes on the tables not used. ``models_root`` must be a path every executor can write."""
    used, notes = usable_tables(tables, column, primary=primary)
    frames = [_as_spark(spark, tables[name]) for name in used]
    for name, frame in zip(used, frames, strict=True):
        missing = frame.filter(frame[column].isNull() | (frame[column].cast("string") == "")).count()
        if missing:
            raise ValueError(f"{name}.{column}: {missing} row(s) without a segment")
    root = str(models_root_path(models_root))
    task = _segment_task(tuple(used), column, root, options)
    if progress:
        progress(f"training segments on Spark ({spark.sparkContext.master})", 0.0)
    n_segments = frames[0].select(column).distinct().count()
    spark.conf.set("spark.sql.adaptive.coalescePartitions.enabled", "false")
    # one shuffle partition per segment (up to the cap): tasks as even as the segments, no empty Python tasks
    spark.conf.set("spark.sql.shuffle.partitions", str(max(1, min(n_segments, MAX_PARTITIONS))))
    if len(frames) == 2:
        grouped = frames[0].groupBy(column).cogroup(frames[1].groupBy(column)).applyInPandas(task, RESULT_SCHEMA)
    else:
        grouped = frames[0].groupBy(column).applyInPandas(task, RESULT_SCHEMA)
    rows = grouped.collect()
    if progress:
        progress("segments trained", 1.0)
    return sorted(_outcomes(r.asDict() for r in rows), key=lambda o: o.segment), notes


def _outcomes(rows: Iterable[Mapping[str, Any]]) -> list[SegmentOutcome]:
    return [
        SegmentOutcome(
            segment=str(r["segment"]), status=str(r["status"]), model_version=r["model_version"], error=r["error"],
            rows=json.loads(r["rows"] or "{}"), cpu_seconds=float(r["cpu_seconds"]),
            wall_seconds=float(r["wall_seconds"]), seed=int(r["seed"]),
        )
        for r in rows
    ]
