"""advise on data shapes the demo bank does not use (issue 14: the product must hold on worlds the team does not
see): a demo world of varied structure (promotions, a trend break, extra channels) and a small weekly media-mix
data set with one outcome (revenue only, no platform-reported clicks or conversions, no segment columns).

Regressions fixed here: a platform KPI's trend on media-mix data ("no monthly values"), ``why`` on media-mix data
("not enough data: 0 clicks"), a split whose models have revenue only (no lead sentence), trust on revenue-only
models (an empty list), a question about a channel / campaign / segment column the data lacks (answered about
something else), trust calling a channel reported above the model's 80% interval "about right (within the model's
uncertainty)", and the attention scan hiding a dated weaker signal beside a ranked list."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pandas as pd
import pytest
import yaml

from advisor.advise import KINDS, advise
from advisor.advise.kinds.base import Env
from advisor.advise.kinds.trust import lean
from advisor.advise.run import AdviceResult, known_names
from advisor.core.words import ACRONYMS
from advisor.data import Dataset, load_dataset
from demo_world import Promotion, TrendBreak, WorldStructure, generate_world
from models.response import ResponseBundle, ResponseSpec
from training.response import fit_bundle, prepare_history

QUOTED = re.compile(r"«[^»]*»|\"[^\"]*\"|“[^”]*”")
LATIN = re.compile(r"\b[A-Za-z][A-Za-z:]*\b")

STRUCTURE = WorldStructure(
    promotions=(Promotion(date(2026, 3, 1), date(2026, 3, 10), 1.6),),
    trend_breaks=(TrendBreak(date(2026, 5, 1), level=0.8, growth=0.1),),
    extra_channels=2,
)


def latin_words(text: str) -> list[str]:
    """Latin words outside quotes and acronyms."""
    plain = QUOTED.sub(" ", text)
    return [w for w in LATIN.findall(plain) if w.upper() not in ACRONYMS and w not in ACRONYMS]


def check(r: AdviceResult, lang: str) -> None:
    """Answered, verified, in the question's language entirely."""
    assert r.answer.strip() and r.verified and r.lang == lang, (r.question, r.answer)
    if lang == "ru":
        assert not latin_words(r.answer), (r.question, latin_words(r.answer), r.answer)


# ------------------------------------------------------------------------------------------ varied structure
@pytest.fixture(scope="module")
def world() -> Any:
    return generate_world(2, days=400, structure=STRUCTURE)


@pytest.fixture(scope="module")
def dataset(world: Any) -> Dataset:
    return Dataset.from_frames(**world.tables, targets=world.targets)


@pytest.fixture(scope="module")
def bundle(world: Any) -> ResponseBundle:
    hist, channels, campaigns, freq = prepare_history(world.tables)
    return fit_bundle(hist, channels, campaigns, freq, ResponseSpec(n_starts=1))


VARIED_QUESTIONS = {
    "why": ("Why did {camp} under-perform?", "Почему кампания {camp} просела?"),
    "attention": ("Which campaigns need attention?", "Что требует внимания?"),
    "what_if": ("What if we cut {extra} by 30% next month?", "Что будет, если отключить {extra}?"),
    "split": ("How should we split 200k next month?", "Как распределить 1,5 млн на следующий квартал?"),
    "funding": ("Is {extra} underfunded?", "Недофинансирован ли канал {extra}?"),
    "trend": ("How did ROI of {extra} change over time?", "Динамика ROI по месяцам"),
    "off_target": ("Which KPIs are off target?", "Какие KPI не выполняются?"),
    "segment": ("Which audience performs worst?", "Какой регион хуже всего по конверсии?"),
    "trust": ("Can we trust the platforms' numbers?", "Можно ли верить цифрам площадок?"),
    "contribution": ("How much did {extra} add last quarter?", "Сколько выручки принёс канал {extra} за всю историю?"),
    "overview": ("How are we doing?", "Как у нас дела?"),
    "customers": ("What is our CLV to CAC by channel?", "Какой CLV:CAC по каналам?"),
    "forecast": ("What revenue do we expect next month?", "Прогноз выручки на квартал"),
    "other": ("What is the capital of France?", "Напиши стихотворение про осень"),
}


def test_every_kind_is_asked_on_the_varied_world() -> None:
    assert set(VARIED_QUESTIONS) == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_varied_world_every_kind_answers_verified_in_its_language(
    world: Any, dataset: Dataset, bundle: ResponseBundle, kind: str
) -> None:
    extra = world.truth["structure"]  # the extra channels are the last ones of the world
    assert extra["extra_channels"] == 2
    channel = sorted(set(dataset.campaign_daily["channel"].astype(str)) - {
        "search", "social", "display", "video", "email", "affiliate"})[0]
    camp = next(p["campaign_id"] for p in world.truth["problems"] if p.get("campaign_id"))
    for text, lang in zip(VARIED_QUESTIONS[kind], ("en", "ru"), strict=True):
        q = text.format(extra=channel, camp=camp)
        r = advise(q, dataset=dataset, bundle=bundle)
        assert r.kind == kind, (q, r.kind)
        check(r, lang)
        if kind in ("what_if", "funding", "contribution") or (kind == "trend" and lang == "en"):
            assert channel in r.answer, (q, r.answer)  # an extra channel is understood and answered about


def test_a_channel_the_data_lacks_is_said_to_be_absent(dataset: Dataset, bundle: ResponseBundle) -> None:
    for q, lang in (("Why did tv underperform?", "en"), ("Что будет, если сократить ТВ на 30%?", "ru")):
        r = advise(q, dataset=dataset, bundle=bundle)
        check(r, lang)
        assert [a.name for a in r.analyses] == ["unknown_names"], r.answer
        assert ('"tv"' if lang == "en" else "«tv»") in r.answer.splitlines()[0]
        assert not r.recommendations  # nothing about other channels is passed off as the answer
    r = advise("Why did display-09 drop?", dataset=dataset, bundle=bundle)
    assert r.verified and '"display-09"' in r.answer.splitlines()[0]
    known = advise("Why did video underperform?", dataset=dataset, bundle=bundle)
    assert known.analyses[0].name != "unknown_names"  # a channel the data has is answered as before


def test_trust_never_calls_a_channel_outside_the_interval_within_the_uncertainty(
    dataset: Dataset, bundle: ResponseBundle
) -> None:
    env = Env(dataset, bundle, names=known_names(dataset))
    from advisor.advise.kinds.trust import handle
    from advisor.advise.question import Question

    for lang in ("en", "ru"):
        ans = handle(Question(text="trust?", kind="trust", lang=lang), env)  # type: ignore[arg-type]
        rows = ans.analyses[0].result["channels"]
        about = next((ln for ln in ans.lines if ln.startswith(("About right", "Близки к истине"))), "")
        for r in rows:
            label = f'channel "{r["channel"]}"' if lang == "en" else f'канал «{r["channel"]}»'
            if r.get("ratio_low") is not None and r["ratio_low"] > 1.0:
                assert label not in about, (label, about)
            if lean(r) == "over":
                probably = next(ln for ln in ans.lines if ln.startswith(("Probably over", "Вероятно, завышают")))
                assert label in probably


def test_lean_rule() -> None:
    assert lean({"verdict": "about_right", "ratio_low": 1.02, "ratio_high": 1.9}) == "over"
    assert lean({"verdict": "about_right", "ratio_low": 0.5, "ratio_high": 0.95}) == "under"
    assert lean({"verdict": "about_right", "ratio_low": 0.9, "ratio_high": 1.2}) is None
    assert lean({"verdict": "over", "ratio_low": 1.5, "ratio_high": 2.0}) is None


# ------------------------------------------------------------------------------------------ media-mix data
def _mmm_set(tmp_path_factory: pytest.TempPathFactory, outcome: str | None, geos: int = 0) -> tuple[Dataset, ResponseBundle]:
    """A weekly media-mix set (3 channels, ~70 weeks; national unless ``geos`` > 0) whose config keeps one outcome
    (both when None), trained."""
    from advisor.ops.modelset import load_model_set
    from advisor.ops.train import training_tables
    from demo_world import generate_mmm_world
    from training.pipeline import train_all

    folder = tmp_path_factory.mktemp(f"mmm-{outcome}")
    generate_mmm_world(seed=1, days=490, channels=3, geos=geos).write(folder)
    if outcome is not None:
        config = yaml.safe_load((folder / "kpi-advisor.yaml").read_text(encoding="utf-8"))
        config["mmm"]["outcomes"] = {outcome: config["mmm"]["outcomes"][outcome]}
        (folder / "kpi-advisor.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    ds = load_dataset(folder)
    tables, layout = training_tables(ds)
    models = tmp_path_factory.mktemp(f"mmm-{outcome}-models")
    train_all(tables, models, mmm=layout, campaign_source="mmm", backtest=None, drivers=False, clv=False,
              spec=ResponseSpec(n_starts=1))
    found = load_model_set(models)
    assert found.bundle is not None
    return ds, found.bundle


@pytest.fixture(scope="module")
def mmm(tmp_path_factory: pytest.TempPathFactory) -> tuple[Dataset, ResponseBundle]:
    """Revenue only (as Robyn's)."""
    return _mmm_set(tmp_path_factory, "revenue")


@pytest.fixture(scope="module")
def mmm_conv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Dataset, ResponseBundle]:
    """Conversions only (as Meridian's)."""
    return _mmm_set(tmp_path_factory, "conversions")


def _ask(mmm: tuple[Dataset, ResponseBundle], q: str) -> AdviceResult:
    ds, b = mmm
    return advise(q, dataset=ds, bundle=b)


MMM_QUESTIONS = [
    ("Why did search underperform?", "en"), ("Почему поиск отработал хуже?", "ru"),
    ("Which channels need attention?", "en"), ("Какие каналы требуют внимания?", "ru"),
    ("What if we cut social by 30%?", "en"), ("Что будет, если отключить display?", "ru"),
    ("How should we split 500k next quarter?", "en"), ("Как распределить 1,5 млн на следующий квартал?", "ru"),
    ("Can we trust the platforms' numbers?", "en"), ("Можно ли доверять цифрам площадок?", "ru"),
    ("Is social underfunded?", "en"), ("Как менялся ROI по месяцам?", "ru"),
    ("How has ROI changed by month?", "en"), ("What will revenue be next month?", "en"),
    ("Which region has the best ROI?", "en"), ("У какой аудитории самая низкая конверсия?", "ru"),
    ("Why did tv underperform?", "en"), ("How are we doing?", "en"), ("Какая столица Франции?", "ru"),
]


@pytest.mark.parametrize(("q", "lang"), MMM_QUESTIONS, ids=[q for q, _ in MMM_QUESTIONS])
def test_media_mix_questions_answer_verified_in_their_language(mmm: tuple[Dataset, ResponseBundle], q: str, lang: str) -> None:
    check(_ask(mmm, q), lang)


def test_media_mix_trend_of_roi_shows_the_business_kpi_and_says_why(mmm: tuple[Dataset, ResponseBundle]) -> None:
    for q, head, why in (("How has ROI changed by month?", "MER of", "The platforms' ROI figures are not in this data"),
                         ("Как менялся ROI по месяцам?", "MER ", "Для показателя «ROI» нужны")):
        r = _ask(mmm, q)
        lines = r.answer.splitlines()
        assert lines[0].startswith(head) and "no monthly values" not in r.answer, r.answer
        assert sum(why in ln for ln in lines) == 1  # said once
        res = r.analyses[0].result
        assert r.analyses[0].params["stand_in"] == "mer" and len(res["months"]) >= 6


def test_media_mix_why_says_no_funnel_and_gives_the_budget_verdict(mmm: tuple[Dataset, ResponseBundle]) -> None:
    r = _ask(mmm, "Why did search underperform?")
    lines = r.answer.splitlines()
    assert "media-mix data" in lines[0] and "0 clicks" not in r.answer
    assert [a.name for a in r.analyses] == ["funding"]
    assert lines[1].startswith('Channel "search" is ') and not lines[1].startswith(("Yes", "No"))


def test_media_mix_revenue_only_split_leads_with_the_expected_revenue(mmm: tuple[Dataset, ResponseBundle]) -> None:
    r = _ask(mmm, "How should we split 500k next quarter?")
    first = r.answer.splitlines()[0]
    assert first.startswith("Split 500,000 next quarter") and "expected revenue" in first, r.answer
    assert sum(ln.startswith("Total:") for ln in r.answer.splitlines()) == 1


def test_media_mix_revenue_only_trust_lists_incremental_revenue(mmm: tuple[Dataset, ResponseBundle]) -> None:
    ds, _ = mmm
    r = _ask(mmm, "Can we trust the platforms' numbers?")
    assert "nothing to check" in r.answer and ": ." not in r.answer
    for ch in ds.mmm.channels if ds.mmm is not None else ():
        assert f'channel "{ch}"' in r.answer and "incremental revenue" in r.answer


def test_media_mix_segment_question_says_the_data_has_no_such_column(mmm: tuple[Dataset, ResponseBundle]) -> None:
    r = _ask(mmm, "Which region has the best ROI?")
    assert r.answer.startswith("The data has no region column"), r.answer
    assert [a.name for a in r.analyses] == ["unknown_names"]


def test_generated_folder_is_media_mix(mmm: tuple[Dataset, ResponseBundle]) -> None:
    ds, b = mmm
    assert getattr(ds, "campaign_source", None) == "mmm" and set(b.models) == {"revenue"}


def test_media_mix_off_target_ranks_the_business_kpis_moves(mmm: tuple[Dataset, ResponseBundle]) -> None:
    r = _ask(mmm, "Which KPIs are off target?")
    moves = next(a for a in r.analyses if a.name == "kpi_moves").result["moves"]
    assert moves and {m["kpi"] for m in moves} <= {"business_revenue", "business_conversions", "mer", "blended_cac"}
    worse = [m for m in moves if m["harm"] > 0]
    assert ("No KPI moved the wrong way" in r.answer) == (not worse), r.answer


def test_media_mix_customers_says_there_are_no_surveys(mmm: tuple[Dataset, ResponseBundle]) -> None:
    for q, said, not_said in (("What is the customer lifetime value?", "no surveys", "No significant CSAT"),
                              ("Какой CLV:CAC по каналам?", "нет опросов", "Заметных снижений")):
        r = _ask(mmm, q)
        assert said in r.answer and not_said not in r.answer, r.answer


def test_overview_of_an_asked_past_period_covers_that_period(mmm: tuple[Dataset, ResponseBundle]) -> None:
    ds, _ = mmm
    last = ds.campaign_daily["date"].max()
    r = _ask(mmm, "Give me an overview of last month")
    res = next(a for a in r.analyses if a.name == "kpis_recent").result
    month_end = (last.to_period("M").start_time - pd.Timedelta(days=1)).date()
    assert res["asked_period"] is True and res["to"] == month_end.isoformat(), res
    assert r.answer.startswith(f"{res['from']}..{res['to']}"), r.answer
    plain = _ask(mmm, "How are we doing?")
    assert plain.answer.startswith("Last 28 days")


def test_parser_reports_channels_and_segment_columns_the_data_lacks() -> None:
    from advisor.advise.understand import understand

    names = {"campaign_id": ["search", "video"], "channel": ["search", "video"]}
    q = understand("Why did tv underperform?", names)
    assert q.extra["unknown_channels"] == ["tv"] and not q.channels
    assert understand("Почему просело телевидение и радио?", names).extra["unknown_channels"] == ["tv", "radio"]
    assert "unknown_channels" not in understand("Why did video underperform?", names).extra
    assert "unknown_channels" not in understand("Print the ROI trend", names).extra  # a plain word, not a channel
    seg = understand("Which region has the best ROI?", names)
    assert seg.extra["unknown_attributes"] == ["region"]
    with_region = understand("Which region has the best ROI?", names, attributes={"region": ["west", "east"]})
    assert "unknown_attributes" not in with_region.extra and with_region.attribute == "region"


CONV_QUESTIONS = [
    ("Is search underfunded?", "en"), ("Какому каналу добавить бюджет?", "ru"), ("Why did social underperform?", "en"),
    ("Which channels need attention?", "en"), ("Какие каналы требуют внимания?", "ru"),
    ("What will revenue be next month?", "en"), ("How has ROI changed by month?", "en"),
    ("Как менялся ROI по месяцам?", "ru"), ("How are we doing?", "en"), ("How should we split 500k next quarter?", "en"),
]


@pytest.mark.parametrize(("q", "lang"), CONV_QUESTIONS, ids=[q for q, _ in CONV_QUESTIONS])
def test_conversions_only_questions_answer_verified_in_their_language(
    mmm_conv: tuple[Dataset, ResponseBundle], q: str, lang: str
) -> None:
    check(_ask(mmm_conv, q), lang)


def test_conversions_only_funding_ranks_the_marginal_cost_per_conversion(mmm_conv: tuple[Dataset, ResponseBundle]) -> None:
    r = _ask(mmm_conv, "Is search underfunded?")
    assert r.answer.startswith("Marginal ROI needs revenue") and "No channel has a marginal ROI" not in r.answer
    rows = r.analyses[0].result["channels"]
    costs = [x["marginal_cost_per_conversion"] for x in rows if x["marginal_cost_per_conversion"] is not None]
    assert len(costs) == len(rows) == 3 and costs == sorted(costs) and all(c > 0 for c in costs)
    assert r.analyses[0].result["verdict"]["channel"] == "search"


def test_conversions_only_revenue_forecast_and_roi_trend_say_what_is_missing(mmm_conv: tuple[Dataset, ResponseBundle]) -> None:
    fc = _ask(mmm_conv, "What will revenue be next month?")
    assert "revenue cannot be forecast" in fc.answer and "conversions" in fc.answer.splitlines()[0]
    tr = _ask(mmm_conv, "How has ROI changed by month?")
    assert tr.analyses[0].params["stand_in"] == "blended_cac" and tr.analyses[0].result["months"], tr.answer
    att = _ask(mmm_conv, "Which channels need attention?")
    assert "Channel budgets are not judged" in att.answer


@pytest.fixture(scope="module")
def mmm_geo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Dataset, ResponseBundle]:
    """Three geos, both outcomes."""
    return _mmm_set(tmp_path_factory, None, geos=3)


@pytest.mark.parametrize(("q", "lang", "order"), [("Which region has the best ROI?", "en", "best"),
                                                   ("Какой регион хуже всего?", "ru", "worst")])
def test_geo_media_mix_region_question_ranks_geos_by_a_business_kpi(
    mmm_geo: tuple[Dataset, ResponseBundle], q: str, lang: str, order: str
) -> None:
    r = _ask(mmm_geo, q)
    check(r, lang)
    a = r.analyses[0]
    assert r.kind == "segment" and a.result["attribute"] == "geo" and a.params["stand_in"] == "mer", r.answer
    values = [row["mer"] for row in a.result["rows"]]
    assert len(values) == 3 and all(v is not None for v in values)
    assert values == sorted(values, reverse=order == "best")
    assert sum(("MER (business totals" in ln) or ("«MER» (итоги" in ln) for ln in r.answer.splitlines()) == 1


def test_compare_two_channels_ranks_the_kpi_over_those_channels(dataset: Dataset, bundle: ResponseBundle) -> None:
    """An extra channel compared with a default one ("Сравни ROI подкастов и email" was a scorecard overview)."""
    extra = sorted(set(dataset.campaign_daily["channel"].astype(str)) - {
        "search", "social", "display", "video", "email", "affiliate"})[0]
    for q, lang in ((f"Compare {extra} and email on ROAS", "en"), (f"Сравни ROI {extra} и email", "ru")):
        r = advise(q, dataset=dataset, bundle=bundle)
        check(r, lang)
        res = r.analyses[0].result
        assert r.kind == "segment" and res["attribute"] == "channel", r.answer
        assert sorted(row["value"] for row in res["rows"]) == sorted([extra, "email"])


def test_trend_of_one_asked_month_shows_the_months_around_it(dataset: Dataset, bundle: ResponseBundle) -> None:
    """"Did revenue drop in March 2026?" (around a trend break) was "too few full months to show a trend"."""
    r = advise("How did revenue change in March 2026?", dataset=dataset, bundle=bundle)
    check(r, "en")
    months = [m["period"] for m in r.analyses[0].result["months"]]
    assert "2026-03" in months and len(months) >= 6 and "too few" not in r.answer, r.answer
    assert ".0" not in r.answer.splitlines()[0].split("(")[1]  # totals in whole units, not 1,281,502.90
