"""``customers`` kind: CLV:CAC / CAC by channel, satisfaction and retention, with actions that follow the lines."""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

import pytest

from advisor.advise.kinds.base import Answer, Env
from advisor.advise.kinds.customers import handle
from advisor.advise.question import Lang, Question
from advisor.core.thresholds import CLV_CAC_TARGET

answers = sys.modules["kpi_advise_answers"]
latin_words, rendered, assert_verified = answers.latin_words, answers.rendered, answers.assert_verified


def ask(env: Env, lang: Lang = "en", **kw: Any) -> Answer:
    return handle(Question(text="What is our CLV:CAC?", kind="customers", lang=lang, **kw), env)


def test_clv_cac_lead_names_the_channels_below_the_target(targets_env: Env) -> None:
    ans = ask(targets_env)
    clv = ans.analyses[0].result
    targets = targets_env.dataset.targets.targets if targets_env.dataset.targets is not None else ()
    target = next((t.target for t in targets if t.kpi == "clv_cac" and not t.scope), CLV_CAC_TARGET)
    assert clv["threshold"] == pytest.approx(target)
    rows = sorted((r for r in clv["rows"] if r["clv_cac"] is not None), key=lambda r: r["clv_cac"])
    below = [r["channel"] for r in rows if r["clv_cac"] < target]
    lead = ans.lines[0]
    if below:
        assert lead.startswith("CLV:CAC is below") and f"{len(below)} of {len(rows)} channels" in lead
        positions = [lead.index(f'channel "{ch}"') for ch in below]
        assert positions == sorted(positions)  # lowest first
    # one line per channel, then where CLV comes from
    assert sum(line.startswith('- channel "') for line in ans.lines) == len(rows)
    # actions: targeting / retention only for channels the lead names as below the target
    for r in ans.recommendations:
        if r.id == "tighten_targeting_or_retention":
            assert r.scope["channel"] in below


def test_cac_question_ranks_by_cac(targets_env: Env) -> None:
    ans = ask(targets_env, kpi="cac")
    rows = [r for r in ans.analyses[0].result["rows"] if r["cac"] is not None]
    hi = max(rows, key=lambda r: r["cac"])["channel"]
    lo = min(rows, key=lambda r: r["cac"])["channel"]
    assert ans.lines[0].startswith(f'CAC is highest on channel "{hi}"') and f'lowest on channel "{lo}"' in ans.lines[0]


def test_nps_question_leads_with_nps_and_its_drops(targets_env: Env) -> None:
    ans = ask(targets_env, kpi="nps")
    names = [a.name for a in ans.analyses]
    assert names == ["clv", "customer_kpis"]
    recent = {k["kpi"]: k for k in ans.analyses[1].result["kpis"]}
    assert ans.lines[0].startswith("NPS is ")
    assert ans.lines[0].endswith(".") and (recent["nps"]["value"] is None or "over the last 28 days" in ans.lines[0])
    drops = ans.analyses[0].result["satisfaction"]
    assert any(line.startswith("Drops:") for line in ans.lines) == bool(drops)
    assert all(r.id == "fix_customer_experience" for r in ans.recommendations)
    assert not any(line.startswith("- channel") for line in ans.lines)  # no CLV table in a satisfaction answer


def test_channel_question_stays_on_the_channel(targets_env: Env) -> None:
    ch = sorted(targets_env.names["channel"])[0]
    ans = ask(targets_env, channels=(ch,), kpi="csat")
    others = [c for c in targets_env.names["channel"] if c != ch]
    text = "\n".join(ans.lines)
    assert not any(f'channel "{c}"' in text for c in others)
    assert all(r.scope.get("channel") == ch for r in ans.recommendations)


def test_without_targets_the_benchmark_is_used(targets_env: Env) -> None:
    e = dataclasses.replace(targets_env, dataset=dataclasses.replace(targets_env.dataset, targets=None))
    ans = ask(e)
    assert ans.analyses[0].result["threshold"] == CLV_CAC_TARGET
    assert "benchmark" in ans.lines[0] and not ans.notes
    assert_verified(ans, e)


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("kpi", [None, "cac", "nps", "csat", "repeat_rate"])
def test_answer_verifies_in_both_languages(targets_env: Env, lang: Lang, kpi: str | None) -> None:
    ans = ask(targets_env, lang, kpi=kpi)
    assert_verified(ans, targets_env)
    if lang == "ru":
        assert latin_words(rendered(ans)) == [], rendered(ans)


def test_clv_analysis_is_memoised_per_dataset_and_threshold(targets_env: Env) -> None:
    from advisor.advise.kinds.customers import cached_clv

    first = cached_clv(targets_env.dataset, None, 3.0, None)
    assert cached_clv(targets_env.dataset, None, 3.0, None) is first
    assert cached_clv(targets_env.dataset, None, 2.0, None) is not first
    other = dataclasses.replace(targets_env.dataset, targets=None)
    assert cached_clv(other, None, 3.0, None) is not first
    assert cached_clv(other, None, 3.0, None).result == first.result
