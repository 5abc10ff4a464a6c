"""The response model against a reference Bayesian MMM (PyMC-Marketing) on the same demo worlds and lift tests.

Run: ``make reference-venv`` once, then ``.venv/bin/python benchmarks/mmm_reference.py [--seeds 1 2 3]
[--kpis conversions] [--lift both|none|only] [--saturation logistic hill]``.
For each seed: the national demo world in the ``mmm`` layout (``demo_world.generate_mmm_world``, 156 weeks) and its
lift tests (one four-week test per channel, 10 % s.e.: ``demo_world.mmm_lift_tests``), as ``mmm_demo.py`` builds
them. The response model is trained as ``kpi-advisor train`` does, without backtests (``mmm_score.train_folder``);
PyMC-Marketing's MMM is fitted by ``benchmarks/reference/pymc_fit.py`` in the reference virtualenv (its docstring
says how the model is set up and how a test enters it). Both are scored by the contribution error of
``mmm_demo.py``: the mean over channels of ``|estimated / true − 1|`` of each channel's incremental KPI over the
history. Also printed: the error of the tests themselves (mean over channels of ``|measured / true − 1|`` of the
window), and each fit's seconds. A question this answers: is a miss of the ≤ 10 % target with tests the response
model's, or what a standard Bayesian MMM given the same data and tests also reaches?
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from mmm_score import contribution_error, train_folder

from demo_world import generate_mmm_world, mmm_lift_tests, write_lift_tests

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_PYTHON = ROOT / ".venv-reference" / "bin" / "python"
WORKER = Path(__file__).resolve().parent / "reference" / "pymc_fit.py"


def reference_fit(folder: Path, kpi: str, lift: bool, saturation: str, seed: int, python: Path) -> dict[str, Any]:
    """PyMC-Marketing's estimate per channel (``estimate``) and its ``seconds``, from the worker's JSON line."""
    out = subprocess.run(
        [str(python), str(WORKER), str(folder), kpi, "1" if lift else "0", saturation, str(seed)],
        capture_output=True, text=True, check=False,
    )
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if out.returncode != 0 or not lines:
        raise RuntimeError(f"reference fit failed ({folder.name}, {kpi}, lift={lift}, {saturation}):\n{out.stderr[-2000:]}")
    return dict(json.loads(lines[-1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--kpis", nargs="+", default=["conversions"], choices=("conversions", "revenue"))
    ap.add_argument("--lift", choices=("both", "none", "only"), default="both", help="fits without/with lift tests")
    ap.add_argument("--saturation", nargs="+", default=["logistic"], choices=("logistic", "hill"),
                    help="PyMC-Marketing's saturation curve(s) (logistic is its default)")
    ap.add_argument("--python", type=Path, default=REFERENCE_PYTHON, help="the reference virtualenv's Python")
    args = ap.parse_args()
    if not args.python.exists():
        sys.exit(f"{args.python} not found: run `make reference-venv` first (PyMC-Marketing in its own virtualenv)")
    logging.getLogger("models").setLevel(logging.ERROR)
    logging.getLogger("cmdstanpy").setLevel(logging.ERROR)
    lifts = {"both": (False, True), "none": (False,), "only": (True,)}[args.lift]
    rows: dict[tuple[str, bool], list[dict[str, float]]] = {}
    print("contribution error, % (mean over channels of |estimate / true - 1|); seconds per fit in brackets")
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            world = generate_mmm_world(seed=seed, days=1092, geos=0)
            tests = mmm_lift_tests(world.truth, seed)
            ref = Path(tmp) / f"s{seed}-reference"  # the worker's input, with or without tests
            ref.mkdir()
            world.frame.to_csv(ref / "frame.csv", index=False)
            (ref / "channels.json").write_text(json.dumps(list(world.channels)))
            write_lift_tests(tests, ref / "lift_tests.csv")
            for lift in lifts:
                folder = Path(tmp) / f"s{seed}-{'lift' if lift else 'none'}"
                world.write(folder / "data")
                if lift:
                    write_lift_tests(tests, folder / "data" / "lift_tests.csv")
                ours = train_folder(folder / "data", folder / "models", seed=seed, backtest=False)
                for kpi in args.kpis:
                    truth = {c: v["true_incremental"][kpi] for c, v in world.truth["channels"].items()}
                    r: dict[str, float] = {"ours": contribution_error(ours.contributions(kpi), truth)[0],
                                           "ours_s": ours.seconds}
                    t = tests[tests["kpi"] == kpi]
                    r["tests"] = float(np.mean(np.abs(t["incremental"] / t["true_incremental"] - 1)))
                    for sat in args.saturation:
                        fit = reference_fit(ref, kpi, lift, sat, seed, args.python)
                        r[sat] = contribution_error(fit["estimate"], truth)[0]
                        r[f"{sat}_s"] = float(fit["seconds"])
                    rows.setdefault((kpi, lift), []).append(r)
                    print(
                        f"seed {seed} {kpi:11s} {'with tests' if lift else 'no tests  '}  "
                        f"response model {100 * r['ours']:5.1f} ({r['ours_s']:.0f} s)  "
                        + "  ".join(f"PyMC-Marketing {s} {100 * r[s]:5.1f} ({r[f'{s}_s']:.0f} s)" for s in args.saturation)
                        + (f"  | the tests themselves {100 * r['tests']:5.1f}" if lift else ""),
                        flush=True,
                    )
    print(f"== median over seeds {args.seeds}")
    for (kpi, lift), rs in rows.items():
        med = {k: statistics.median(r[k] for r in rs) for k in rs[0]}
        print(
            f"   {kpi:11s} {'with tests' if lift else 'no tests  '}  response model {100 * med['ours']:5.1f}  "
            + "  ".join(f"PyMC-Marketing {s} {100 * med[s]:5.1f}" for s in args.saturation)
            + (f"  | the tests themselves {100 * med['tests']:5.1f}" if lift else "")
        )


if __name__ == "__main__":
    main()
