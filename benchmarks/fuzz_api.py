"""schemathesis over the whole API of a live server on 127.0.0.1 (issue 17, "Must show"): every phase (examples,
coverage, fuzzing, stateful), every check, with an admin key of the ``default`` workspace that stays valid for the
whole run.

What runs: ``kpi-advisor serve`` on a demo world with trained models, started as ``benchmarks/api_load.py`` starts
it (training worker off, so ``POST /v1/train`` only queues jobs), then ``schemathesis run`` (its CLI, from this
venv) on the server's ``/openapi.json``. The only exclusion is the revocation of the key in use: the hooks in
``benchmarks/fuzz_hooks.py`` send a ``DELETE /v1/keys/{key_id}`` aimed at it to an unknown id instead; the route
stays in the run for every other id (keys the stateful phase creates included).

Measured: cases run per phase and per status, server errors (5xx, with the request as a curl command), check
failures per check (schema violations among them), wall time, and the server's peak RSS (psutil, sampled every
0.1 s). Prints one JSON document at the end; exit 1 when any 5xx was answered.

Run: ``.venv/bin/python benchmarks/fuzz_api.py [--max-examples 50] [--max-time 600] [--days 120] [--seed 1]``.
schemathesis' own report (JSON, and its console output) is kept under ``--out`` (default: a temporary folder).
Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import abuse  # noqa: E402  (benchmarks/abuse.py: RssSampler)
import api_load  # noqa: E402  (benchmarks/api_load.py: world, server start)

PHASES = "examples,coverage,fuzzing,stateful"


def key_id(token: str) -> str:
    """The id part of an API key ``kpia_<id>_<secret>``."""
    return token.split("_", 2)[1]


def schemathesis_cmd(url: str, key: str, args: argparse.Namespace, report: Path) -> list[str]:
    exe = str(Path(sys.executable).with_name("schemathesis"))
    return [exe, "run", f"{url}/openapi.json", "--phases", PHASES, "--checks", "all",
            "-H", f"X-API-Key: {key}", "--max-examples", str(args.max_examples), "--max-time", str(args.max_time),
            "--seed", str(args.seed), "--workers", "1", "--request-timeout", "120", "--no-shrink",
            "--continue-on-failure", "--suppress-health-check", "all", "--report", "json",
            "--report-json-path", str(report)]


def tally(call_log: Path) -> dict[str, Any]:
    """Calls per phase and status, the 5xx calls, and the count of protected-key rewrites, from the hook's log."""
    per_phase: dict[str, Counter[int]] = defaultdict(Counter)
    server_errors: list[dict[str, Any]] = []
    rewrites = 0
    if call_log.exists():
        for line in call_log.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            if rec.get("protected_key_rewrite"):
                rewrites += 1
                continue
            per_phase[rec["phase"]][rec["status"]] += 1
            if rec["status"] >= 500:
                server_errors.append(rec)
    return {"calls_per_phase": {p: sum(c.values()) for p, c in per_phase.items()},
            "status_per_phase": {p: dict(sorted(c.items())) for p, c in per_phase.items()},
            "server_errors": server_errors, "protected_key_rewrites": rewrites}


def check_failures(report: Path) -> dict[str, int]:
    """Failing test cases per check (``code title``) in schemathesis' JSON report (empty when absent)."""
    if not report.exists():
        return {}
    failures = json.loads(report.read_text(encoding="utf-8")).get("failures", [])
    return {f"{f['code']} {f['title']}": int(f["count"]) for f in failures}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--days", type=int, default=120, help="days of the demo world the server serves")
    ap.add_argument("--max-examples", type=int, default=50, help="cases per operation and phase (schemathesis)")
    ap.add_argument("--max-time", type=int, default=600, help="time budget of the schemathesis run (s)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, help="folder for schemathesis' report, its console output and the call log")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="kpi-fuzz-") as tmp:
        root = Path(tmp)
        out = args.out or root / "out"
        out.mkdir(parents=True, exist_ok=True)
        data, models = api_load.prepare(root, args.days)
        port = api_load.free_port()
        url = f"http://127.0.0.1:{port}"
        proc, key = api_load.start_server(data, models, root / "service", port)
        sampler = abuse.RssSampler(proc.pid).start()
        call_log, report = out / "calls.jsonl", out / "schemathesis.json"
        call_log.unlink(missing_ok=True)
        try:
            api_load.wait_ready(url, proc)
            env = {**os.environ, "SCHEMATHESIS_HOOKS": "fuzz_hooks", "FUZZ_CALL_LOG": str(call_log),
                   "FUZZ_PROTECTED_KEY_ID": key_id(key),
                   "PYTHONPATH": os.pathsep.join([str(BENCH), os.environ.get("PYTHONPATH", "")])}
            t0 = time.monotonic()
            with open(out / "schemathesis.txt", "w", encoding="utf-8") as console:
                st = subprocess.run(schemathesis_cmd(url, key, args, report), env=env, cwd=out, stdout=console,
                                    stderr=subprocess.STDOUT, check=False)
            wall = time.monotonic() - t0
            alive = proc.poll() is None
            import httpx

            still_valid = httpx.get(url + "/v1/keys", headers={"X-API-Key": key}, timeout=30).status_code == 200
        finally:
            sampler.stop()
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        result = {"schemathesis_exit_code": st.returncode, "wall_s": round(wall, 1),
                  "server_peak_rss_mb": round(sampler.peak / 2**20, 1), "server_alive_after": alive,
                  "admin_key_valid_after": still_valid, **tally(call_log),
                  "check_failures": check_failures(report), "out": str(out),
                  "args": {k: str(v) for k, v in vars(args).items()}}
        result["server_errors_5xx"] = len(result["server_errors"])
        print(json.dumps(result, indent=2))
        return 1 if result["server_errors_5xx"] or not alive or not still_valid else 0


if __name__ == "__main__":
    sys.exit(main())
