"""Soak test of the service: mixed traffic from many clients while a retraining job runs and is activated.

What runs:
- a demo world (``--days``, default 365, seed 7) written to a temporary folder and models trained on it once
  (backtests off); a temporary SQLite service database (``--postgres URL``: a fresh schema on that PostgreSQL
  server) with an admin key of the ``default`` workspace;
- ``kpi-advisor serve`` as a subprocess on a free port of 127.0.0.1, training worker on (the server starts it);
- ``--clients`` (50) asyncio clients (httpx, one connection each) for ``--seconds`` (60), each looping request →
  response → think time U(``--think`` ± 50%, default 2) s over a mix of GET /v1/kpis, GET /v1/scorecard, POST /v1/forecast
  (a fresh random budget split each call, so always computed), POST /v1/diagnose, POST /v1/optimize (few),
  GET /v1/models and GET /v1/jobs;
- before the clock starts, every kpis / diagnose query and the scorecard are asked once (warm-up: a running
  service has them in its result cache; the retrained version misses that cache again, as in production);
- at ``--train-at`` s (5) one more client starts a retraining job (``POST /v1/train``, a new seed, activate on)
  and polls it; the worker trains in its own process while the traffic goes on. When the job is still running at
  ``--seconds``, the traffic goes on until it has ended and 5 s more (the wall time printed says how long).

Reported: requests total and failed (any non-2xx answer or transport error), latency p50/p95/p99 overall and per
route (client side, ms), the training job's duration (queued → succeeded, and the worker's started → finished),
the moment (s since the traffic started) the first forecast/optimize answer came from the new model version and
the last one from the old version, and the resident memory (RSS) of the server process and of the server with its
children (the training worker) before and after the traffic (psutil).

Exit code 1 when a request failed, the job did not succeed or the new version was never served.
Run: ``.venv/bin/python benchmarks/soak.py [--seconds 60] [--clients 50] [--json]``. Only 127.0.0.1 is contacted;
every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from api_load import free_port, prepare  # noqa: E402 - the same demo world and port helper as the load test

MIX = (
    ("kpis", 0.25), ("scorecard", 0.12), ("forecast", 0.2), ("diagnose", 0.15), ("optimize", 0.04),
    ("models", 0.12), ("jobs", 0.12),
)
JOB_TIMEOUT_SECONDS = 900.0
TAIL_SECONDS = 5.0  # traffic goes on this long after the job ended (if --seconds has passed by then)


@dataclass(frozen=True)
class Sample:
    """One request: route kind, start (s since the traffic started), latency (ms), status (0: transport error),
    the model version the answer names (forecast/optimize; else None) and an error text."""

    kind: str
    t: float
    ms: float
    status: int
    version: str | None
    error: str = ""


@dataclass
class Training:
    """The retraining job as the trainer client saw it (times in s since the traffic started)."""

    job_id: str = ""
    status: str = "not started"
    submitted_at: float | None = None
    finished_at: float | None = None
    worker_seconds: float | None = None
    old_version: str | None = None
    new_version: str | None = None
    error: str = ""
    polls: list[str] = field(default_factory=list)


@contextlib.contextmanager
def service_database(root: Path, postgres: str | None) -> Iterator[str]:
    """The service database URL: an SQLite file under ``root``, or with ``postgres`` (a server URL) a fresh schema
    on that server, dropped afterwards."""
    if postgres is None:
        yield f"sqlite:///{root / 'service.db'}"
        return
    from api.store.schemas import temporary_schema

    with temporary_schema(postgres, "soak") as url:
        yield url


def start_server(
    root: Path, data: Path, models: Path, port: int, database_url: str
) -> tuple[subprocess.Popen[bytes], str]:
    """``kpi-advisor serve`` with the worker on, its database ``database_url`` and workspaces under ``root``;
    returns the process and an admin API key of the ``default`` workspace (created before the server starts)."""
    from api.store import Store

    store = Store(database_url)
    store.upgrade()
    _, key = store.create_key("default", "admin", "soak benchmark")
    store.dispose()
    env = {**os.environ, "KPI_ADVISOR_DATABASE_URL": database_url,
           "KPI_ADVISOR_WORKSPACES_DIR": str(root / "workspaces")}
    exe = shutil.which("kpi-advisor") or str(Path(sys.executable).with_name("kpi-advisor"))
    cmd = [exe, "serve", "--data", str(data), "--models", str(models), "--host", "127.0.0.1", "--port", str(port),
           "--worker", "--log-text", "--log-level", "warning"]
    return subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL), key


def wait_ready(url: str, proc: subprocess.Popen[bytes], key: str, timeout: float = 600) -> None:
    """Until the default workspace serves a model (GET /v1/models names an active version)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with code {proc.returncode}")
        try:
            r = httpx.get(url + "/v1/models", headers={"X-API-Key": key}, timeout=5)
            if r.status_code == 200 and any(m["active"] and m["channels"] for m in r.json()["models"]):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit("server not ready in time")


def rss_mb(pid: int) -> tuple[float, float]:
    """(RSS of the process, RSS of the process and all its descendants), MB."""
    proc = psutil.Process(pid)
    own = proc.memory_info().rss
    total = own
    for child in proc.children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):  # a training child that just exited
            total += child.memory_info().rss
    return own / 2**20, total / 2**20


@dataclass(frozen=True)
class Queries:
    """What the clients ask about: kpis params, diagnose bodies, channels, last history date."""

    kpis: list[dict[str, str]]
    diagnose: list[dict[str, str]]
    channels: list[str]
    last: str
    version: str
    spend_28d: float


def queries(url: str, key: str) -> Queries:
    headers = {"X-API-Key": key}
    model = next(m for m in httpx.get(url + "/v1/models", headers=headers, timeout=60).json()["models"] if m["active"])
    last = np.datetime64(model["history"]["end"])
    month_starts = [str(np.datetime64(str(last)[:7]) - np.timedelta64(k, "M")) + "-01" for k in range(3)]
    kpis = [{"by": by, "grain": grain, "start": start, "end": str(last)}
            for by in ("channel", "campaign_id") for grain in ("week", "month") for start in month_starts]
    recent = {"by": "campaign_id", "kpis": "spend", "start": month_starts[1], "end": str(last)}
    rows = httpx.get(url + "/v1/kpis", params=recent, headers=headers, timeout=120).json()["rows"]
    campaigns = sorted(r["campaign_id"] for r in rows if (r["spend"] or 0) > 0)
    diagnose = [{"campaign": c, "start": month_starts[1], "end": str(last)} for c in campaigns]
    recent = {"kpis": "spend", "start": str(last - np.timedelta64(27, "D")), "end": str(last)}
    spend = float(httpx.get(url + "/v1/kpis", params=recent, headers=headers, timeout=120).json()["rows"][0]["spend"])
    return Queries(kpis, diagnose, list(model["channels"]), str(last), str(model["version"]), spend)


def warm_up(url: str, key: str, q: Queries) -> dict[str, float]:
    """Ask every kpis / diagnose query and the scorecard once before the clock starts (the steady state of a
    running service: those answers are in the result cache until the model version changes); returns the slowest
    first call per route (ms)."""
    slowest: dict[str, float] = defaultdict(float)
    calls: list[tuple[str, str, str, dict[str, Any]]] = [("kpis", "GET", "/v1/kpis", {"params": p}) for p in q.kpis]
    calls += [("diagnose", "POST", "/v1/diagnose", {"json": b}) for b in q.diagnose]
    calls.append(("scorecard", "GET", "/v1/scorecard", {}))
    with httpx.Client(base_url=url, timeout=300, headers={"X-API-Key": key}) as c:
        for kind, method, path, kw in calls:
            t = time.perf_counter()
            c.request(method, path, **kw).raise_for_status()
            slowest[kind] = max(slowest[kind], round(1000 * (time.perf_counter() - t), 1))
    return dict(slowest)


def request(kind: str, rng: random.Random, q: Queries) -> tuple[str, str, dict[str, Any]]:
    """(method, path, httpx keyword arguments) of one request of ``kind``."""
    start = np.datetime64(q.last) + np.timedelta64(1, "D")
    if kind == "kpis":
        return "GET", "/v1/kpis", {"params": rng.choice(q.kpis)}
    if kind == "scorecard":
        return "GET", "/v1/scorecard", {}
    if kind == "diagnose":
        return "POST", "/v1/diagnose", {"json": rng.choice(q.diagnose)}
    if kind == "forecast":
        end = start + np.timedelta64(rng.choice((13, 27, 89)), "D")
        spend = {c: round(rng.uniform(2_000, 40_000), 2) for c in q.channels}
        return "POST", "/v1/forecast", {"json": {"start": str(start), "end": str(end), "spend": spend}}
    if kind == "optimize":
        end = start + np.timedelta64(27, "D")
        budget = round(rng.uniform(0.8, 1.2) * q.spend_28d, 0)  # inside the default bounds (±50% of recent)
        return "POST", "/v1/optimize", {"json": {"start": str(start), "end": str(end), "budget": budget}}
    if kind == "models":
        return "GET", "/v1/models", {}
    return "GET", "/v1/jobs", {"params": {"limit": 10}}


def traffic_over(stop_at: float, training: Training, t0: float, tail: float) -> bool:
    """True once ``stop_at`` has passed and the retraining job has ended ``tail`` s ago (or never got queued):
    the traffic outlasts the job, so the switch to the new version is seen under load."""
    now = time.monotonic()
    if now < stop_at:
        return False
    if training.status in ("not started", "queued") and training.submitted_at is not None:
        return now > t0 + JOB_TIMEOUT_SECONDS
    if training.finished_at is None:
        return training.status != "running" or now > t0 + JOB_TIMEOUT_SECONDS
    return now >= t0 + training.finished_at + tail


async def client(idx: int, url: str, key: str, t0: float, stop_at: float, think: float, q: Queries,
                 out: list[Sample], training: Training) -> None:
    rng = random.Random(1000 + idx)
    kinds, weights = [k for k, _ in MIX], [w for _, w in MIX]
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=httpx.Limits(max_connections=1),
                                 headers={"X-API-Key": key}) as c:
        await asyncio.sleep(rng.uniform(0, think))
        while not traffic_over(stop_at, training, t0, TAIL_SECONDS):
            kind = rng.choices(kinds, weights)[0]
            method, path, kw = request(kind, rng, q)
            start = time.monotonic()
            try:
                r = await c.request(method, path, **kw)
            except httpx.HTTPError as exc:
                out.append(Sample(kind, start - t0, 1000 * (time.monotonic() - start), 0, None, repr(exc)))
            else:
                ms = 1000 * (time.monotonic() - start)
                version = None
                if r.status_code == 200 and kind in ("forecast", "optimize"):
                    version = r.json().get("model_version")
                error = "" if 200 <= r.status_code < 300 else r.text[:300]
                out.append(Sample(kind, start - t0, ms, r.status_code, version, error))
            await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))


async def trainer(url: str, key: str, t0: float, train_at: float, q: Queries, training: Training) -> None:
    """Start the retraining job at ``train_at`` s and poll it until it ends (bounded by JOB_TIMEOUT_SECONDS)."""
    training.old_version = q.version
    await asyncio.sleep(max(0.0, t0 + train_at - time.monotonic()))
    async with httpx.AsyncClient(base_url=url, timeout=120, headers={"X-API-Key": key}) as c:
        r = await c.post("/v1/train", json={"seed": 11, "backtest": False, "activate": True})
        training.submitted_at = time.monotonic() - t0
        if r.status_code != 202:
            training.status, training.error = "not queued", f"{r.status_code} {r.text[:300]}"
            return
        training.job_id, training.status = r.json()["id"], "queued"
        deadline = time.monotonic() + JOB_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            job = (await c.get(f"/v1/jobs/{training.job_id}")).json()
            if not training.polls or training.polls[-1] != job["status"]:
                training.polls.append(job["status"])
            if job["status"] == "running":
                training.status = "running"
            if job["status"] in ("succeeded", "failed", "cancelled"):
                training.status = job["status"]
                training.finished_at = time.monotonic() - t0
                training.error = job.get("error") or ""
                training.new_version = (job.get("result") or {}).get("model_version")
                if job.get("started_at") and job.get("finished_at"):
                    started = np.datetime64(job["started_at"].replace("Z", ""))
                    finished = np.datetime64(job["finished_at"].replace("Z", ""))
                    training.worker_seconds = float((finished - started) / np.timedelta64(1, "ms")) / 1000
                return
        training.status = "timed out"


def pct(xs: list[float], q: float) -> float | None:
    return round(float(np.percentile(xs, q)), 1) if xs else None


def summarize(samples: list[Sample], wall: float) -> dict[str, Any]:
    """Counts and latency percentiles overall and per route kind."""
    def stats(xs: list[Sample]) -> dict[str, Any]:
        ms = [s.ms for s in xs]
        failed = [s for s in xs if not 200 <= s.status < 300]
        return {"n": len(xs), "failed": len(failed), "p50_ms": pct(ms, 50), "p95_ms": pct(ms, 95),
                "p99_ms": pct(ms, 99), "max_ms": round(max(ms), 1) if ms else None}

    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        by_kind[s.kind].append(s)
    return {"wall_s": round(wall, 1), "rate_per_s": round(len(samples) / wall, 1) if wall else None,
            "overall": stats(samples), "routes": {k: stats(by_kind[k]) for k, _ in MIX if by_kind[k]}}


def switch_times(samples: list[Sample], training: Training) -> dict[str, float | None]:
    """When the new version started being served (s since the traffic started): the first answer from it (its
    arrival) and the last request still answered from the old one (its start: a request started before the swap
    finishes on the old models)."""
    new = [s.t + s.ms / 1000 for s in samples if training.new_version and s.version == training.new_version]
    old = [s.t for s in samples if s.version == training.old_version]
    return {"first_new_answer_s": round(min(new), 2) if new else None,
            "last_old_request_s": round(max(old), 2) if old else None,
            "answers_from_new_version": len(new), "answers_from_old_version": len(old)}


def phases(samples: list[Sample], training: Training, switch_at: float | None) -> dict[str, dict[str, Any]]:
    """Latency by request start: before the job was queued, while it ran (until the first answer of the new
    version), after the switch (the new version's answers are not cached yet)."""
    queued = training.submitted_at if training.submitted_at is not None else float("inf")
    switched = switch_at if switch_at is not None else float("inf")
    parts = {"before training": [s for s in samples if s.t < queued],
             "training": [s for s in samples if queued <= s.t < switched],
             "after switch": [s for s in samples if s.t >= switched]}
    out = {}
    for name, xs in parts.items():
        ms = [s.ms for s in xs]
        out[name] = {"n": len(xs), "failed": sum(not 200 <= s.status < 300 for s in xs), "p50_ms": pct(ms, 50),
                     "p95_ms": pct(ms, 95), "p99_ms": pct(ms, 99), "max_ms": round(max(ms), 1) if ms else None}
    return out


def print_table(report: dict[str, Any]) -> None:
    s = report["summary"]
    print(f"\n{report['clients']} clients, {s['wall_s']} s of traffic, think {report['think_s']} s ±50%: "
          f"{s['overall']['n']} requests ({s['rate_per_s']}/s), failed {s['overall']['failed']}")
    print(f"{'route / phase':<16}{'n':>7}{'failed':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for name, row in [*s["routes"].items(), ("ALL", s["overall"]), *report["phases"].items()]:
        cells = {k: "-" if row[k] is None else row[k] for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms")}
        print(f"{name:<16}{row['n']:>7}{row['failed']:>8}{cells['p50_ms']:>9}{cells['p95_ms']:>9}{cells['p99_ms']:>9}"
              f"{cells['max_ms']:>9}")
    t, sw, m = report["training"], report["switch"], report["memory_mb"]
    print(f"training job {t['job_id']}: {t['status']} ({' → '.join(t['polls'])}); queued at {t['submitted_at']} s, "
          f"done at {t['finished_at']} s; worker time {t['worker_seconds']} s; {t['old_version']} → {t['new_version']}")
    print(f"new version first served at {sw['first_new_answer_s']} s ({sw['answers_from_new_version']} answers), "
          f"last request answered by the old version started at {sw['last_old_request_s']} s ({sw['answers_from_old_version']} answers)")
    print(f"RSS MB: server {m['server_before']} → {m['server_after']}; server + children (worker) "
          f"{m['tree_before']} → {m['tree_after']}")
    for e in report["errors"][:5]:
        print(f"  error: {e}")


def run(args: argparse.Namespace) -> dict[str, Any]:
    with contextlib.ExitStack() as stack:
        root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="soak-")))
        t = time.perf_counter()
        data, models = prepare(root, args.days)
        log(args, f"world {args.days} days + training: {time.perf_counter() - t:.1f} s")
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        database = stack.enter_context(service_database(root, args.postgres))
        proc, key = start_server(root, data, models, port, database)
        try:
            t = time.perf_counter()
            wait_ready(url, proc, key)
            log(args, f"server ready in {time.perf_counter() - t:.1f} s")
            q = queries(url, key)
            t = time.perf_counter()
            cold = warm_up(url, key, q)
            log(args, f"warm-up {time.perf_counter() - t:.1f} s, slowest first call per route (ms): {cold}")
            before = rss_mb(proc.pid)
            samples: list[Sample] = []
            training = Training()

            async def traffic() -> float:
                t0 = time.monotonic()
                stop_at = t0 + args.seconds
                train = asyncio.create_task(trainer(url, key, t0, args.train_at, q, training))
                await asyncio.gather(*(client(i, url, key, t0, stop_at, args.think, q, samples, training)
                                       for i in range(args.clients)))
                wall = time.monotonic() - t0
                await train
                return wall

            wall = asyncio.run(traffic())
            after = rss_mb(proc.pid)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
    return {
        "clients": args.clients, "seconds": args.seconds, "think_s": args.think, "days": args.days,
        "summary": summarize(samples, wall), "warm_up_slowest_ms": cold,
        "phases": phases(samples, training, switch_times(samples, training)["first_new_answer_s"]), "training": asdict(training), "switch": switch_times(samples, training),
        "memory_mb": {"server_before": round(before[0]), "server_after": round(after[0]),
                      "tree_before": round(before[1]), "tree_after": round(after[1])},
        "errors": [f"{s.kind} {s.status} {s.error}" for s in samples if not 200 <= s.status < 300][:20],
        "cpus": os.cpu_count(), "database": "postgresql" if args.postgres else "sqlite",
    }


def log(args: argparse.Namespace, text: str) -> None:
    print(text, file=sys.stderr if args.json else sys.stdout, flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--seconds", type=float, default=60, help="traffic duration (s)")
    ap.add_argument("--clients", type=int, default=50, help="concurrent clients")
    ap.add_argument("--think", type=float, default=2.0, help="mean think time between a client's requests (s)")
    ap.add_argument("--train-at", type=float, default=5, help="start the retraining job this many s into the traffic")
    ap.add_argument("--days", type=int, default=365, help="days of the demo world")
    ap.add_argument("--json", action="store_true", help="print one JSON document instead of the table")
    ap.add_argument(
        "--postgres", metavar="URL", default=None,
        help="service database on this PostgreSQL server (a fresh schema, dropped after), e.g. "
        "postgresql+psycopg://postgres@127.0.0.1:5432/test (default: an SQLite file)",
    )
    args = ap.parse_args()
    report = run(args)
    ok = (report["summary"]["overall"]["failed"] == 0 and report["training"]["status"] == "succeeded"
          and report["switch"]["first_new_answer_s"] is not None)
    report["ok"] = ok
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)
        print("OK" if ok else "FAILED: a request failed, the job did not succeed or the new version was never served")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
