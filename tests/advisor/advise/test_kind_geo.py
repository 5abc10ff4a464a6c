"""The geo split (``advisor.advise.kinds.geo``): a channel by geo, the channels in one geo, on a geo model trained
on a small media-mix world with four geos, in English and Russian, every number verified; the rules that say when
the split cannot be read, on results built by hand."""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

import pytest

from advisor.advise import advise
from advisor.advise.kinds.base import Env
from advisor.advise.kinds.geo import T, lines, recommendations, run_geo_split
from advisor.advise.question import Question
from advisor.advise.run import AdviceResult, known_names
from advisor.advise.understand import understand
from advisor.data import Dataset, load_dataset
from models.response import ResponseBundle, ResponseSpec

answers = sys.modules["kpi_advise_answers"]


@pytest.fixture(scope="module")
def geo_set(tmp_path_factory: pytest.TempPathFactory) -> tuple[Dataset, ResponseBundle]:
    """Four geos, three channels, about 70 weeks, both outcomes; trained without backtests."""
    from advisor.ops.modelset import load_model_set
    from advisor.ops.train import training_tables
    from demo_world import generate_mmm_world
    from training.pipeline import train_all

    folder = tmp_path_factory.mktemp("geo-split")
    generate_mmm_world(seed=2, days=490, channels=3, geos=4).write(folder)
    ds = load_dataset(folder)
    tables, layout = training_tables(ds)
    models = tmp_path_factory.mktemp("geo-split-models")
    train_all(tables, models, mmm=layout, campaign_source="mmm", backtest=None, drivers=False, clv=False,
              spec=ResponseSpec(n_starts=1))
    found = load_model_set(models)
    assert found.bundle is not None
    return ds, found.bundle


def _ask(geo_set: tuple[Dataset, ResponseBundle], q: str) -> AdviceResult:
    ds, b = geo_set
    return advise(q, dataset=ds, bundle=b)


def _checked(r: AdviceResult, lang: str) -> dict[str, Any]:
    """The geo split's result, after checking the answer is verified and, in Russian, has no English words."""
    assert r.answer.strip() and r.verified and r.lang == lang, (r.question, r.answer)
    if lang == "ru":
        assert not answers.latin_words(r.answer), (answers.latin_words(r.answer), r.answer)
    a = r.analyses[0]
    assert r.kind == "segment" and a.name == "geo_split", (r.kind, a.name, r.answer)
    return dict(a.result)


@pytest.mark.parametrize(
    ("q", "lang"),
    [("How does {ch} do by geo?", "en"), ("Where does {ch} work best?", "en"), ("Как работает {ch} по регионам?", "ru"),
     ("Где лучше всего работает {ch}?", "ru")],
)
def test_a_channel_by_geo_ranks_every_geo_by_its_return_with_intervals(
    geo_set: tuple[Dataset, ResponseBundle], q: str, lang: str
) -> None:
    ds, bundle = geo_set
    ch = "search"
    res = _checked(_ask(geo_set, q.format(ch=ch)), lang)
    assert res["split"] == "geos" and res["channel"] == ch and res["basis"] == "revenue"
    assert res["ranked_by"] == "average" and all(r["marginal"] is not None for r in res["rows"])
    rows = res["rows"]
    assert sorted(r["value"] for r in rows) == sorted(ds.mmm.frame["geo"].astype(str).unique())  # type: ignore[union-attr]
    rois = [r["roi"] for r in rows]
    assert rois == sorted(rois, reverse=True)
    for r in rows:
        assert r["lower_80"] <= r["incremental"] <= r["upper_80"]
        assert r["roi"] == pytest.approx(r["incremental"] / r["spend"] - 1.0)
    # the rows are the attribution operation's per-geo figures over the same window
    from advisor.advise.kinds.contribution import run_attribution

    q0 = Question(q.format(ch=ch), "segment", channels=(ch,), attribute="geo")
    geos = run_attribution(ds, bundle, q0).result["geos"]
    for r in rows:
        assert r["incremental"] == pytest.approx(geos[r["value"]][ch]["incremental_revenue"])
        assert r["spend"] == pytest.approx(geos[r["value"]][ch]["spend"])


@pytest.mark.parametrize(("q", "lang"), [("Which geos should get more search budget?", "en"),
                                         ("В каких регионах добавить бюджет на search?", "ru")])
def test_a_budget_question_ranks_the_geos_by_the_next_units_return(
    geo_set: tuple[Dataset, ResponseBundle], q: str, lang: str
) -> None:
    r = _ask(geo_set, q)
    res = _checked(r, lang)
    assert res["ranked_by"] == "next_unit" and res["split"] == "geos"
    nxt = [x["marginal"] for x in res["rows"]]
    assert nxt == sorted(nxt, reverse=True)
    for x in res["rows"]:
        assert 0 < x["marginal_lower_80"] <= x["marginal"] <= x["marginal_upper_80"]
        assert x["next_roi"] == pytest.approx(x["marginal"] - 1.0)
    assert r.answer.splitlines()[-1] == T[lang]["by_next"]


def test_the_worst_first_when_asked_and_conversions_give_the_cost_per_incremental_conversion(
    geo_set: tuple[Dataset, ResponseBundle],
) -> None:
    res = _checked(_ask(geo_set, "In which geo does social have the worst cost per incremental conversion?"), "en")
    assert res["order"] == "worst"
    res = _checked(_ask(geo_set, "Which geo does social bring the worst conversions in?"), "en")
    assert res["basis"] == "conversions" and res["order"] == "worst"
    costs = [r["cpic"] for r in res["rows"]]
    assert costs == sorted(costs, reverse=True)  # worst (dearest) first
    for r in res["rows"]:
        assert r["cpic"] == pytest.approx(r["spend"] / r["incremental"])
        assert r["cpic_lower_80"] == pytest.approx(r["spend"] / r["upper_80"])


@pytest.mark.parametrize(("q", "lang"), [("Which channel works best in geo_02?", "en"),
                                         ("Какой канал лучше всего работает в geo_02?", "ru")])
def test_the_channels_in_one_geo(geo_set: tuple[Dataset, ResponseBundle], q: str, lang: str) -> None:
    res = _checked(_ask(geo_set, q), lang)
    assert res["split"] == "channels" and res["geo"] == "geo_02"
    assert sorted(r["value"] for r in res["rows"]) == ["display", "search", "social"]


def test_the_next_unit_in_one_geo_is_the_same_read_from_the_geo_or_from_the_channel(
    geo_set: tuple[Dataset, ResponseBundle],
) -> None:
    """The channels-in-a-geo answer reads each channel's curve on that geo's rows only; the channel-by-geo answer on
    the whole panel: the same figure (each geo's adstock runs on its own spend)."""
    in_geo = {r["value"]: r for r in _checked(_ask(geo_set, "Which channel works best in geo_02?"), "en")["rows"]}
    by_geo = {r["value"]: r for r in _checked(_ask(geo_set, "How does social do by geo?"), "en")["rows"]}
    assert in_geo["social"]["marginal"] == pytest.approx(by_geo["geo_02"]["marginal"], rel=1e-9)


def test_one_channel_in_one_geo_is_one_sentence(geo_set: tuple[Dataset, ResponseBundle]) -> None:
    r = _ask(geo_set, "What did search add in geo_01?")
    res = _checked(r, "en")
    assert [x["value"] for x in res["rows"]] == ["search"]
    assert r.answer.startswith('In "geo_01", ') and 'channel "search" added' in r.answer


def test_a_region_question_naming_no_channel_nor_geo_keeps_the_business_kpi_ranking(
    geo_set: tuple[Dataset, ResponseBundle],
) -> None:
    r = _ask(geo_set, "Which region has the best ROI?")
    assert r.kind == "segment" and r.analyses[0].name == "segment" and r.analyses[0].result["attribute"] == "geo"


def test_where_needs_a_regional_column_to_ask_by_place() -> None:
    names = {"channel": ["search", "social"], "campaign_id": []}
    q = understand("Where does search work best?", names, attributes={"geo": ["a", "b"]})
    assert q.kind == "segment" and q.attribute == "geo" and q.extra.get("order") == "best"
    q = understand("Где лучше всего работает search?", names, attributes={"region": ["a"]})
    assert q.kind == "segment" and q.attribute == "region"
    assert understand("Where does search work best?", names, attributes={"audience": ["x"]}).kind == "overview"
    assert understand("Where should we cut 20% of the budget?", names, attributes={"geo": ["a"]}).kind == "funding"


# ------------------------------------------------------------------------------------------- the rules, by hand
def _row(name: str, v: float, lo: float, hi: float, spend: float = 100.0) -> dict[str, Any]:
    return {"value": name, "spend": spend, "incremental": v, "lower_80": lo, "upper_80": hi,
            "reaches_zero": lo <= 0, "cpic": spend / v if v else None, "cpic_lower_80": spend / hi,
            "cpic_upper_80": spend / lo if lo else None, "ret": v / spend}


def _result(rows: list[dict[str, Any]], firm: bool | None) -> dict[str, Any]:
    for i, r in enumerate(rows, 1):
        r["rank"] = i
    return {"from": "2024-01-01", "to": "2024-03-31", "window": "default", "basis": "conversions", "split": "geos",
            "channel": "tv", "geo": None, "order": "best", "rows": rows, "n_rows": len(rows),
            "n_spending": len(rows), "n_reach_zero": sum(r["reaches_zero"] for r in rows), "n_left_out": 0,
            "firm_ranking": firm, "national": {"incremental": 30.0, "lower_80": 10.0, "upper_80": 50.0}}


Q = Question("How does tv do by geo?", "segment", channels=("tv",), attribute="geo")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_half_the_geos_reaching_zero_make_the_split_unreadable_and_a_holdout_is_recommended(lang: str) -> None:
    res = _result([_row("a", 20, 5, 35), _row("b", 8, 0, 20), _row("c", 6, 0, 15), _row("d", 2, 0, 9)], False)
    text = "\n".join(lines(res, Q, lang))
    head = T[lang]["unreadable"].split("{n}")[0]
    assert head in text and "3" in text and "30" in text
    recs = recommendations(res, lang)
    assert [r.id for r in recs] == ["run_lift_test"] and recs[0].scope == {"channel": "tv"}
    assert T[lang]["overlap"] not in text  # said once: unreadable already covers it


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_every_geo_above_zero_is_said_and_an_overlap_is_flagged(lang: str) -> None:
    res = _result([_row("a", 20, 15, 25), _row("b", 12, 8, 16)], True)
    text = "\n".join(lines(res, Q, lang))
    assert T[lang]["all_clear"] in text and T[lang]["overlap"] not in text
    assert recommendations(res, lang) == ()
    res = _result([_row("a", 20, 10, 30), _row("b", 12, 6, 18)], False)
    assert T[lang]["overlap"] in "\n".join(lines(res, Q, lang))


def test_a_minority_of_zero_geos_is_named() -> None:
    res = _result([_row("a", 20, 15, 25), _row("b", 12, 8, 16), _row("c", 3, 0, 9)], True)
    text = "\n".join(lines(res, Q, "en"))
    assert 'In 1 of 3 geos its 80% interval reaches 0 ("c")' in text
    assert recommendations(res, "en") == ()


def test_many_geos_list_both_ends_and_count_the_rest() -> None:
    rows = [_row(f"g{i:02d}", 30 - i, 1, 60 - i) for i in range(20)]
    res = _result(rows, False)
    res["n_left_out"] = 10
    text = lines(res, Q, "en")
    listed = [ln for ln in text if ln[:1].isdigit()]
    assert [ln.split(".")[0] for ln in listed] == ["1", "2", "3", "4", "5", "16", "17", "18", "19", "20"]
    assert "The other 10 geos are in the analysis." in text


def test_without_models_or_without_a_geo_split_the_answer_says_so(
    geo_set: tuple[Dataset, ResponseBundle], monkeypatch: pytest.MonkeyPatch
) -> None:
    from advisor.advise.analyses import NO_MODELS
    from advisor.advise.kinds import geo

    ds, bundle = geo_set
    q = Question("How does search do by geo?", "segment", channels=("search",), attribute="geo")
    a = run_geo_split(Env(ds, None, names=known_names(ds)), q)
    assert a.result["error"] == NO_MODELS
    # models whose attribution has no split by geo (national models): said in words, nothing ranked
    real = geo.run_attribution

    def national(*args: Any) -> Any:
        found = real(*args)
        return dataclasses.replace(found, result={k: v for k, v in found.result.items() if k != "geos"})

    monkeypatch.setattr(geo, "run_attribution", national)
    answer = geo.handle(q, Env(ds, bundle, names=known_names(ds)))
    assert answer.analyses[0].result == {"error": "no_geo_model"} and answer.lines == (T["en"]["no_geo_model"],)
