"""Where the segments are trained: ``local`` (a process pool on this machine, the default) or ``spark``
(``training.spark_engine``: ``groupBy(segment).applyInPandas`` on a Spark cluster). Both run the same function,
``training.segments.train_segment``, with the same per-segment seed, and publish into the same registry layout.

:func:`train_segments` is the one entry point: tables in, one :class:`~training.segments.SegmentOutcome` per
segment out (published or failed, never half a version).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from typing import Any

import pandas as pd

from training.segments import (
    THREAD_ENV,
    SegmentOptions,
    SegmentOutcome,
    models_root_path,
    split_by_segment,
    train_segment,
)

ENGINES = ("local", "spark")
"""The engine names of ``--engine`` and ``KPI_ADVISOR_ENGINE``."""
Progress = Callable[[str, float], None]


def check_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; valid: {', '.join(ENGINES)}")
    return engine


def _one_thread_fit(args: tuple[str, Mapping[str, pd.DataFrame], str, str, SegmentOptions]) -> SegmentOutcome:
    """``train_segment`` with BLAS / OpenMP held to one thread (also in this process when it runs in place)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return train_segment(*args)


def _worker_init() -> None:
    for key, value in THREAD_ENV.items():
        os.environ[key] = value


def fit_segments_local(
    parts: Mapping[str, Mapping[str, pd.DataFrame]],
    column: str,
    models_root: str | os.PathLike[str],
    options: SegmentOptions,
    *,
    workers: int = 1,
    progress: Progress | None = None,
) -> list[SegmentOutcome]:
    """Train every segment of ``parts`` (segment → its tables) on this machine: in this process when ``workers`` is
    1, else on a pool of ``workers`` fresh (spawned) processes, each fitting one segment at a time. Outcomes in
    segment order."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    root = str(models_root_path(models_root))
    jobs = [(seg, tables, column, root, options) for seg, tables in parts.items()]
    done: dict[str, SegmentOutcome] = {}
    if workers == 1 or len(jobs) <= 1:
        for i, job in enumerate(jobs):
            if progress:
                progress(f"segment {job[0]} ({i + 1} of {len(jobs)})", i / max(len(jobs), 1))
            done[job[0]] = _one_thread_fit(job)
    else:
        saved = {k: os.environ.get(k) for k in THREAD_ENV}
        os.environ.update(THREAD_ENV)  # inherited by the spawned workers before they import numpy
        try:
            with ProcessPoolExecutor(
                max_workers=min(workers, len(jobs)), mp_context=get_context("spawn"), initializer=_worker_init
            ) as pool:
                futures = {pool.submit(_one_thread_fit, job): job[0] for job in jobs}
                for n, fut in enumerate(as_completed(futures)):
                    seg = futures[fut]
                    try:
                        done[seg] = fut.result()
                    except Exception as exc:  # the worker process died (e.g. out of memory)
                        done[seg] = SegmentOutcome(seg, "failed", error=f"{type(exc).__name__}: {exc}")
                    if progress:
                        progress(f"segment {seg} done ({n + 1} of {len(jobs)})", (n + 1) / len(jobs))
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    return [done[seg] for seg in parts]


def train_segments(
    tables: Mapping[str, pd.DataFrame],
    column: str,
    models_root: str | os.PathLike[str],
    options: SegmentOptions,
    *,
    engine: str = "local",
    workers: int = 1,
    spark_master: str = "local[2]",
    spark: Any = None,
    progress: Progress | None = None,
) -> tuple[list[SegmentOutcome], list[str]]:
    """Fit one model set per value of ``column`` and publish each into its segment's registry under
    ``models_root``. ``engine``: ``local`` (``workers`` processes) or ``spark`` (the session ``spark``, or one
    started on ``spark_master``). Returns the outcomes (segment order) and notes on the tables not used."""
    check_engine(engine)
    primary = "mmm" if options.mmm is not None else "campaign_daily"
    if engine == "spark":
        from models.spark_session import spark_session
        from training.spark_engine import fit_segments_spark

        session = spark if spark is not None else spark_session(spark_master)
        return fit_segments_spark(session, tables, column, models_root, options, primary=primary, progress=progress)
    parts, notes = split_by_segment(tables, column, primary=primary)
    return fit_segments_local(parts, column, models_root, options, workers=workers, progress=progress), notes
