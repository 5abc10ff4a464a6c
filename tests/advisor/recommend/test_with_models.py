"""Budget moves and advise's planning analyses with a fitted response bundle (synthetic world)."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.advise import advise
from advisor.data import Dataset
from advisor.diagnostics import bundle_returns
from advisor.recommend import RecommendContext, load_actions, recommend
from models.response import ResponseBundle, ResponseSpec
from models.response.synthetic import synthetic_world
from training.response import fit_bundle, prepare_history

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fitted() -> tuple[ResponseBundle, Dataset]:
    w = synthetic_world(seed=5, days=400)
    hist, ch, camp, freq = prepare_history(w.tables)
    bundle = fit_bundle(hist, ch, camp, freq, ResponseSpec(country=None, n_starts=1))
    return bundle, Dataset.from_frames(**w.tables)


def test_move_budget_impact_from_the_response_curves(fitted: tuple[ResponseBundle, Dataset], tmp_path: Path) -> None:
    bundle, _ = fitted
    returns = bundle_returns(bundle)
    assert {r.scope["channel"] for r in returns} == set(bundle.context.channels)
    assert all(r.evidence["source"] == "response_model" for r in returns)
    roi = {r.scope["channel"]: r.evidence["marginal_roi"] for r in returns}
    lo, hi = min(roi, key=roi.__getitem__), max(roi, key=roi.__getitem__)
    # thresholds between the lowest and highest marginal ROI of this world, via a user catalog
    cut_lo, cut_hi = roi[lo] + 1e-3, roi[hi] - 1e-3
    user = tmp_path / "actions.yaml"
    user.write_text(
        "actions:\n  - id: move_budget\n"
        f'    when: {{check: marginal_return, where: "marginal_roi < {cut_lo}"}}\n'
        f'    pair: {{check: marginal_return, where: "marginal_roi > {cut_hi}"}}\n'
        "    impact: {method: reallocate, share: 0.2}\n"
        '    text: "Move {amount:,.0f} from {scope} to {pair_scope}"\n',
        encoding="utf-8",
    )
    recs = recommend(returns, RecommendContext(bundle=bundle, catalog=load_actions(user)))
    moves = [r for r in recs if r.id == "move_budget"]
    assert len(moves) == 1
    m = moves[0]
    assert m.scope == {"channel": lo} and m.evidence["to_channel"] == hi
    assert m.impact_source == "response_model"
    assert m.expected_impact is not None and m.expected_impact > 0
    assert m.evidence["amount"] == pytest.approx(0.2 * bundle.context.run_rate[lo] * 28, rel=0.05)


def test_advise_forecast_and_optimize_with_models(fitted: tuple[ResponseBundle, Dataset]) -> None:
    bundle, ds = fitted
    r = advise("What if we spend 60k next month?", dataset=ds, bundle=bundle)
    fc = next(a for a in r.analyses if a.name == "forecast")
    assert "error" not in fc.result and fc.result["total"]["revenue"]["mean"] > 0
    assert sum(fc.params["spend"].values()) == pytest.approx(60000.0)
    assert r.verified and r.kind == "forecast" and "60,000" in r.answer
    o = advise("What is the best split of our budget next month?", dataset=ds, bundle=bundle, lang="ru")
    opt = next(a for a in o.analyses if a.name == "split")
    assert "error" not in opt.result and {c["channel"] for c in opt.result["channels"]} == set(bundle.context.channels)
    assert o.verified and o.answer.startswith("Распределите")
    for ch in bundle.context.channels:  # the allocation channel by channel, in the answer
        assert f"«{ch}»" in o.answer
