"""Start-up time of the CLI: ``kpi-advisor --help`` and ``kpi-advisor kpis --data DEMO`` (wall clock, median).

What runs: each command ``--runs`` times (default 7) as a fresh subprocess, after one unmeasured warm-up run that
also writes the bytecode caches (``PYTHONDONTWRITEBYTECODE`` is removed from the children's environment unless
``--no-bytecode-cache``: a sandbox that sets it recompiles pandas on every start, which is not what an installed
package does). The demo data folder is ``--data`` (default: a demo world written once to a temporary folder with
``kpi-advisor demo-data --seed 7``). ``--compare PATH`` measures another checkout too (its ``.venv/bin/kpi-advisor``,
else its ``.venv/bin/python`` or this interpreter importing ``api.cli`` from it), in the same run, interleaved with this one, so that
both see the same machine load; the table shows both and the ratio.

Bars (issue 12): ``--help`` ≤ 0.5 s, ``kpis`` on the demo data ≤ 2 s (exit 1 when the current tree misses one).
Run: ``.venv/bin/python benchmarks/startup.py [--runs 7] [--data data/demo] [--compare /work/main]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BARS = {"help": 0.5, "kpis": 2.0}


def command(checkout: Path) -> list[str]:
    """How to run the CLI of ``checkout``: its installed entry point, else an interpreter (its own, else this one)
    importing ``api.cli`` from the checkout (run with the checkout as working directory)."""
    script = checkout / ".venv" / "bin" / "kpi-advisor"
    if script.is_file():
        return [str(script)]
    python = checkout / ".venv" / "bin" / "python"
    return [str(python if python.is_file() else sys.executable), "-c", "from api.cli import app; app()"]


def environment(bytecode_cache: bool) -> dict[str, str]:
    env = dict(os.environ)
    if bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Wall seconds of one run (stdout discarded); raises when the command fails."""
    t0 = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return elapsed


def demo_folder(cli: list[str], env: dict[str, str]) -> Path:
    out = Path(tempfile.mkdtemp(prefix="startup-demo-"))
    subprocess.run([*cli, "demo-data", "--out", str(out), "--seed", "7"], env=env, check=True, capture_output=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="Measured runs per command (median reported).")
    parser.add_argument("--data", type=Path, default=None, help="Demo data folder (default: generate one).")
    parser.add_argument("--compare", type=Path, default=None, help="Another checkout to measure in the same run.")
    parser.add_argument("--no-bytecode-cache", action="store_true", help="Keep PYTHONDONTWRITEBYTECODE as it is.")
    args = parser.parse_args()

    env = environment(not args.no_bytecode_cache)
    trees = {"current": REPO}
    if args.compare is not None:
        trees["compare"] = args.compare.resolve()
    clis = {name: command(path) for name, path in trees.items()}
    data = args.data.resolve() if args.data is not None else demo_folder(clis["current"], env)
    cases = {"help": ["--help"], "kpis": ["kpis", "--data", str(data)]}
    times: dict[tuple[str, str], list[float]] = {(t, c): [] for t in trees for c in cases}
    for tree, cli in clis.items():  # warm-up: bytecode caches, file system cache
        for case in cases.values():
            timed([*cli, *case], trees[tree], env)
    for _ in range(args.runs):
        for case, argv in cases.items():
            for tree, cli in clis.items():  # interleaved: both trees see the same load
                times[(tree, case)].append(timed([*cli, *argv], trees[tree], env))

    print(f"CLI start-up, median of {args.runs} runs (s), data {data}, load average {os.getloadavg()[0]:.1f}")
    header = f"{'command':<8} {'bar':>6} " + " ".join(f"{t:>10}" for t in trees)
    print(header + (f" {'ratio':>7}" if len(trees) > 1 else ""))
    missed = False
    for case in cases:
        med = {t: statistics.median(times[(t, case)]) for t in trees}
        line = f"{case:<8} {BARS[case]:>6.2f} " + " ".join(f"{med[t]:>10.2f}" for t in trees)
        if len(trees) > 1:
            line += f" {med['compare'] / med['current']:>6.1f}x"
        print(line)
        missed |= med["current"] > BARS[case]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
