"""Per-request CPU of the uncached kpis / forecast / diagnose paths, in process, on ``api_load.py``'s query mix.

What runs: the same demo world as ``benchmarks/api_load.py`` (``--days``, default 365, seed 7; models trained with
backtests off; or an existing ``--root`` holding ``data/`` and ``models/`` from an earlier run), the service state
loaded in this process with the result cache off (``cache_size=0``), and for each kind ``--n`` requests drawn as in
``api_load.py --no-cache`` (kpis and diagnose: a random start in the last 3 months, so every request is computed;
forecasts: a random budget split, 1000 simulated paths), after api_load's warm-up pass (each base kpis / diagnose
query once, untimed). Each request is timed twice, one after the other:

- ``service``: the service function alone (``api.http.services.kpis`` / ``forecast`` / ``diagnose``);
- ``http``: the whole route through the ASGI app in process (``fastapi.testclient``: key check, validation of the
  response model, JSON encoding, access log, metrics; the audit write of diagnose) — no network.

Prints p50 / p95 / mean wall-clock ms and p50 / p95 process CPU ms per kind and path. ``--profile KIND`` runs the service calls of that kind under cProfile
and prints the top functions by cumulative time (``--profile-http`` profiles the route instead).

Run: ``.venv/bin/python benchmarks/profile_requests.py [--n 60] [--root DIR] [--profile kpis]``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import api_load  # noqa: E402  (the load test's world, queries and request mix)

KINDS = ("kpis", "forecast", "diagnose")


def world(root: Path, days: int) -> tuple[Path, Path]:
    """``root``'s data and models folders, prepared as ``api_load.py`` does when absent."""
    data, models = root / "data", root / "models"
    if not (data.exists() and models.exists()):
        t0 = time.perf_counter()
        data, models = api_load.prepare(root, days)
        print(f"world {days} days + training: {time.perf_counter() - t0:.1f} s", flush=True)
    return data, models


def service_call(ws: Any, kind: str, method: str, kw: dict[str, Any]) -> dict[str, Any]:
    """The service behind ``api_load``'s request, called as the route calls it."""
    from api.http import schemas, services
    from api.http.routers.analytics import _split

    if kind == "kpis":
        p = kw["params"]
        req = schemas.KpisRequest(by=_split([p["by"]]), grain=p.get("grain"), start=p.get("start"), end=p.get("end"))
        return services.kpis(ws, req)
    if kind == "diagnose":
        return services.diagnose(ws, schemas.DiagnoseRequest(**kw["json"]))
    return services.forecast(ws, schemas.ForecastRequest(**kw["json"]))


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(xs, q)) if xs else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--n", type=int, default=60, help="requests per kind")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--root", type=Path, default=None, help="folder with data/ and models/ (made when absent)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--profile", choices=KINDS, default=None, help="cProfile this kind's calls")
    ap.add_argument("--profile-http", action="store_true", help="with --profile: profile the route, not the service")
    ap.add_argument("--top", type=int, default=45)
    args = ap.parse_args()

    from fastapi.testclient import TestClient

    from api.server import create_app
    from api.settings import Settings

    with tempfile.TemporaryDirectory(prefix="profile-requests-") as tmp:
        root = args.root or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        data, models = world(root, args.days)
        service = Path(tmp) / "service"
        service.mkdir()
        database_url = f"sqlite:///{service / 'service.db'}"
        key = api_load.service_key(database_url)
        settings = Settings(
            data_dir=data, models_dir=models, database_url=database_url, workspaces_dir=service, worker=False,
            cache_size=0, log_level="WARNING",
        )
        app = create_app(settings, mcp=False)
        with TestClient(app, headers={"X-API-Key": key}) as client:
            ws = app.state.advisor.workspace("default")
            kpis, diag, chans, last = api_load.queries("", key, client=client)
            rng = random.Random(args.seed)
            reqs = {kind: [api_load.request(kind, rng, kpis, diag, chans, last, cold=True) for _ in range(args.n)]
                    for kind in KINDS}
            for kind in KINDS:  # one of each first: lazy imports and first-call work are not timed
                _, path, kw = reqs[kind][0]
                service_call(ws, kind, "", kw)
            for q in kpis:  # api_load's warm-up pass: each base kpis / diagnose query once
                service_call(ws, "kpis", "GET", {"params": q})
            for q in diag:
                service_call(ws, "diagnose", "POST", {"json": q})

            if args.profile:
                prof = cProfile.Profile()
                for method, path, kw in reqs[args.profile]:
                    if args.profile_http:
                        prof.runcall(client.request, method, path, **kw)
                    else:
                        prof.runcall(service_call, ws, args.profile, method, kw)
                out = io.StringIO()
                pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(args.top)
                print(out.getvalue())
                return 0

            times: dict[tuple[str, str], list[float]] = {}
            cpus: dict[tuple[str, str], list[float]] = {}
            for kind in KINDS:
                for method, path, kw in reqs[kind]:
                    t0, c0 = time.perf_counter(), time.process_time()
                    service_call(ws, kind, method, kw)
                    t1, c1 = time.perf_counter(), time.process_time()
                    r = client.request(method, path, **kw)
                    t2, c2 = time.perf_counter(), time.process_time()
                    r.raise_for_status()
                    for path_name, wall, cpu in (("service", t1 - t0, c1 - c0), ("http", t2 - t1, c2 - c1)):
                        times.setdefault((kind, path_name), []).append(1000 * wall)
                        cpus.setdefault((kind, path_name), []).append(1000 * cpu)

    print(f"{args.n} uncached requests per kind (api_load --no-cache mix), in process, one at a time")
    print(f"{'kind':<10}{'path':<9}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}{'cpu p50':>9}{'cpu p95':>9}")
    for (kind, path), xs in times.items():
        cs = cpus[(kind, path)]
        print(f"{kind:<10}{path:<9}{pct(xs, 50):>9.1f}{pct(xs, 95):>9.1f}{float(np.mean(xs)):>9.1f}"
              f"{pct(cs, 50):>9.1f}{pct(cs, 95):>9.1f}")
    print("ms of wall clock; cpu = process CPU time (all threads) over the same call")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
