"""Abuse test of a live server on 127.0.0.1 (issue 17): what an attacker or a clumsy user sends, and whether the
server stays bounded in memory, answers every request with a 4xx (never a 5xx or a dropped connection it did not
choose), and keeps serving KPI tables meanwhile.

What runs (``kpi-advisor serve`` as a subprocess, as ``benchmarks/api_load.py`` starts it, training worker off):

1. ``tokens``: 300 requests with ``X-API-Key: kpia_<1 MB hex>`` (the server must refuse them before any cache:
   431 from the app or 400 from uvicorn's bounded h11 header buffer);
2. ``bomb``: a zstd Parquet of ``--bomb-rows`` (5M) identical campaign rows, ~200 KB on the wire (must be 413
   ``max_decompressed_bytes``/``max_rows`` before it is materialised: needs the limits of ``advisor.data``);
3. ``wide``: a CSV of 12,000 columns (413 ``max_columns``, early);
4. ``million``: 1M valid campaign rows as Parquet (201, validated in seconds);
5. ``concurrent``: 20 uploads of the demo campaign table at once while 20 clients read KPI tables
   (``GET /v1/kpis``, the dashboard queries of api_load) for the whole phase.

Measured: peak RSS of the server (psutil, process and children, sampled every 0.1 s) per phase and overall, answer
times per phase, status counts, 5xx count (must be 0), KPI p95 during the concurrent phase (target <= 300 ms) and
before any abuse (baseline). Prints one JSON document at the end; exit 1 when a bar is missed.

Run: ``.venv/bin/python benchmarks/abuse.py [--bomb-rows 5000000] [--million 1000000] [--days 240]``.
Only 127.0.0.1 is contacted. The server runs with the default limits unless ``KPI_ADVISOR_*`` variables are set.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import api_load  # noqa: E402  (benchmarks/api_load.py: world, server start, dashboard queries)

KPI_P95_BAR_MS = 300.0
TOKEN_REFUSALS = ("431", "400", "ReadError", "RemoteProtocolError", "WriteError")
"""A 1 MB header is refused by the app (431) or by uvicorn's bounded h11 buffer (400, or the connection closed
while the client still sends: the client sees a read/write error)."""


class RssSampler:
    """Peak resident memory (bytes) of a process and its children, sampled in a thread every ``every`` seconds;
    ``mark()`` starts a new phase peak."""

    def __init__(self, pid: int, every: float = 0.1) -> None:
        import psutil

        self.proc = psutil.Process(pid)
        self.every = every
        self.peak = self.phase_peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss(self) -> int:
        import psutil

        try:
            return int(sum(p.memory_info().rss for p in [self.proc, *self.proc.children(recursive=True)]))
        except psutil.Error:
            return 0

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            now = self.rss()
            self.peak = max(self.peak, now)
            self.phase_peak = max(self.phase_peak, now)

    def start(self) -> RssSampler:
        self._thread.start()
        return self

    def mark(self) -> int:
        """The peak since the last mark (bytes); starts a new phase."""
        peak, self.phase_peak = max(self.phase_peak, self.rss()), self.rss()
        return peak

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)


def campaign_frame(rows: int, seed: int = 0, identical: bool = False) -> Any:
    """A valid ``campaign_daily`` table of ``rows`` rows (campaigns x days), or ``rows`` copies of one row."""
    import pandas as pd

    if identical:
        one = {"date": "2025-01-01", "campaign_id": "c-1", "channel": "search", "spend": 100.0,
               "impressions": 1000, "clicks": 10, "conversions": 1.0, "revenue": 150.0}
        return pd.DataFrame({k: np.full(rows, v) for k, v in one.items()})
    campaigns = max(1, rows // 1000)
    days = -(-rows // campaigns)
    rng = np.random.default_rng(seed)
    date = np.repeat(pd.date_range("2020-01-01", periods=days, freq="D").strftime("%Y-%m-%d").to_numpy(), campaigns)
    cid = np.tile(np.array([f"c-{i:04d}" for i in range(campaigns)]), days)
    channel = np.tile(np.array(["search", "social", "display", "video", "email"])[np.arange(campaigns) % 5], days)
    impressions = rng.integers(1_000, 50_000, size=date.size)
    clicks = (impressions * rng.uniform(0.005, 0.03, size=date.size)).astype(np.int64)
    conversions = np.floor(clicks * rng.uniform(0.01, 0.1, size=date.size))
    spend = np.round(rng.uniform(50, 2_000, size=date.size), 2)
    revenue = np.round(conversions * rng.uniform(20, 200, size=date.size), 2)
    frame = pd.DataFrame({"date": date, "campaign_id": cid, "channel": channel, "spend": spend,
                          "impressions": impressions, "clicks": clicks, "conversions": conversions,
                          "revenue": revenue})
    return frame.iloc[:rows]


def parquet_bytes(frame: Any) -> bytes:
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False, compression="zstd")
    return buf.getvalue()


def wide_csv(columns: int, rows: int = 3) -> bytes:
    base = ["date", "campaign_id", "channel", "spend", "impressions", "clicks", "conversions", "revenue"]
    header = base + [f"extra_{i}" for i in range(columns - len(base))]
    line = ["2025-01-01", "c-1", "search", "1", "10", "1", "0", "0"] + ["1"] * (columns - len(base))
    return ("\n".join([",".join(header)] + [",".join(line)] * rows) + "\n").encode()


def upload(client: httpx.Client, name: str, content: bytes, dataset_id: str) -> tuple[int, float, str]:
    t0 = time.perf_counter()
    try:
        r = client.post("/v1/datasets", files=[("files", (name, content))], data={"dataset_id": dataset_id})
        body = r.json() if r.headers.get("content-type", "").endswith("json") else {}
        return r.status_code, time.perf_counter() - t0, str(body.get("rule") or body.get("type") or "")
    except httpx.HTTPError as exc:
        return -1, time.perf_counter() - t0, type(exc).__name__


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(xs, q)) if xs else float("nan")


async def kpi_readers(url: str, key: str, kpis: list[dict[str, Any]], stop: asyncio.Event, n: int,
                      lat: list[float], statuses: Counter[int]) -> None:
    async def reader(i: int) -> None:
        rng = random.Random(i)
        async with httpx.AsyncClient(base_url=url, timeout=120, headers={"X-API-Key": key}) as c:
            while not stop.is_set():
                t0 = time.perf_counter()
                try:
                    r = await c.get("/v1/kpis", params=rng.choice(kpis))
                    statuses[r.status_code] += 1
                    lat.append(1000 * (time.perf_counter() - t0))
                except httpx.HTTPError:
                    statuses[-1] += 1
                await asyncio.sleep(rng.uniform(0.1, 0.5))

    await asyncio.gather(*(reader(i) for i in range(n)))


async def concurrent_phase(url: str, key: str, kpis: list[dict[str, Any]], table: bytes, uploads: int,
                           readers: int) -> dict[str, Any]:
    stop = asyncio.Event()
    lat: list[float] = []
    statuses: Counter[int] = Counter()

    async def one_upload(i: int) -> tuple[int, float]:
        async with httpx.AsyncClient(base_url=url, timeout=600, headers={"X-API-Key": key}) as c:
            t0 = time.perf_counter()
            try:
                r = await c.post("/v1/datasets", files=[("files", ("campaign_daily.csv", table))],
                                 data={"dataset_id": f"concurrent-{i:02d}"})
                return r.status_code, time.perf_counter() - t0
            except httpx.HTTPError:
                return -1, time.perf_counter() - t0

    reading = asyncio.create_task(kpi_readers(url, key, kpis, stop, readers, lat, statuses))
    await asyncio.sleep(1.0)  # readers running before the uploads start
    results = await asyncio.gather(*(one_upload(i) for i in range(uploads)))
    await asyncio.sleep(1.0)
    stop.set()
    await reading
    return {
        "uploads": dict(Counter(str(s) for s, _ in results)),
        "upload_seconds_max": round(max(t for _, t in results), 2),
        "kpi_requests": len(lat), "kpi_statuses": {str(k): v for k, v in statuses.items()},
        "kpi_p50_ms": round(pct(lat, 50), 1), "kpi_p95_ms": round(pct(lat, 95), 1),
    }


async def baseline(url: str, key: str, kpis: list[dict[str, Any]], readers: int, seconds: float) -> dict[str, Any]:
    stop = asyncio.Event()
    lat: list[float] = []
    statuses: Counter[int] = Counter()
    task = asyncio.create_task(kpi_readers(url, key, kpis, stop, readers, lat, statuses))
    await asyncio.sleep(seconds)
    stop.set()
    await task
    return {"kpi_requests": len(lat), "kpi_p50_ms": round(pct(lat, 50), 1), "kpi_p95_ms": round(pct(lat, 95), 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--days", type=int, default=240, help="days of the demo world the server serves")
    ap.add_argument("--tokens", type=int, default=300)
    ap.add_argument("--bomb-rows", type=int, default=5_000_000)
    ap.add_argument("--wide-columns", type=int, default=12_000)
    ap.add_argument("--million", type=int, default=1_000_000)
    ap.add_argument("--uploads", type=int, default=20)
    ap.add_argument("--readers", type=int, default=20)
    args = ap.parse_args()

    report: dict[str, Any] = {"machine": "shared (numbers vary with other load)"}
    with tempfile.TemporaryDirectory(prefix="abuse-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        data, models = api_load.prepare(root, args.days)
        report["prepare_s"] = round(time.perf_counter() - t0, 1)
        port = api_load.free_port()
        url = f"http://127.0.0.1:{port}"
        proc, key = api_load.start_server(data, models, root / "service", port)
        sampler = None
        fivexx = 0
        try:
            api_load.wait_ready(url, proc)
            sampler = RssSampler(proc.pid).start()
            report["rss_ready_mb"] = round(sampler.rss() / 2**20)
            kpis, _, _, _ = api_load.queries(url, key)
            report["baseline"] = asyncio.run(baseline(url, key, kpis, args.readers, 10.0))
            sampler.mark()

            statuses: Counter[str] = Counter()
            rss_before = sampler.rss()
            t0 = time.perf_counter()
            token = "kpia_" + "ab" * 500_000
            with httpx.Client(base_url=url, timeout=60) as c:
                for _ in range(args.tokens):
                    try:
                        statuses[str(c.get("/v1/kpis", headers={"X-API-Key": token}).status_code)] += 1
                    except httpx.HTTPError as exc:
                        statuses[type(exc).__name__] += 1
            report["tokens"] = {"statuses": dict(statuses), "seconds": round(time.perf_counter() - t0, 1),
                                "peak_rss_mb": round(sampler.mark() / 2**20),
                                "rss_growth_mb": round((sampler.rss() - rss_before) / 2**20, 1)}

            bomb = parquet_bytes(campaign_frame(args.bomb_rows, identical=True))
            wide = wide_csv(args.wide_columns)
            million = parquet_bytes(campaign_frame(args.million, seed=1))
            table = (data / "campaign_daily.csv").read_bytes()
            with httpx.Client(base_url=url, timeout=900, headers={"X-API-Key": key}) as c:
                for name, file_name, content in (("bomb", "campaign_daily.parquet", bomb),
                                                 ("wide", "campaign_daily.csv", wide),
                                                 ("million", "campaign_daily.parquet", million)):
                    status, seconds, rule = upload(c, file_name, content, f"abuse-{name}")
                    report[name] = {"bytes": len(content), "status": status, "rule": rule,
                                    "seconds": round(seconds, 2), "peak_rss_mb": round(sampler.mark() / 2**20)}
                    fivexx += status >= 500
            conc = asyncio.run(concurrent_phase(url, key, kpis, table, args.uploads, args.readers))
            conc["peak_rss_mb"] = round(sampler.mark() / 2**20)
            report["concurrent"] = conc
            fivexx += sum(v for k, v in conc["uploads"].items() if k.isdigit() and int(k) >= 500)
            fivexx += sum(v for k, v in conc["kpi_statuses"].items() if int(k) >= 500)
            report["alive_after"] = httpx.get(url + "/healthz", timeout=10).status_code == 200
        finally:
            if sampler is not None:
                sampler.stop()
                report["peak_rss_mb"] = round(sampler.peak / 2**20)
            proc.terminate()
            try:
                proc.wait(timeout=60)
                report["exit_code"] = proc.returncode
            except Exception:
                proc.kill()
                report["exit_code"] = "killed after 60 s"
    report["server_errors_5xx"] = fivexx
    bars = {
        "no 5xx": fivexx == 0,
        "kpi p95 during abuse <= 300 ms": report.get("concurrent", {}).get("kpi_p95_ms", 1e9) <= KPI_P95_BAR_MS,
        "tokens refused": all(k in TOKEN_REFUSALS for k in report.get("tokens", {}).get("statuses", {"x": 1})),
        "tokens add <= 50 MB": report.get("tokens", {}).get("rss_growth_mb", 1e9) <= 50,
        "bomb refused (413)": report.get("bomb", {}).get("status") == 413,
        "wide refused (413)": report.get("wide", {}).get("status") == 413,
        "million accepted (201)": report.get("million", {}).get("status") == 201,
        "server alive": bool(report.get("alive_after")),
    }
    report["bars"] = bars
    print(json.dumps(report, indent=2))
    return 0 if all(bars.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
