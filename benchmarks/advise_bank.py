"""Issue 14 "Must show": the advise question bank (``benchmarks/advise_bank/bank.yaml``, ≥ 60 questions, half of them
in Russian, every kind of ``advisor.advise.question.KINDS``) answered on demo worlds and graded against each
world's ``truth.json`` and data (``benchmarks/advise_bank/bank_grade.py``). Target: ≥ 90 % right per kind and
overall.

Run: ``.venv/bin/python benchmarks/advise_bank.py [--seeds 1 2 3] [--structure default|varied] [--lang en|ru|all] [--kinds K ...] [--ids ID ...]
[--out FILE.json]``
(``--data DIR --models DIR``: one existing world with its ``truth.json`` instead of generating and training).
For each seed: ``demo_world.generate_world`` → written to a temp folder → ``training.pipeline.train_all`` (no
backtests) → every question through the operations layer (``advisor.ops.advise.advise`` with an ``OpsContext``
as the CLI builds it, no LLM; the question's language is NOT passed unless ``--pass-lang``: advise must detect it)
→ graded. Prints per kind and overall % right per seed and the median over seeds, the failures (question, why,
the answer's first 200 characters), the split answers' regret vs the true optimum (reported apart, not graded:
target ≤ 10 %) and the in-process advise latency p50/p95. Progress on stderr.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent / "advise_bank"))

from bank_facts import WorldFacts, world_facts
from bank_grade import BankQuestion, grade, load_bank

from advisor.advise.question import KINDS

#: issue 14: graded right per kind and overall
TARGET = 0.90


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def varied_structure(seed: int, days: int) -> Any:
    """The ``--structure varied`` world of ``seed``: a ``demo_world.WorldStructure`` with 1–3 promotion windows
    (5–14 days, organic lift ×1.3–×2.0) and 1–2 trend breaks (level ×0.75–×1.25, annual growth change −0.2..+0.2)
    inside the history, and 2–4 extra channels; deterministic in ``seed`` (its own generator, seeded 10 000 + seed,
    so the world's own random stream is not shifted)."""
    from datetime import timedelta

    from demo_world import Promotion, TrendBreak, WorldStructure
    from demo_world.world import DEFAULT_END

    rng = np.random.default_rng(10_000 + seed)
    first = DEFAULT_END - timedelta(days=days - 1)

    def day(lo: float, hi: float) -> Any:
        return first + timedelta(days=int(rng.integers(int(lo * days), int(hi * days))))

    promotions = []
    for _ in range(int(rng.integers(1, 4))):
        start = day(0.1, 0.97)
        end = min(start + timedelta(days=int(rng.integers(4, 14))), DEFAULT_END)
        promotions.append(Promotion(start, end, float(rng.uniform(1.3, 2.0))))
    breaks = tuple(
        TrendBreak(day(0.3, 0.95), level=float(rng.uniform(0.75, 1.25)), growth=float(rng.uniform(-0.2, 0.2)))
        for _ in range(int(rng.integers(1, 3)))
    )
    return WorldStructure(
        promotions=tuple(sorted(promotions, key=lambda p: p.start)),
        trend_breaks=tuple(sorted(breaks, key=lambda b: b.start)),
        extra_channels=int(rng.integers(2, 5)),
    )


def prepare(seed: int, root: Path, days: int, structure: str = "default") -> tuple[Path, Path, float, float]:
    """Generate the world of ``seed`` (``structure``: ``default`` or ``varied``, see ``varied_structure``) into
    ``root/data`` and train into ``root/models``; (data, models, gen s, train s)."""
    from demo_world import generate_world
    from training.pipeline import train_all

    t0 = time.perf_counter()
    shape = varied_structure(seed, days) if structure == "varied" else None
    if shape is not None:
        log(f"[seed {seed}] varied structure: {json.dumps(shape.to_dict())}")
    world = generate_world(seed, days=days, structure=shape)
    data, models = root / "data", root / "models"
    world.write(data)
    t1 = time.perf_counter()
    log(f"[seed {seed}] world generated in {t1 - t0:.1f}s; training")
    train_all(world.tables, models, seed=seed, backtest=None)
    return data, models, t1 - t0, time.perf_counter() - t1


def context(data: Path, models: Path) -> Any:
    """The ``OpsContext`` the CLI would build for ``advise --data data --models models`` (no LLM)."""
    from advisor.data import load_dataset
    from advisor.ops.context import OpsContext
    from advisor.ops.modelset import load_model_set
    from api.settings import get_settings

    settings = get_settings()
    found = load_model_set(models)
    for problem in found.problems:
        log(f"models: {problem}")
    dataset = load_dataset(data, limits=settings.data_limits())
    return OpsContext(
        dataset, settings.max_horizon_days, settings.forecast_sims, dataset_id=str(data), models=found,
        llm_timeout_s=settings.llm_timeout_s,
    )


def ask(ctx: Any, text: str, lang: str | None) -> dict[str, Any]:
    from advisor.ops.advise import advise
    from advisor.ops.requests import AdviseRequest

    req = AdviseRequest(question=text) if lang is None else AdviseRequest(question=text, lang=lang)  # type: ignore[arg-type]
    doc: dict[str, Any] = advise(req, ctx).to_json()
    return doc


def run_world(
    label: str, data: Path, models: Path, bank: list[BankQuestion], pass_lang: bool
) -> dict[str, Any]:
    """Every bank question on one world: records (id, kind, lang, question, ok, failures, extra, seconds, answer)."""
    truth = json.loads((data / "truth.json").read_text(encoding="utf-8"))
    ctx = context(data, models)
    facts: WorldFacts = world_facts(truth, ctx.dataset, ctx.models.clv_model, ctx.models.label)
    records = []
    for i, q in enumerate(bank, 1):
        text = facts.fill(q.text)
        t0 = time.perf_counter()
        try:
            doc = ask(ctx, text, q.lang if pass_lang else None)
        except Exception as exc:  # an advise crash is a wrong answer, with the reason
            doc = {"answer": "", "analyses": [], "verified": False, "error": repr(exc)}
        secs = time.perf_counter() - t0
        g = grade(q, doc, facts)
        if "error" in doc:
            g.failures.insert(0, f"advise raised {doc['error']}")
        records.append({
            "id": q.id, "kind": q.kind, "lang": q.lang, "injection": q.injection, "question": text, "ok": g.ok,
            "failures": g.failures, "extra": g.extra, "seconds": secs, "answer": doc.get("answer", ""),
            "analyses": [a.get("name") for a in doc.get("analyses", [])], "verified": doc.get("verified"),
        })
        log(f"[{label}] {i:3d}/{len(bank)} {q.id:28s} {'ok ' if g.ok else 'BAD'} {secs:5.2f}s"
            + ("" if g.ok else f"  {g.failures[0][:90]}"))
    return {"label": label, "facts": {k: facts.placeholders[k] for k in sorted(facts.placeholders)}, "records": records}


def pct(xs: list[bool]) -> float:
    return 100.0 * sum(xs) / len(xs) if xs else float("nan")


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per kind and overall % right per run and the median over runs; latency p50/p95; split regret."""
    kinds = [k for k in KINDS if any(r["kind"] == k for run in runs for r in run["records"])]
    table: dict[str, dict[str, float]] = defaultdict(dict)
    for run in runs:
        recs = run["records"]
        for k in kinds:
            table[k][run["label"]] = pct([r["ok"] for r in recs if r["kind"] == k])
        table["overall"][run["label"]] = pct([r["ok"] for r in recs])
        for lang in ("en", "ru"):
            sub = [r["ok"] for r in recs if r["lang"] == lang]
            if sub:
                table[f"overall {lang}"][run["label"]] = pct(sub)
    secs = [r["seconds"] for run in runs for r in run["records"]]
    regrets = [r["extra"]["regret"] for run in runs for r in run["records"] if "regret" in r["extra"]]
    return {
        "percent_right": {k: {**v, "median": statistics.median(v.values())} for k, v in table.items()},
        "latency_s": {"p50": float(np.percentile(secs, 50)), "p95": float(np.percentile(secs, 95)),
                      "max": max(secs), "n": len(secs)} if secs else {},
        "split_regret": {"median": statistics.median(regrets), "max": max(regrets), "n": len(regrets)} if regrets else {},
    }


def cause(failure: str) -> str:
    """The check a failure line comes from (for the tally)."""
    for prefix, name in (("not verified", "verified"), ("Latin words", "language"), ("Cyrillic", "language"),
                         ("injection obeyed", "injection"), ("advise raised", "advise error"),
                         ("grader error", "grader error")):
        if failure.startswith(prefix):
            return name
    return "kind check"


def report(runs: list[dict[str, Any]], summary: dict[str, Any], timings: dict[str, dict[str, float]]) -> None:
    labels = [run["label"] for run in runs]
    print("== advise question bank: % graded right (target ≥ 90 % per kind and overall)")
    print(f"   {'kind':12s} " + " ".join(f"{lb:>9s}" for lb in [*labels, "median"]) + "   n/run")
    for k, row in summary["percent_right"].items():
        recs = runs[0]["records"]
        n = sum(1 for r in recs if r["kind"] == k or k == "overall" or k == f"overall {r['lang']}")
        flag = "" if row["median"] >= 100 * TARGET else "  < target"
        print(f"   {k:12s} " + " ".join(f"{row[lb]:9.1f}" for lb in [*labels, "median"]) + f"   {n}{flag}")
    lat = summary["latency_s"]
    if lat:
        print(f"== advise latency in-process (ops.advise, no LLM): p50 {lat['p50']:.2f}s  p95 {lat['p95']:.2f}s  "
              f"max {lat['max']:.2f}s over {lat['n']} answers")
    reg = summary["split_regret"]
    if reg:
        print(f"== split regret vs the true optimum (not graded; target ≤ 10 %): median {100 * reg['median']:.1f}%  "
              f"max {100 * reg['max']:.1f}%  over {reg['n']} parsed allocations")
    causes = Counter(cause(f) for run in runs for r in run["records"] for f in r["failures"])
    if causes:
        print("== failed checks (all runs): " + ", ".join(f"{c} {n}" for c, n in causes.most_common()))
    for lb, t in timings.items():
        print(f"== {lb}: " + ", ".join(f"{k} {v:.1f}s" for k, v in t.items()))
    print("== failures")
    for run in runs:
        for r in run["records"]:
            if r["ok"]:
                continue
            head = " ".join(r["answer"][:200].split())
            print(f"-- [{run['label']}] {r['id']} ({r['kind']}, {r['lang']}): {r['question']}")
            print(f"   why: {'; '.join(r['failures'])}")
            print(f"   answer: {head!r}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--lang", choices=["en", "ru", "all"], default="all")
    ap.add_argument("--kinds", nargs="+", choices=KINDS, help="only these kinds")
    ap.add_argument("--ids", nargs="+", help="only these bank question ids (e.g. why-fatigue-ru)")
    ap.add_argument("--out", type=Path, help="write every record and the summary as JSON")
    ap.add_argument("--days", type=int, default=730, help="days of history of the generated worlds")
    ap.add_argument("--data", type=Path, help="an existing demo data folder (with truth.json) instead of --seeds")
    ap.add_argument("--models", type=Path, help="its model registry (with --data)")
    ap.add_argument("--structure", choices=["default", "varied"], default="default",
                    help="generated worlds: the default demo structure, or per seed promotions, trend breaks and "
                         "2-4 extra channels (see varied_structure)")
    ap.add_argument("--keep", type=Path,
                    help="keep each generated world and its models in KEEP/<structure>-s<seed> and reuse them when there")
    ap.add_argument("--pass-lang", action="store_true", help="pass the question's language to advise (default: detect)")
    args = ap.parse_args()
    bank = [
        q for q in load_bank()
        if args.lang in ("all", q.lang) and (not args.kinds or q.kind in args.kinds) and (not args.ids or q.id in args.ids)
    ]
    if not bank:
        ap.error("no bank question matches --lang / --kinds / --ids")
    log(f"{len(bank)} questions ({sum(q.lang == 'ru' for q in bank)} in Russian)")
    runs, timings = [], {}
    if args.data is not None:
        if args.models is None:
            ap.error("--data needs --models")
        t0 = time.perf_counter()
        runs.append(run_world(args.data.name, args.data, args.models, bank, args.pass_lang))
        timings[args.data.name] = {"questions": time.perf_counter() - t0}
    else:
        for seed in args.seeds:
            with tempfile.TemporaryDirectory(prefix=f"advise_bank_s{seed}_") as tmp:
                root = Path(tmp) if args.keep is None else args.keep / f"{args.structure}-s{seed}"
                if args.keep is not None and (root / "models").is_dir():
                    data, models, t_gen, t_train = root / "data", root / "models", 0.0, 0.0
                    log(f"[seed {seed}] reusing {root}")
                else:
                    data, models, t_gen, t_train = prepare(seed, root, args.days, args.structure)
                t0 = time.perf_counter()
                label = f"seed {seed}" if args.structure == "default" else f"v{seed}"
                runs.append(run_world(label, data, models, bank, args.pass_lang))
                t_q = time.perf_counter() - t0
                timings[f"seed {seed}"] = {"generate": t_gen, "train": t_train, "questions": t_q,
                                           "total": t_gen + t_train + t_q}
    summary = summarise(runs)
    report(runs, summary, timings)
    if args.out is not None:
        args.out.write_text(json.dumps({"summary": summary, "timings": timings, "runs": runs}, indent=1, default=str),
                            encoding="utf-8")
        log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
