"""Speed of ``advise`` (issue 14 item 6): the CLI including start-up, and ``POST /v1/advise`` with models loaded.

What runs:
- a demo world (seed ``--seed``, default 1) written with ``kpi-advisor demo-data`` and trained with
  ``kpi-advisor train`` into a temporary folder (or ``--data`` / ``--models`` of an existing one);
- (a) CLI: ``kpi-advisor advise --data D --models M -q Q [--lang ru]`` as a fresh subprocess for each of the
  questions below (``--cli-runs`` times each, default 1), after one unmeasured warm-up run that also writes the
  bytecode caches (``PYTHONDONTWRITEBYTECODE`` is removed from the children's environment unless
  ``--no-bytecode-cache``, as in ``benchmarks/startup.py``: a sandbox that sets it and an install without
  compiled bytecode recompile every imported module on every start, which an installed package does not);
  wall seconds per question, median and max;
- (b) HTTP: ``kpi-advisor serve`` on a free port of 127.0.0.1 with the same data and models (result cache off,
  ``KPI_ADVISOR_CACHE_SIZE=0``, so every answer is computed; no LLM: the deterministic narrator), an admin key
  created in its database before it starts (as ``benchmarks/api_load.py``); each question is POSTed to
  ``/v1/advise`` ``--reps`` times (default 5), one request at a time; request time measured on the client
  (loopback, so server time plus well under 1 ms of transport), and the server's CPU seconds per request. The very
  first request is reported apart (it pays the lazy imports of the advise path) and not counted in p50 / p95; the
  ``first`` column is the slowest first ask of a question of each kind (repeats are cheaper where the analyses keep
  per-dataset caches in the process).

The questions cover the kinds of SPEC §5 in English and Russian; the ``kind`` column is this benchmark's label
of the question, not what the service decided (the answer's own ``kind``, when it reports one, is printed in
``--verbose``). Every answer must be HTTP 200 / exit 0 with a non-empty ``answer``.

Bars (issue 14): HTTP warm p50 ≤ 1.5 s and p95 ≤ 3 s overall; CLI ≤ 5 s wall per question (max).
Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/advise_speed.py [--data D --models M] [--reps 5]
[--skip-cli | --skip-http]`` (exit 1 when a bar is missed). Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from api_load import free_port, service_key  # noqa: E402  (benchmarks/api_load.py: port and admin key)

CLI_BAR_S = 5.0
HTTP_P50_BAR_S = 1.5
HTTP_P95_BAR_S = 3.0


@dataclass(frozen=True)
class Ask:
    """One benchmark question: this benchmark's ``kind`` label, the text and its language."""

    kind: str
    text: str
    lang: str


QUESTIONS: tuple[Ask, ...] = (
    Ask("attention", "Which campaigns need attention?", "en"),
    Ask("attention", "Какие кампании требуют внимания?", "ru"),
    Ask("diagnose", "Why did video-02 underperform last month?", "en"),
    Ask("what_if", "What happens to conversions if we cut video by 30%?", "en"),
    Ask("what_if", "Что будет, если сократить видео на 30%?", "ru"),
    Ask("split", "How should we split 150k next month?", "en"),
    Ask("split", "Как распределить 1,5 млн в следующем месяце?", "ru"),
    Ask("trust", "Можно ли верить цифрам площадок?", "ru"),
    Ask("trend", "What is the ROI trend?", "en"),
    Ask("funding", "Is our email channel underfunded?", "en"),
    Ask("segment", "Какая аудитория даёт лучшую конверсию?", "ru"),
    Ask("other", "What is the capital of France?", "en"),
)


def cli_command() -> list[str]:
    exe = Path(sys.executable).with_name("kpi-advisor")
    return [str(exe)] if exe.is_file() else [shutil.which("kpi-advisor") or "kpi-advisor"]


def environment(bytecode_cache: bool) -> dict[str, str]:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "1")}
    env.pop("KPI_ADVISOR_LLM_MODEL", None)  # the deterministic narrator
    if bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def prepare(root: Path, seed: int, env: dict[str, str]) -> tuple[Path, Path]:
    """A demo world of ``seed`` and a registry trained on it, with the CLI (as a user would)."""
    data, models = root / "data", root / "models"
    cli = cli_command()
    for argv in (["demo-data", "--out", str(data), "--seed", str(seed)], ["train", "--data", str(data), "--models", str(models)]):
        done = subprocess.run([*cli, *argv], env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"kpi-advisor {argv[0]} failed: {done.stderr[-800:]}")
    return data, models


def cli_args(ask: Ask, data: Path, models: Path) -> list[str]:
    argv = ["advise", "--data", str(data), "--models", str(models), "-q", ask.text, "--format", "json"]
    return [*argv, "--lang", ask.lang] if ask.lang != "en" else argv


def children_cpu() -> float:
    """CPU seconds (user + system) used so far by the finished child processes."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_cli(ask: Ask, data: Path, models: Path, env: dict[str, str]) -> tuple[float, float, dict[str, Any]]:
    """Wall and CPU seconds of one ``kpi-advisor advise`` (fresh process) and its JSON answer."""
    t0, c0 = time.perf_counter(), children_cpu()
    done = subprocess.run([*cli_command(), *cli_args(ask, data, models)], env=env, capture_output=True, check=False)
    elapsed, cpu = time.perf_counter() - t0, children_cpu() - c0
    if done.returncode != 0:
        raise SystemExit(f"advise {ask.text!r} failed ({done.returncode}): {done.stderr.decode()[-800:]}")
    doc: dict[str, Any] = json.loads(done.stdout)
    if not str(doc.get("answer") or "").strip():
        raise SystemExit(f"advise {ask.text!r}: empty answer")
    return elapsed, cpu, doc


def start_server(data: Path, models: Path, service: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str, str]:
    """``kpi-advisor serve`` (result cache off, no training worker); returns the process, its URL, an admin key."""
    service.mkdir(parents=True, exist_ok=True)
    database_url = f"sqlite:///{service / 'service.db'}"
    key = service_key(database_url)
    port = free_port()
    env = {**env, "KPI_ADVISOR_DATABASE_URL": database_url, "KPI_ADVISOR_WORKSPACES_DIR": str(service),
           "KPI_ADVISOR_WORKER": "false", "KPI_ADVISOR_CACHE_SIZE": "0"}
    cmd = [*cli_command(), "serve", "--data", str(data), "--models", str(models), "--host", "127.0.0.1",
           "--port", str(port), "--log-level", "warning"]
    return subprocess.Popen(cmd, env=env), f"http://127.0.0.1:{port}", key


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 600) -> float:
    """Seconds until ``/readyz`` answers 200 (models loaded)."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with code {proc.returncode}")
        try:
            if httpx.get(url + "/readyz", timeout=5).status_code == 200:
                return time.perf_counter() - t0
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise SystemExit("server not ready in time")


def server_cpu(proc: subprocess.Popen[bytes]) -> float:
    """CPU seconds (user + system) used so far by the server process."""
    import psutil

    t = psutil.Process(proc.pid).cpu_times()
    return float(t.user + t.system)


def post(client: httpx.Client, ask: Ask, proc: subprocess.Popen[bytes]) -> tuple[float, float, dict[str, Any]]:
    """Wall seconds of one ``POST /v1/advise``, the server's CPU seconds for it and the answer."""
    t0, c0 = time.perf_counter(), server_cpu(proc)
    r = client.post("/v1/advise", json={"question": ask.text, "lang": ask.lang})
    elapsed, cpu = time.perf_counter() - t0, server_cpu(proc) - c0
    if r.status_code != 200:
        raise SystemExit(f"POST /v1/advise {ask.text!r}: HTTP {r.status_code} {r.text[:500]}")
    doc: dict[str, Any] = r.json()
    if not str(doc.get("answer") or "").strip():
        raise SystemExit(f"POST /v1/advise {ask.text!r}: empty answer")
    return elapsed, cpu, doc


def quantile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) by linear interpolation between order statistics."""
    xs = sorted(values)
    if len(xs) == 1:
        return xs[0]
    pos = q * (len(xs) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}"


def answer_kind(doc: dict[str, Any]) -> str:
    """The kind the answer reports (``understood.kind``, ``kind``), else the names of the analyses it ran."""
    understood = doc.get("understood")
    kind = (understood.get("kind") if isinstance(understood, dict) else None) or doc.get("kind")
    if kind:
        return str(kind)
    names = [str(a.get("name") or a.get("kind") or "?") for a in doc.get("analyses", []) if isinstance(a, dict)]
    return "+".join(names) or "-"


def bench_cli(asks: Sequence[Ask], data: Path, models: Path, env: dict[str, str], runs: int, verbose: bool) -> bool:
    run_cli(asks[0], data, models, env)  # warm-up: bytecode caches, file system cache
    times: dict[Ask, list[float]] = {a: [] for a in asks}
    cpus: dict[Ask, list[float]] = {a: [] for a in asks}
    for _ in range(runs):
        for ask in asks:
            elapsed, cpu, doc = run_cli(ask, data, models, env)
            times[ask].append(elapsed)
            cpus[ask].append(cpu)
            if verbose:
                print(f"  {elapsed:6.2f} s ({cpu:5.2f} s CPU)  {ask.kind:<10} [{answer_kind(doc)}] {ask.text}", flush=True)
    print(f"\n(a) CLI `kpi-advisor advise` wall time incl. start-up, {runs} run(s) per question (s; CPU = user + system "
          f"of the process, less sensitive to a shared machine); bar {CLI_BAR_S:.1f} s wall")
    print(f"{'kind':<10} {'lang':<4} {'median':>7} {'max':>7} {'CPU':>6}  question")
    for ask in asks:
        print(f"{ask.kind:<10} {ask.lang:<4} {statistics.median(times[ask]):>7.2f} {max(times[ask]):>7.2f} "
              f"{statistics.median(cpus[ask]):>6.2f}  {ask.text}")
    every = [t for ts in times.values() for t in ts]
    every_cpu = [t for ts in cpus.values() for t in ts]
    print(f"{'all':<15} {statistics.median(every):>7.2f} {max(every):>7.2f} {statistics.median(every_cpu):>6.2f}  "
          f"({len(every)} runs)")
    return max(every) <= CLI_BAR_S


def bench_http(
    asks: Sequence[Ask], data: Path, models: Path, service: Path, env: dict[str, str], reps: int, verbose: bool
) -> bool:
    proc, url, key = start_server(data, models, service, env)
    try:
        ready = wait_ready(url, proc)
        by_kind: dict[str, list[float]] = defaultdict(list)
        cpu_by_kind: dict[str, list[float]] = defaultdict(list)
        cold: dict[str, float] = defaultdict(float)  # slowest first ask of a question of the kind
        with httpx.Client(base_url=url, timeout=120, headers={"X-API-Key": key}) as client:
            first, first_cpu, _ = post(client, asks[0], proc)
            for rep in range(reps):
                for ask in asks:
                    elapsed, cpu, doc = post(client, ask, proc)
                    by_kind[ask.kind].append(elapsed)
                    cpu_by_kind[ask.kind].append(cpu)
                    if rep == 0:
                        cold[ask.kind] = max(cold[ask.kind], elapsed)
                    if verbose and rep == 0:
                        print(f"  {elapsed:6.2f} s ({cpu:5.2f} s CPU)  {ask.kind:<10} [{answer_kind(doc)}] {ask.text}",
                              flush=True)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    every = [t for ts in by_kind.values() for t in ts]
    every_cpu = [t for ts in cpu_by_kind.values() for t in ts]
    print(f"\n(b) HTTP POST /v1/advise, models loaded, result cache off, {reps} repetition(s) of {len(asks)} questions "
          f"(s; CPU = the server's user + system per request, median; first = the slowest first ask of a question "
          f"of the kind: in-process caches of the dataset make repeats cheaper); server ready in {ready:.1f} s; very "
          f"first request {first:.2f} s ({first_cpu:.2f} s CPU, not counted)")
    print(f"{'kind':<10} {'n':>3} {'p50':>7} {'p95':>7} {'max':>7} {'CPU':>6} {'first':>7}")
    for kind, ts in by_kind.items():
        print(f"{kind:<10} {len(ts):>3} {quantile(ts, 0.5):>7.2f} {quantile(ts, 0.95):>7.2f} {max(ts):>7.2f} "
              f"{statistics.median(cpu_by_kind[kind]):>6.2f} {cold[kind]:>7.2f}")
    p50, p95 = quantile(every, 0.5), quantile(every, 0.95)
    print(f"{'all':<10} {len(every):>3} {p50:>7.2f} {p95:>7.2f} {max(every):>7.2f} {statistics.median(every_cpu):>6.2f} "
          f"{max(cold.values()):>7.2f}   bars: p50 ≤ {HTTP_P50_BAR_S} s, p95 ≤ {HTTP_P95_BAR_S} s")
    return p50 <= HTTP_P50_BAR_S and p95 <= HTTP_P95_BAR_S


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1, help="Demo world seed (when --data/--models are not given).")
    ap.add_argument("--data", type=Path, default=None, help="An existing data folder (with --models).")
    ap.add_argument("--models", type=Path, default=None, help="An existing trained registry (with --data).")
    ap.add_argument("--cli-runs", type=int, default=1, help="CLI runs per question.")
    ap.add_argument("--reps", type=int, default=5, help="HTTP repetitions of the question set.")
    ap.add_argument("--skip-cli", action="store_true")
    ap.add_argument("--skip-http", action="store_true")
    ap.add_argument("--no-bytecode-cache", action="store_true", help="Keep PYTHONDONTWRITEBYTECODE as it is.")
    ap.add_argument("--verbose", "-v", action="store_true", help="Print each answer's time and kind.")
    args = ap.parse_args()
    if (args.data is None) != (args.models is None):
        ap.error("give both --data and --models, or neither")

    env = environment(not args.no_bytecode_cache)
    print(f"machine: {machine()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="advise-speed-") as tmp:
        root = Path(tmp)
        if args.data is None:
            t0 = time.perf_counter()
            data, models = prepare(root, args.seed, env)
            print(f"demo world seed {args.seed} + training: {time.perf_counter() - t0:.1f} s", flush=True)
        else:
            data, models = args.data.resolve(), args.models.resolve()
        ok = True
        if not args.skip_cli:
            ok &= bench_cli(QUESTIONS, data, models, env, args.cli_runs, args.verbose)
        if not args.skip_http:
            ok &= bench_http(QUESTIONS, data, models, root / "service", env, args.reps, args.verbose)
    print(f"\nload average at the end {os.getloadavg()[0]:.1f} (the machine's {os.cpu_count()} cores may be shared)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
