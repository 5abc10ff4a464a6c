"""Load test of the HTTP API: 20 concurrent clients for 30 s on a mix of kpis / forecast / diagnose.

What runs:
- a demo world (``--days``, default 365, seed 7) written to a temporary folder, models trained on it (backtests
  off), and ``kpi-advisor serve`` started as a subprocess on a free port of 127.0.0.1 (driver models fitted at
  start-up, so diagnose runs with SHAP drivers as in production);
- 20 asyncio clients (httpx, one connection each), each looping request → response → think time
  U(``--think`` ± 50%) seconds, for ``--seconds`` (30): 40% ``GET /v1/kpis``, 40% ``POST /v1/forecast``,
  20% ``POST /v1/diagnose``;
- kpis and diagnose draw from a fixed set of dashboard-like queries (channel / campaign / week / month views of
  the last 1-3 months; every campaign over the last 1-2 months); forecasts draw a fresh random budget split on
  every call, so they are computed each time (1000 simulated paths);
- a warm-up pass sends each kpis / diagnose query once before the clock starts (the service keeps finished
  results in its result cache, keyed by data fingerprint, model version and request); the cold (first-call)
  latencies are printed too.
- ``--no-cache`` starts the server with the result cache off (``KPI_ADVISOR_CACHE_SIZE=0``) and makes every kpis /
  diagnose query distinct (a random start date in the last 3 months), so every request is computed; ``--both``
  runs the cached and then the uncached phase against the same trained models and prints both tables.

Bars: 0 errors; p95 ≤ 100 ms for forecast and kpis, ≤ 300 ms for diagnose (measured on the client).
Run: ``.venv/bin/python benchmarks/api_load.py [--think 0] [--no-cache | --both]`` (exit 1 when a bar is missed). Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BARS_MS = {"kpis": 100.0, "forecast": 100.0, "diagnose": 300.0}
MIX = (("kpis", 0.4), ("forecast", 0.4), ("diagnose", 0.2))


def prepare(root: Path, days: int) -> tuple[Path, Path]:
    """Demo data folder and a trained registry under ``root``."""
    from advisor.data import load_dataset
    from demo_world import generate_world
    from training.pipeline import train_all

    data, models = root / "data", root / "models"
    data.mkdir()
    generate_world(seed=7, days=days).write(data)
    ds = load_dataset(data)
    train_all(ds.tables, models, fingerprint=ds.fingerprint, backtest=None)
    return data, models


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def service_key(database_url: str) -> str:
    """An admin key of the ``default`` workspace in the server's database (created before the server starts)."""
    from api.store import Store

    store = Store(database_url)
    store.upgrade()
    _, token = store.create_key("default", "admin", "api_load benchmark")
    store.dispose()
    return token


def start_server(
    data: Path, models: Path, service: Path, port: int, cache: bool = True, workers: int = 1
) -> tuple[subprocess.Popen[bytes], str]:
    """``kpi-advisor serve`` (one process, no training worker); with ``workers`` > 1, uvicorn's ``--factory
    api.server:create_app --workers N`` with the same settings from the environment (each worker loads the
    dataset and models). Its service database and workspaces live under ``service``; returns the process and an
    admin API key."""
    database_url = f"sqlite:///{service / 'service.db'}"
    env = {**os.environ, "KPI_ADVISOR_DATABASE_URL": database_url, "KPI_ADVISOR_WORKSPACES_DIR": str(service),
           "KPI_ADVISOR_WORKER": "false"}
    service.mkdir(parents=True, exist_ok=True)
    key = service_key(database_url)
    if not cache:
        env["KPI_ADVISOR_CACHE_SIZE"] = "0"
    if workers > 1:
        env.update(KPI_ADVISOR_DATA_DIR=str(data), KPI_ADVISOR_MODELS_DIR=str(models))
        cmd = [sys.executable, "-m", "uvicorn", "--factory", "api.server:create_app", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--log-level", "warning"]
        return subprocess.Popen(cmd, env=env, cwd=ROOT), key
    exe = shutil.which("kpi-advisor") or str(Path(sys.executable).with_name("kpi-advisor"))
    cmd = [exe, "serve", "--data", str(data), "--models", str(models), "--host", "127.0.0.1", "--port", str(port),
           "--log-level", "warning"]
    return subprocess.Popen(cmd, env=env), key


def server_cpu(proc: subprocess.Popen[bytes]) -> float:
    """CPU seconds (user + system) used so far by the server process and its children (uvicorn workers)."""
    import psutil

    try:
        root = psutil.Process(proc.pid)
        total = 0.0
        for p in [root, *root.children(recursive=True)]:
            t = p.cpu_times()
            total += t.user + t.system
        return total
    except psutil.Error:
        return float("nan")


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 600) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with code {proc.returncode}")
        try:
            r = httpx.get(url + "/readyz", timeout=5)
            if r.status_code == 200:
                body: dict[str, Any] = r.json()
                return body
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit("server not ready in time")


def queries(
    url: str, key: str, client: httpx.Client | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str], str]:
    """kpis params, diagnose bodies, channels and the last history date, from the served models and data
    (``client``: ask it instead of ``url``, e.g. an in-process test client; ``url`` is then a path prefix)."""
    headers = {"X-API-Key": key}

    def get(path: str, **kw: Any) -> httpx.Response:
        return client.get(path, **kw) if client is not None else httpx.get(path, timeout=120, **kw)

    model = next(m for m in get(url + "/v1/models", headers=headers).json()["models"] if m["active"])
    last = np.datetime64(model["history"]["end"])
    month_starts = [str(np.datetime64(str(last)[:7]) - np.timedelta64(k, "M")) + "-01" for k in range(3)]
    kpis = [
        {"by": by, "grain": grain, "start": start, "end": str(last)}
        for by in ("channel", "campaign_id", "channel,audience")
        for grain in ("week", "month", None)
        for start in month_starts
    ]
    kpis = [{k: v for k, v in q.items() if v is not None} for q in kpis]
    recent = {"by": "campaign_id", "kpis": "spend", "start": month_starts[1], "end": str(last)}
    rows = get(url + "/v1/kpis", params=recent, headers=headers).json()["rows"]
    campaigns = sorted(r["campaign_id"] for r in rows if (r["spend"] or 0) > 0)  # running in the last 2 months
    diagnose = [
        {"campaign": c, "start": start, "end": str(last)} for c in campaigns for start in month_starts[1:]
    ]
    return kpis, diagnose, list(model["channels"]), str(last)


def distinct(q: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """``q`` with its start moved 0-29 days earlier, at random (cold mode: requests rarely repeat; an earlier
    start keeps a diagnosed campaign inside the period)."""
    start = np.datetime64(q["start"]) - np.timedelta64(rng.randrange(30), "D")
    return {**q, "start": str(start)}


def request(
    kind: str, rng: random.Random, kpis: list[Any], diag: list[Any], chans: list[str], last: str, cold: bool = False
) -> tuple[str, str, dict[str, Any]]:
    if kind == "kpis":
        q = rng.choice(kpis)
        return "GET", "/v1/kpis", {"params": distinct(q, rng) if cold else q}
    if kind == "diagnose":
        q = rng.choice(diag)
        return "POST", "/v1/diagnose", {"json": distinct(q, rng) if cold else q}
    start = np.datetime64(last) + np.timedelta64(1, "D")
    end = start + np.timedelta64(rng.choice((13, 27, 89)), "D")
    spend = {c: round(rng.uniform(2_000, 40_000), 2) for c in chans}
    return "POST", "/v1/forecast", {"json": {"start": str(start), "end": str(end), "spend": spend}}


async def client(
    idx: int, url: str, stop_at: float, think: float, lat: dict[str, list[float]], errs: dict[str, list[str]],
    data: tuple[Any, ...], key: str,
) -> None:
    rng = random.Random(1000 + idx)
    kinds, weights = [k for k, _ in MIX], [w for _, w in MIX]
    async with httpx.AsyncClient(
        base_url=url, timeout=60, limits=httpx.Limits(max_connections=1), headers={"X-API-Key": key}
    ) as c:
        await asyncio.sleep(rng.uniform(0, think))
        while time.monotonic() < stop_at:
            kind = rng.choices(kinds, weights)[0]
            method, path, kw = request(kind, rng, *data)
            t0 = time.perf_counter()
            try:
                r = await c.request(method, path, **kw)
                ms = 1000 * (time.perf_counter() - t0)
                if r.status_code != 200:
                    errs[kind].append(f"{r.status_code} {r.text[:200]}")
                lat[kind].append(ms)
                if kind == "forecast":
                    days = int((np.datetime64(kw["json"]["end"]) - np.datetime64(kw["json"]["start"])) // np.timedelta64(1, "D")) + 1
                    lat[f"forecast {days} d"].append(ms)
            except httpx.HTTPError as exc:
                errs[kind].append(repr(exc))
            await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))


def warm_up(url: str, key: str, kpis: list[Any], diag: list[Any]) -> dict[str, list[float]]:
    cold: dict[str, list[float]] = defaultdict(list)
    with httpx.Client(base_url=url, timeout=300, headers={"X-API-Key": key}) as c:
        for kind, items in (("kpis", kpis), ("diagnose", diag)):
            for q in items:
                t0 = time.perf_counter()
                r = c.get("/v1/kpis", params=q) if kind == "kpis" else c.post("/v1/diagnose", json=q)
                r.raise_for_status()
                cold[kind].append(1000 * (time.perf_counter() - t0))
    return cold


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(xs, q)) if xs else float("nan")


def phase(root: Path, data: Path, models: Path, args: argparse.Namespace, cache: bool) -> bool:
    """Start a server (result cache on or off), load it, print the table; True when every bar is met."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc, key = start_server(data, models, root / f"service-{port}", port, cache=cache, workers=args.workers)
    try:
        t0 = time.perf_counter()
        ready = wait_ready(url, proc)
        print(f"server ready in {time.perf_counter() - t0:.1f} s: {ready}", flush=True)
        kpis, diag, chans, last = queries(url, key)
        cold = warm_up(url, key, kpis, diag)
        lat: dict[str, list[float]] = defaultdict(list)
        errs: dict[str, list[str]] = defaultdict(list)

        async def run() -> None:
            stop_at = time.monotonic() + args.seconds
            await asyncio.gather(
                *(client(i, url, stop_at, args.think, lat, errs, (kpis, diag, chans, last, not cache), key)
                  for i in range(args.clients))
            )

        cpu0 = server_cpu(proc)
        t0 = time.perf_counter()
        asyncio.run(run())
        wall = time.perf_counter() - t0
        cpu = server_cpu(proc) - cpu0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()

    total = sum(len(lat[k]) for k, _ in MIX)
    mode = "result cache ON (kpis/diagnose repeat warmed queries)" if cache else "result cache OFF, distinct queries"
    print(f"\n[{mode}; {args.workers} worker(s)] {args.clients} clients, {wall:.1f} s, think {args.think} s ±50%: {total} requests "
          f"({total / wall:.1f}/s), errors {sum(len(v) for v in errs.values())}")
    print(f"server CPU during the load: {cpu:.1f} s ({100 * cpu / wall:.0f}% of one core, "
          f"{1000 * cpu / max(total, 1):.1f} ms per request; all server processes)")
    print(f"{'kind':<10}{'n':>6}{'err':>5}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'bar':>7}"
          f"{'cold p50':>10}{'cold max':>10}  verdict")
    ok = True
    for kind, _ in MIX:
        xs, bar = lat[kind], BARS_MS[kind]
        p95 = pct(xs, 95)
        good = bool(xs) and not errs[kind] and p95 <= bar
        ok &= good
        c = cold.get(kind, [])
        print(f"{kind:<10}{len(xs):>6}{len(errs[kind]):>5}{pct(xs, 50):>9.1f}{p95:>9.1f}{pct(xs, 99):>9.1f}"
              f"{max(xs, default=float('nan')):>9.1f}{bar:>7.0f}{pct(c, 50):>10.1f}{max(c, default=float('nan')):>10.1f}"
              f"  {'PASS' if good else 'FAIL'}")
        for e in errs[kind][:3]:
            print(f"  error: {e}")
    for key in sorted(k for k in lat if k.startswith("forecast ")):
        xs = lat[key]
        print(f"  {key:<14}{len(xs):>6}  p50 {pct(xs, 50):.1f}  p95 {pct(xs, 95):.1f} ms")
    print("cold = first call of each kpis/diagnose query during warm-up (not in the percentiles); "
          "forecasts are never repeated, so every forecast above is computed", flush=True)
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--think", type=float, default=1.0, help="mean think time between a client's requests (s)")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--workers", type=int, default=1, help="server processes (>1: uvicorn --workers)")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--no-cache", action="store_true", help="result cache off and distinct queries (all computed)")
    mode.add_argument("--both", action="store_true", help="a cached phase, then an uncached one")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="api-load-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        data, models = prepare(root, args.days)
        print(f"world {args.days} days + training: {time.perf_counter() - t0:.1f} s", flush=True)
        phases = (True, False) if args.both else ((False,) if args.no_cache else (True,))
        ok = True
        for cache in phases:
            ok &= phase(root, data, models, args, cache)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
