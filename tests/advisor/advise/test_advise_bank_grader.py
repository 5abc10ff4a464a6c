"""The advise question bank (benchmarks/advise_bank/bank.yaml) and its graders (bank_grade.py): the bank covers every
kind in both languages, and each grader passes a right hand-written answer and FAILS a wrong one (English and
Russian), so the benchmark's percentages can go down as well as up."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from advisor.advise.question import KINDS
from advisor.data import Dataset

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "benchmarks" / "advise_bank"))

import bank_grade as bg
from bank_facts import WorldFacts, world_facts


@pytest.fixture(scope="module")
def facts(world400: Any, targets_dataset: Dataset) -> WorldFacts:
    return world_facts(world400.truth, targets_dataset)


@pytest.fixture(scope="module")
def bank() -> dict[str, bg.BankQuestion]:
    return {q.id: q for q in bg.load_bank()}


def result(answer: str, analyses: list[dict[str, Any]] | None = None, verified: bool = True) -> dict[str, Any]:
    return {"answer": answer, "analyses": analyses if analyses is not None else [{"name": "x"}], "verified": verified}


def check(q: bg.BankQuestion, answer: str, facts: WorldFacts, **kw: Any) -> bg.Grade:
    return bg.grade(q, result(answer, **kw), facts)


def en(x: float) -> str:
    return f"{x:+,.0f}"


def ru(x: float) -> str:
    return f"{x:+,.0f}".replace(",", " ").replace("-", "−")


# ------------------------------------------------------------------------------------------------ the bank


def test_bank_covers_every_kind_in_both_languages(bank: dict[str, bg.BankQuestion], facts: WorldFacts) -> None:
    qs = list(bank.values())
    assert len(qs) >= 60
    langs = Counter(q.lang for q in qs)
    assert langs["ru"] == langs["en"]
    per = Counter((q.kind, q.lang) for q in qs)
    for kind in KINDS:
        assert per[(kind, "en")] >= 2 and per[(kind, "ru")] >= 2, kind
    assert sum(q.injection for q in qs) >= 3
    texts = [facts.fill(q.text) for q in qs]  # every placeholder resolves on a world
    assert all("{" not in t for t in texts)
    assert len(set(texts)) == len(texts)


def test_bank_rejects_unknown_kind(tmp_path: Path) -> None:
    p = tmp_path / "b.yaml"
    p.write_text("questions:\n- {id: a, kind: weather, lang: en, text: hi}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown kind"):
        bg.load_bank(p)


# ------------------------------------------------------------------------------------------------ common checks


def test_language_check(bank: dict[str, bg.BankQuestion], facts: WorldFacts) -> None:
    q_ru, q_en = bank["other-weather-ru"], bank["other-capital-en"]
    ru_ok = "Я отвечаю на вопросы о маркетинге: почему упала кампания «video-02», что требует внимания, прогноз, ROI и CTR."
    assert check(q_ru, ru_ok, facts, analyses=[]).ok
    ru_bad = ru_ok + " Recommended actions: none."
    g = check(q_ru, ru_bad, facts, analyses=[])
    assert not g.ok and any("Latin" in f for f in g.failures)
    assert bg.language_problems("ROI за 2026-Q3 и 2026-10 вырос; «video-02» CLV:CAC 1,2; с 2026-09-15.", "ru") == []
    assert bg.language_problems("ROI vs план", "ru")
    en_ok = "I answer marketing questions: why a campaign fell, what needs attention, what if we cut spend, forecasts."
    assert check(q_en, en_ok, facts, analyses=[]).ok
    assert not check(q_en, en_ok + " Прогноз.", facts, analyses=[]).ok


def test_unverified_and_injected_answers_fail(bank: dict[str, bg.BankQuestion], facts: WorldFacts) -> None:
    q = bank["other-inject-en"]
    ok = "I can answer why a campaign fell, what needs attention, what if we change spend, and forecasts."
    assert check(q, ok, facts, analyses=[]).ok
    assert not check(q, ok, facts, analyses=[], verified=False).ok
    assert not check(q, ok + " Our ROI is 500%.", facts, analyses=[]).ok


# ------------------------------------------------------------------------------------------------ per kind


def test_why(bank: dict[str, bg.BankQuestion], facts: WorldFacts) -> None:
    p = facts.problem("creative_fatigue")
    cid, start = p["campaign_id"], pd.Timestamp(p["start"])
    near, far = (start + pd.Timedelta(days=3)).date(), (start + pd.Timedelta(days=30)).date()
    q_en, q_ru = bank["why-fatigue-en"], bank["why-fatigue-ru"]
    assert check(q_en, f'Campaign "{cid}": CTR fell 43% since {near} (creative fatigue).', facts).ok
    assert not check(q_en, f'Campaign "{cid}": conversion rate fell 43% since {near}; CTR held.', facts).ok
    assert not check(q_en, f'Campaign "{cid}": CTR fell 43% since {far}.', facts).ok
    assert not check(q_en, f"Campaign \"other-01\": CTR fell 43% since {near}.", facts).ok
    assert check(q_ru, f"Кампания «{cid}»: кликабельность (CTR) упала на 43% с {near}.", facts).ok
    assert not check(q_ru, f"Кампания «{cid}»: конверсия упала на 43% с {near}.", facts).ok
    landing = facts.problem("broken_landing_page")
    d = (pd.Timestamp(landing["start"]) + pd.Timedelta(days=2)).date()
    assert check(bank["why-landing-ru"], f"Кампания «{landing['campaign_id']}»: конверсия упала на 80% с {d}.", facts).ok


def test_attention(bank: dict[str, bg.BankQuestion], facts: WorldFacts) -> None:
    c = facts.planted_campaigns
    camps = ", ".join(f'"{x}"' for x in c.values())
    right = f'Failing: {camps}. Channel "{facts.over_channel}" is saturated; channel "{facts.under_channel}" deserves more.'
    q = bank["attention-en-1"]
    assert check(q, right, facts).ok
    assert not check(q, right.replace(c["poor_audience"], "x"), facts).ok
    assert not check(q, f'Failing: {camps}.', facts).ok  # funding channels missing
    healthy = [cid for cid, v in facts.truth["campaigns"].items()
               if cid not in c.values() and v["channel"] not in (facts.over_channel, facts.under_channel)]
    noisy = right + " Also " + ", ".join(f'"{x}"' for x in healthy[: bg.MAX_FALSE_ALARMS + 1]) + "."
    assert not check(q, noisy, facts).ok
    ru_right = (f"Требуют внимания: {', '.join(f'«{x}»' for x in c.values())}. Канал «{facts.over_channel}» насыщен, "
                f"канал «{facts.under_channel}» недофинансирован.")
    assert check(bank["attention-ru-1"], ru_right, facts).ok


def test_what_if(bank: dict[str, bg.BankQuestion], facts: WorldFacts) -> None:
    q = bank["whatif-cut-en"]
    t = bg.true_change(q, facts)["conversions"]
    assert t < 0  # cutting spend loses conversions
    lo, hi = sorted((1.6 * t, 0.5 * t))
    assert check(q, f"Conversions: {en(t)} (80% interval {en(lo)}..{en(hi)}) vs run-rate 5,100.", facts).ok
    assert not check(q, f"Conversions: {en(-t)} (80% interval {en(-hi)}..{en(-lo)}) vs run-rate 5,100.", facts).ok
    assert not check(q, f"Conversions: {en(t)} (80% interval {en(3 * t)}..{en(2 * t)}) vs run-rate 5,100.", facts).ok
    assert not check(q, "Forecast: conversions will be fine.", facts).ok
    q_ru = bank["whatif-move-ru"]
    r = bg.true_change(q_ru, facts)["revenue"]
    lo, hi = sorted((0.4 * r, 1.8 * r))
    assert check(q_ru, f"Выручка: {ru(r)} (80% интервал {ru(lo)}..{ru(hi)}) к текущему темпу 812 000.", facts).ok
    assert not check(q_ru, f"Выручка: {ru(r)} (80% интервал {ru(2 * r)}..{ru(3 * r)}) к текущему темпу 812 000.", facts).ok


def test_split(bank: dict[str, bg.BankQuestion], facts: WorldFacts) -> None:
    q = bg.BankQuestion("s", "split", "en", "t", spec={"regret": False})
    chans = [c for c in facts.channels if facts.recent_spend()[c] > 0]
    share = facts.recent_spend()[chans] / facts.recent_spend()[chans].sum()
    amounts = {c: facts.budget * float(share[c]) for c in chans}
    right = "Split of the budget:\n" + "\n".join(f'- "{c}": {a:,.0f} (+5% vs run-rate)' for c, a in amounts.items())
    assert check(q, right, facts).ok
    assert not check(q, "\n".join(right.splitlines()[:-1]), facts).ok  # a channel missing
    scaled = "\n".join(f'- "{c}": {1.1 * a:,.0f}' for c, a in amounts.items())
    assert not check(q, scaled, facts).ok  # sums to 110 % of the budget
    q_ru = bg.BankQuestion("s", "split", "ru", "t", spec={"regret": False})
    ru_right = "\n".join(f"- «{c}»: {a:,.0f} (+5% к текущему темпу)".replace(",", " ") for c, a in amounts.items())
    assert check(q_ru, ru_right, facts).ok


def test_split_regret_is_reported(bank: dict[str, bg.BankQuestion], facts: WorldFacts) -> None:
    chans = [c for c in facts.channels if facts.recent_spend()[c] > 0]
    share = facts.recent_spend()[chans] / facts.recent_spend()[chans].sum()
    answer = "\n".join(f'- "{c}": {facts.budget * float(share[c]):,.0f}' for c in chans)
    g = check(bank["split-en-1"], answer, facts)
    assert g.ok
    assert 0.5 < g.extra["regret"] < 1.5  # the run-rate shares: about no uplift of the true optimum's


def test_funding(bank: dict[str, bg.BankQuestion], facts: WorldFacts) -> None:
    under, over = facts.under_channel, facts.over_channel
    assert bg.funding_truth(facts, under, "more") and not bg.funding_truth(facts, over, "more")
    q = bank["funding-under-en"]
    assert check(q, f'Yes: channel "{under}" returns more than it costs at the margin.', facts).ok
    assert not check(q, f'No: channel "{under}" is fine.', facts).ok
    assert not check(q, f'Channel "{under}" has a high marginal ROI.', facts).ok  # no explicit yes/no
    q_ru = bank["funding-over-more-ru"]
    assert check(q_ru, f"Нет: канал «{over}» насыщен.", facts).ok
    assert not check(q_ru, f"Да: канал «{over}» заслуживает больше.", facts).ok
    q_less = bank["funding-over-less-ru"]
    assert check(q_less, f"Да: расходы на «{over}» стоит сократить.", facts).ok
    q_open = bank["funding-open-en"]
    assert check(q_open, f'Channel "{under}" deserves more; "{over}" less.', facts).ok
    assert not check(q_open, f'Channel "{over}" deserves more; "{under}" less.', facts).ok


def test_trend(bank: dict[str, bg.BankQuestion], facts: WorldFacts) -> None:
    q = bank["trend-ctr-campaign-en"]
    months = facts.months_back(4)
    values = facts.monthly_kpi("ctr", months, {"campaign_id": facts.placeholders["fatigue_campaign"]})
    allowed = bg.direction_of(values)
    assert "down" in allowed  # the fatigued campaign's CTR falls
    listing = "\n".join(f"- {m.strftime('%B %Y')}: {100 * v:.2f}%" for m, v in zip(months, values, strict=True))
    assert check(q, f"CTR is falling.\n{listing}", facts).ok
    assert not check(q, f"CTR is rising.\n{listing}", facts).ok
    assert not check(q, "CTR is falling.\n" + "\n".join(listing.splitlines()[1:]), facts).ok  # a month missing
    q_ru = bank["trend-ctr-campaign-ru"]
    ru_listing = "\n".join(f"- {m.strftime('%Y-%m')}: {100 * v:.2f}%".replace(".", ",") for m, v in zip(months, values, strict=True))
    assert check(q_ru, f"CTR снижается.\n{ru_listing}", facts).ok
    assert not check(q_ru, f"CTR растёт.\n{ru_listing}", facts).ok


def test_off_target(bank: dict[str, bg.BankQuestion], facts: WorldFacts) -> None:
    from advisor.core.words import kpi_name

    off = sorted(facts.off_track)
    assert off
    q = bank["offtarget-en-1"]
    assert check(q, "Off track: " + ", ".join(kpi_name(k, "en") for k in off) + ".", facts).ok
    assert not check(q, "Off track: " + ", ".join(kpi_name(k, "en") for k in off[1:]) + ".", facts).ok
    q_ru = bank["offtarget-ru-1"]
    assert check(q_ru, "Вне цели: " + ", ".join(kpi_name(k, "ru") for k in off) + ".", facts).ok
    assert not check(q_ru, "Все KPI в норме.", facts).ok


def test_segment(bank: dict[str, bg.BankQuestion], facts: WorldFacts) -> None:
    q = bank["segment-region-en"]
    by = facts.kpi_by("region", "cpa", facts.last_full_month())
    ranked = sorted(by, key=by.__getitem__, reverse=True)  # CPA: highest is worst
    lines = "\n".join(f'- "{v}": CPA {by[v]:.2f}' for v in ranked)
    assert check(q, f"Worst region by CPA:\n{lines}", facts).ok
    # a value that is the worst by neither reading (plain, or within channels) named first fails
    within = facts.kpi_by_within_channels("region", "cpa", facts.last_full_month())
    right = {ranked[0], max(within, key=within.__getitem__)}
    wrong = [v for v in ranked if v not in right and abs(by[v] - by[ranked[0]]) > bg.TIE * by[ranked[0]]
             and abs(within[v] - max(within.values())) > bg.TIE * max(within.values())]
    assert wrong, "the demo world's regions differ by more than the tie tolerance"
    rest = [v for v in ranked if v != wrong[-1]]
    wrong_first = "\n".join(f'- "{v}": CPA {by[v]:.2f}' for v in [wrong[-1], *rest])
    assert not check(q, f"Worst region by CPA:\n{wrong_first}", facts).ok
    q_ru = bank["segment-audience-ru"]
    byr = facts.kpi_by("audience", "conversion_rate", facts.last_days(90))
    worst = min(byr, key=byr.__getitem__)
    best = max(byr, key=byr.__getitem__)
    assert check(q_ru, f"Хуже всего конвертирует аудитория «{worst}», лучше всего «{best}».", facts).ok
    assert not check(q_ru, f"Лучше всего «{best}», хуже всего аудитория «{worst}».", facts).ok


def test_trust(bank: dict[str, bg.BankQuestion], facts: WorldFacts) -> None:
    claims = {ch: v["claim_factor"] for ch, v in facts.truth["channels"].items()}
    top, low = max(claims, key=claims.__getitem__), min(claims, key=claims.__getitem__)
    q = bank["trust-en-1"]
    assert check(q, f'Partly. Channel "{top}" overstates its conversions 2.0×. Channel "{low}" is close.', facts).ok
    assert not check(q, f'Channel "{low}" overstates its conversions. Channel "{top}" is close.', facts).ok
    q_ru = bank["trust-ru-2"]
    assert check(q_ru, f"Сильнее всех завышает конверсии канал «{top}».", facts).ok
    assert not check(q_ru, f"Канал «{top}» показывает честные цифры.", facts).ok


def test_contribution(bank: dict[str, bg.BankQuestion], facts: WorldFacts) -> None:
    """Right figures (inside the interval or within 20 %) pass, wrong ones and a wrong top channel fail; the daily
    truth over the whole history is truth.json's per-channel total."""
    whole = facts.true_incremental(facts.window_of({"window": "all"}))
    for ch, v in facts.truth["channels"].items():
        assert whole[ch]["revenue"] == pytest.approx(v["true_incremental"]["revenue"])
    q = bank["contribution-channel-en"]
    ch = facts.fill(q.spec["channel"])
    t = facts.true_incremental(facts.window_of(q.spec))[ch]
    c, r = t["conversions"], t["revenue"]
    good = (f'Over the last 13 weeks, channel "{ch}" added {1.1 * c:,.0f} incremental conversions (80% interval '
            f"{0.9 * c:,.0f}..{1.3 * c:,.0f}) and {0.85 * r:,.0f} of incremental revenue (80% interval "
            f"{0.8 * r:,.0f}..{0.9 * r:,.0f}).")
    assert check(q, good, facts).ok
    bad = good.replace(f"{0.85 * r:,.0f} of", f"{0.5 * r:,.0f} of")
    assert not check(q, bad, facts).ok
    q_ru = bank["contribution-channel-ru"]
    assert check(q_ru, f"Канал «{ch}» принёс {ru(c)[1:]} приростных конверсий (80% интервал "
                       f"{ru(0.9 * c)[1:]}..{ru(1.1 * c)[1:]}).", facts).ok
    assert not check(q_ru, f"Канал «{ch}» принёс {ru(2 * c)[1:]} приростных конверсий (80% интервал "
                           f"{ru(1.8 * c)[1:]}..{ru(2.2 * c)[1:]}).", facts).ok
    q_each = bank["contribution-each-en"]
    truth = facts.true_incremental(facts.window_of(q_each.spec))
    order = sorted(truth, key=lambda x: -truth[x]["revenue"])
    rows = [f'- "{x}": {truth[x]["revenue"]:,.0f} (80% interval {0.9 * truth[x]["revenue"]:,.0f}..'
            f'{1.1 * truth[x]["revenue"]:,.0f}), spend 1.' for x in order]
    assert check(q_each, "Channels, largest first:\n" + "\n".join(rows), facts).ok
    assert not check(q_each, "Channels, largest first:\n" + "\n".join(rows[::-1]), facts).ok  # top is last
    assert not check(q_each, "Channels:\n" + "\n".join(rows[1:]), facts).ok  # a channel missing
    q_most = bank["contribution-most-ru"]
    truth = facts.true_incremental(facts.window_of(q_most.spec))
    top, low = max(truth, key=lambda x: truth[x]["revenue"]), min(truth, key=lambda x: truth[x]["revenue"])
    v = truth[top]["revenue"]
    assert check(q_most, f"Больше всего выручки принёс канал «{top}»: {ru(v)[1:]} (80% интервал "
                         f"{ru(0.9 * v)[1:]}..{ru(1.1 * v)[1:]}).", facts).ok
    assert not check(q_most, f"Больше всего выручки принёс канал «{low}»: {ru(v)[1:]} (80% интервал "
                             f"{ru(0.9 * v)[1:]}..{ru(1.1 * v)[1:]}).", facts).ok
    q_media = bank["contribution-media-en"]
    total = sum(x["revenue"] for x in facts.true_incremental(facts.window_of(q_media.spec)).values())
    line = "Media as a whole drove 30% of the window's revenue (80% interval 25%..35%): {v} incremental revenue " \
           "(80% interval {lo}..{hi}) of 9."
    assert check(q_media, line.format(v=f"{total:,.0f}", lo=f"{0.9 * total:,.0f}", hi=f"{1.1 * total:,.0f}"), facts).ok
    assert not check(q_media, line.format(v=f"{2 * total:,.0f}", lo=f"{1.8 * total:,.0f}", hi=f"{2.2 * total:,.0f}"),
                     facts).ok


def test_overview(bank: dict[str, bg.BankQuestion], facts: WorldFacts) -> None:
    assert facts.scores
    q = bank["overview-en-1"]
    assert check(q, f"Composite score {facts.scores[0]:.1f} of 100.", facts).ok
    assert not check(q, f"Composite score {facts.scores[0] - 20:.1f} of 100.", facts).ok
    q_ru = bank["overview-ru-1"]
    assert check(q_ru, f"Итоговая оценка {facts.scores[0]:.1f} из 100.".replace(".", ",", 1), facts).ok
    assert not check(q_ru, "Всё хорошо.", facts).ok


def test_customers(bank: dict[str, bg.BankQuestion], facts: WorldFacts) -> None:
    by = {ch: v["clv_cac"] for ch, v in facts.truth["clv"]["by_channel"].items()}
    low, high = min(by, key=by.__getitem__), max(by, key=by.__getitem__)
    q = bank["customers-en-1"]
    assert check(q, f'Lowest CLV:CAC: channel "{low}" at {by[low]:.2f}; highest "{high}".', facts).ok
    assert not check(q, f'Highest CLV:CAC: channel "{high}"; lowest "{low}".', facts).ok
    q_ru = bank["customers-ru-1"]
    assert check(q_ru, f"Худшее соотношение CLV:CAC у канала «{low}».", facts).ok


def test_forecast(bank: dict[str, bg.BankQuestion], facts: WorldFacts) -> None:
    q = bank["forecast-rev-en"]
    t = facts.true_totals(facts.reference("month"))["revenue"]
    assert check(q, f"Revenue: {t:,.0f} (80% interval {0.95 * t:,.0f}..{1.05 * t:,.0f}) next month.", facts).ok
    assert not check(q, f"Revenue: {1.2 * t:,.0f} (80% interval {1.1 * t:,.0f}..{1.3 * t:,.0f}) next month.", facts).ok
    q_ru = bank["forecast-conv-ru"]
    c = facts.true_totals(facts.reference("month"))["conversions"]
    assert check(q_ru, f"Конверсии: {ru(c)[1:]} (80% интервал {ru(0.9 * c)[1:]}..{ru(1.1 * c)[1:]}).", facts).ok
    assert not check(q_ru, "Конверсий будет много.", facts).ok


def test_other(bank: dict[str, bg.BankQuestion], facts: WorldFacts) -> None:
    q = bank["other-poem-ru"]
    caps = "Я могу ответить: почему упала кампания, что требует внимания, что будет при изменении бюджета, прогноз."
    assert check(q, caps, facts, analyses=[]).ok
    assert not check(q, caps, facts, analyses=[{"name": "scorecard"}]).ok  # ran something
    assert not check(q, "Вот стихотворение о бренде.", facts, analyses=[]).ok


def test_reading_numbers_intervals_and_months() -> None:
    line = "Forecast: conversions 12,100 (80% interval 11,000..13,000), revenue 847,214 (80% interval 795,404..901,162)."
    assert bg.find_interval(line, "revenue", "en") == (847214, 795404, 901162)
    assert bg.find_interval(line, "conversions", "en") == (12100, 11000, 13000)
    ru_line = "Конверсии: −412 (80% интервал −530..−300) к текущему темпу 5 100."
    assert bg.find_interval(ru_line, "conversions", "ru") == (-412, -530, -300)
    assert bg.find_interval("Выручка: +70 836 (80% интервал +40 000..+101 000).", "revenue", "ru") == (70836, 40000, 101000)
    assert bg.find_interval("Revenue will grow.", "revenue", "en") is None
    may = pd.Timestamp("2026-05-01")
    assert bg.month_named("ROI in May 2026: +40%", may) and bg.month_named("ROI в мае: +40%", may)
    assert not bg.month_named("ROI may rise in June.", may)
    assert bg.dates_in("period 2026-08-03..2026-10-31, since 2026-09-15") == [pd.Timestamp("2026-09-15")]


def test_split_over_a_quarter_sums_to_the_quarter_budget(bank: dict[str, bg.BankQuestion], facts: WorldFacts) -> None:
    base = bank["split-quarter-ru"]
    q = bg.BankQuestion(base.id, base.kind, base.lang, base.text, spec={**base.spec, "regret": False})
    assert "млн" in facts.fill(q.text)
    chans = [c for c in facts.channels if facts.recent_spend()[c] > 0]
    for budget, ok in ((facts.quarter_budget, True), (facts.budget, False)):
        lines = "\n".join(f"- «{c}»: {budget / len(chans):,.0f}".replace(",", " ") for c in chans)
        assert check(q, lines, facts).ok is ok
