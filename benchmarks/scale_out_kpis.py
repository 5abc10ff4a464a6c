"""Benchmark (issue 16): KPIs by channel × month over a 100-million-row Parquet folder, Spark local vs pandas.

Three sub-commands:

* ``generate --rows N --out DIR``: writes ``DIR/campaign_daily/part-00000.parquet ...`` (a folder of part files,
  as Spark writes it, plus ``_SUCCESS``) in 1-million-row chunks with pyarrow — never one pandas frame. Rows are
  campaign-days of the contract (date, campaign_id, channel, spend, impressions, clicks, conversions, revenue,
  engagements, new_customers): ``N / 1000`` campaigns × 1,000 days from 2023-01-01, 8 channels; clicks ≤
  impressions and new_customers ≤ conversions so that the pandas path's validation passes.
* ``time --engine local|spark --data DIR``: runs ``kpi-advisor kpis --engine ENGINE --data DIR --by channel
  --grain month --format json`` as a child process and prints its wall time and its peak memory: the largest
  sum of resident set sizes over the child's process tree (Python driver, Spark's JVM and its Python workers),
  read from ``/proc`` every 0.2 s.
* ``run --out ROOT``: generates 10M and 100M rows (Spark) and 10M, 20M, 40M ... rows (pandas) under ROOT, times
  each and prints the table; pandas stops at the first size whose projected peak would not fit in 80 % of RAM.

Columns: wall time; CPU seconds of the whole process tree (user + system, from /proc — on a shared machine the
more stable figure, and the one to size a cluster with: rows per CPU-second per core); peak memory (tree RSS);
throughput per wall second and per CPU second; the rows of the KPI table (8 channels × 33 months = 264).

Run (takes minutes; writes ~4 GB per 100M rows under /work/tmp, never into the repository)::

    nice -n 10 .venv/bin/python benchmarks/scale_out_kpis.py run --out /work/tmp/scale_kpis
    nice -n 10 .venv/bin/python benchmarks/scale_out_kpis.py generate --rows 100000000 --out /work/tmp/scale_kpis/r100m
    nice -n 10 .venv/bin/python benchmarks/scale_out_kpis.py time --engine spark --data /work/tmp/scale_kpis/r100m
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

DAYS = 1000
CHUNK_ROWS = 1_000_000
CHANNELS = ("search", "social", "display", "video", "email", "affiliate", "tv", "audio")
START = np.datetime64("2023-01-01", "D")


def generate(rows: int, out: Path, seed: int = 16) -> Path:
    """Write ``rows`` campaign-days (``rows // DAYS`` campaigns × ``DAYS`` days) as ``out/campaign_daily/``
    part files of about 1M rows; returns the folder. Seeded per chunk: the same rows for the same arguments."""
    campaigns = max(1, rows // DAYS)
    folder = out / "campaign_daily"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("part-*.parquet"):
        old.unlink()
    ids = pa.array([f"c{c:06d}" for c in range(campaigns)], pa.string())
    channel_of = pa.array([CHANNELS[c % len(CHANNELS)] for c in range(campaigns)], pa.string())
    days_per_chunk = max(1, CHUNK_ROWS // campaigns)
    written = 0
    for part, day0 in enumerate(range(0, DAYS, days_per_chunk)):
        days = min(days_per_chunk, DAYS - day0)
        n = days * campaigns
        rng = np.random.default_rng([seed, part])
        camp = np.tile(np.arange(campaigns), days)
        day = np.repeat(np.arange(day0, day0 + days), campaigns)
        impressions = rng.poisson(4000, n)
        clicks = rng.binomial(impressions, 0.02)
        conversions = rng.binomial(clicks, 0.05)
        table = pa.table(
            {
                "date": pa.array((START + day.astype("timedelta64[D]")), pa.date32()),
                "campaign_id": ids.take(pa.array(camp)),
                "channel": channel_of.take(pa.array(camp)),
                "spend": (rng.gamma(2.0, 40.0, n) * (1 + (camp % len(CHANNELS)) / 10)).round(2),
                "impressions": impressions,
                "clicks": clicks,
                "conversions": conversions.astype(np.float64),
                "revenue": (conversions * rng.gamma(3.0, 30.0, n)).round(2),
                "engagements": rng.binomial(impressions, 0.01),
                "new_customers": rng.binomial(conversions, 0.6),
            }
        )
        pq.write_table(table, folder / f"part-{part:05d}.parquet", compression="snappy")
        written += n
    (folder / "_SUCCESS").write_text("")
    print(f"wrote {written:,} rows ({campaigns:,} campaigns × {DAYS} days) to {folder}", flush=True)
    return folder


# ------------------------------------------------------------------------------------------------ measuring


def _tree_rss(root: int, cpu: dict[int, float] | None = None) -> int:
    """Bytes: the resident set sizes of ``root`` and all its descendants, from /proc. ``cpu``: updated with
    each process's CPU seconds so far (user + system, by pid)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, ()))
        if cpu is not None:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                cpu[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            except (OSError, IndexError, ValueError):
                pass
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            continue
    return total


@dataclass(frozen=True)
class Run:
    engine: str
    rows: int
    seconds: float
    peak_bytes: int
    cpu_seconds: float
    ok: bool
    output_rows: int
    error: str = ""
    doc: dict[str, Any] | None = field(default=None, repr=False, compare=False)


def time_kpis(engine: str, data: Path, rows: int, extra_env: dict[str, str] | None = None) -> Run:
    """Wall time and peak tree RSS of ``kpi-advisor kpis --engine ENGINE --data DATA --by channel --grain month``."""
    cli = Path(sys.executable).with_name("kpi-advisor")
    cmd = [str(cli), "kpis", "--engine", engine, "--data", str(data), "--by", "channel", "--grain", "month",
           "--format", "json"]  # fmt: skip
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", **(extra_env or {})}
    peak = 0
    cpu: dict[int, float] = {}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    done = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid, cpu))
            done.wait(0.2)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - t0
    done.set()
    watcher.join()
    used = sum(cpu.values())
    if proc.returncode != 0:
        return Run(engine, rows, seconds, peak, used, False, 0, err.decode(errors="replace").strip()[-400:])
    doc = json.loads(out)
    return Run(engine, rows, seconds, peak, used, True, len(doc["rows"]), doc=doc)


def max_relative_difference(a: Any, b: Any) -> float:
    """Largest relative difference between the numbers of two JSON documents of the same shape (inf when the
    shapes, texts or nulls differ)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return math.inf
        return max((max_relative_difference(a[k], b[k]) for k in a if k != "dataset"), default=0.0)
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return math.inf
        return max((max_relative_difference(x, y) for x, y in zip(a, b, strict=True)), default=0.0)
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return 0.0 if a == b else abs(a - b) / max(abs(a), abs(b))
    return 0.0 if a == b else math.inf


def _fmt(run: Run) -> str:
    gib = run.peak_bytes / 1024**3
    per_s = run.rows / run.seconds if run.ok else 0.0
    per_cpu = run.rows / run.cpu_seconds if run.ok and run.cpu_seconds else 0.0
    status = "ok" if run.ok else f"FAILED: {run.error.splitlines()[-1] if run.error else ''}"
    return (f"| {run.engine:<6} | {run.rows / 1e6:>6.0f}M | {run.seconds:>8.1f} | {run.cpu_seconds:>7.0f} | "
            f"{gib:>8.2f} | {per_s / 1e6:>8.2f} | {per_cpu / 1e6:>9.2f} | {run.output_rows:>5} | {status} |")  # fmt: skip


HEADER = ("| engine | rows    | wall (s) | CPU (s) | peak GiB | M rows/s | M rows/CPU-s | out   | status |\n"
          "|--------|---------|----------|---------|----------|----------|--------------|-------|--------|")  # fmt: skip


def _ram_bytes() -> int:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no MemTotal in /proc/meminfo")


def run_all(root: Path, spark_sizes: list[int], pandas_sizes: list[int]) -> list[Run]:
    """Spark over each of ``spark_sizes``, then pandas over growing sizes while the projected peak fits 80 % of
    RAM (the peak grows linearly with the rows: the whole table is in memory)."""
    runs: list[Run] = []
    for size in spark_sizes:
        folder = root / f"r{size // 1_000_000}m"
        if not (folder / "campaign_daily" / "_SUCCESS").exists():
            generate(size, folder)
        run = time_kpis("spark", folder, size)
        runs.append(run)
        print(_fmt(run), flush=True)
    budget = 0.8 * _ram_bytes()
    limits = {"KPI_ADVISOR_MAX_ROWS": str(10**10), "KPI_ADVISOR_MAX_DECOMPRESSED_BYTES": str(2**50)}
    for size in pandas_sizes:
        if runs[-1].engine == "local":
            last = runs[-1]
            projected = last.peak_bytes * size / last.rows
            if not last.ok or projected > budget:
                print(f"pandas stops before {size:,} rows: projected peak {projected / 1024**3:.1f} GiB "
                      f"> {budget / 1024**3:.1f} GiB (80 % of RAM)", flush=True)  # fmt: skip
                break
        folder = root / f"r{size // 1_000_000}m"
        if not (folder / "campaign_daily" / "_SUCCESS").exists():
            generate(size, folder)
        run = time_kpis("local", folder, size, limits)
        runs.append(run)
        print(_fmt(run), flush=True)
    return runs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--rows", type=int, default=100_000_000)
    g.add_argument("--out", type=Path, required=True)
    t = sub.add_parser("time")
    t.add_argument("--engine", choices=("local", "spark"), required=True)
    t.add_argument("--data", type=Path, required=True)
    t.add_argument("--rows", type=int, default=0, help="rows of the data (for the throughput column)")
    r = sub.add_parser("run")
    r.add_argument("--out", type=Path, required=True)
    r.add_argument("--spark-sizes", default="10000000,100000000")
    r.add_argument("--pandas-sizes", default="10000000,20000000,40000000,60000000,80000000")
    args = parser.parse_args(argv)
    if args.cmd == "generate":
        generate(args.rows, args.out)
        return
    if args.cmd == "time":
        limits = {"KPI_ADVISOR_MAX_ROWS": str(10**10), "KPI_ADVISOR_MAX_DECOMPRESSED_BYTES": str(2**50)}
        run = time_kpis(args.engine, args.data, args.rows, limits if args.engine == "local" else None)
        print(HEADER)
        print(_fmt(run))
        return
    print(f"machine: {os.cpu_count()} cores, {_ram_bytes() / 1024**3:.1f} GiB RAM", flush=True)
    print(HEADER, flush=True)
    runs = run_all(args.out, [int(s) for s in args.spark_sizes.split(",") if s],
                   [int(s) for s in args.pandas_sizes.split(",") if s])  # fmt: skip
    print("\n" + HEADER)
    for run in runs:
        print(_fmt(run))
    for spark_run in (r for r in runs if r.engine == "spark" and r.doc is not None):
        for local_run in (r for r in runs if r.engine == "local" and r.rows == spark_run.rows and r.doc is not None):
            diff = max_relative_difference(local_run.doc, spark_run.doc)
            print(f"same KPI table at {spark_run.rows:,} rows: {'yes' if diff <= 1e-9 else 'NO'} "
                  f"(largest relative difference {diff:.1e})")  # fmt: skip


if __name__ == "__main__":
    main()
