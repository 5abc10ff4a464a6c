"""trend: the KPI by month for the scope's own number, partial months left out, direction with tolerance."""

from __future__ import annotations

import re
import sys
from typing import Any

import pandas as pd
import pytest

from advisor.advise.kinds.base import Answer, Env
from advisor.advise.kinds.trend import TOLERANCE, direction_of, fmt_value, handle
from advisor.advise.question import Period, Question
from advisor.data import Dataset
from advisor.kpis import compute_kpis
from advisor.kpis.business import kpi_tables

MONTH = re.compile(r"^- (\d{4}-\d{2}): (\S+)$")


answers = sys.modules["kpi_advise_answers"]
_text, _english_words = answers.text_of, answers.english_words


def _verified(a: Answer) -> None:
    answers.assert_lines_verified(a, recommendations=False)  # against the analyses alone


def test_direction_rule() -> None:
    assert direction_of([1.0, 1.1, 1.2, 1.3, 1.4, 1.5])[0] == "up"
    assert direction_of([2.0, 1.9, 1.7, 1.6, 1.4, 1.2])[0] == "down"
    assert direction_of([1.0, 1.02, 0.99, 1.01, 1.0, 1.02])[0] == "flat"
    # only the last 6 months count: an old rise does not make a flat recent half-year rising
    assert direction_of([0.1, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])[0] == "flat"
    d, _, rel = direction_of([1.0, 1.0, 1.0, 1.0, 1.0, 1.0 + TOLERANCE])
    assert d == "flat" and 0 < rel < TOLERANCE  # a last-month step of 10% is a fitted change of about 7%
    assert direction_of([1.0, 1.0, 1.0, 1.0, 1.0, 0.6])[0] == "down"  # a step of -40% is not


def test_channel_roi_by_month_is_the_channels_own_number(plain_dataset: Dataset) -> None:
    a = handle(Question("ROI trend for search?", "trend", channels=("search",)), Env(plain_dataset))
    res = a.analyses[0].result
    own = compute_kpis(kpi_tables(plain_dataset), by=("channel",), grain="month", kpis=["roi"]).frame
    own = own[own["channel"] == "search"].set_index("period")["roi"]
    assert res["months"] and all(r["value"] == pytest.approx(own[r["period"]], rel=1e-5) for r in res["months"])
    months = [m.group(1) for line in a.lines if (m := MONTH.match(line))]
    assert months == [r["period"] for r in res["months"]]
    assert a.lines[0].startswith('ROI of channel "search" is ')
    assert res["direction"] in a.lines[0] or {"up": "rising", "down": "falling", "flat": "flat"}[res["direction"]] in a.lines[0]
    _verified(a)


def test_planted_creative_fatigue_ctr_is_falling(world400: Any, plain_dataset: Dataset) -> None:
    p = next(p for p in world400.truth["problems"] if p["kind"] == "creative_fatigue")
    a = handle(Question("How did CTR change?", "trend", campaigns=(p["campaign_id"],), kpi="ctr"), Env(plain_dataset))
    assert a.analyses[0].result["direction"] == "down"
    assert a.lines[0].startswith(f'CTR of campaign "{p["campaign_id"]}" is falling')
    assert "worse" in a.lines[0]
    _verified(a)


def test_partial_months_are_left_out_and_said(plain_dataset: Dataset) -> None:
    cd = plain_dataset.campaign_daily
    dates = pd.to_datetime(cd["date"])
    last = dates.max()
    cut = cd[dates <= last - pd.Timedelta(days=10)]
    a = handle(Question("ROI trend", "trend", lang="ru"), Env(Dataset.from_frames(campaign_daily=cut)))
    res = a.analyses[0].result
    end = pd.Timestamp(res["data_end"])
    assert res["dropped"] and res["dropped"][-1]["period"] == end.strftime("%Y-%m")
    assert all(r["period"] != end.strftime("%Y-%m") for r in res["months"])
    assert any(n.startswith(f"{end:%Y-%m} не учтён") for n in a.notes)
    assert a.lines[0].startswith("ROI всех кампаний ")
    assert _english_words(_text(a)) == []
    _verified(a)


def test_past_period_limits_the_months(plain_dataset: Dataset) -> None:
    q = Question("CPA in Q3", "trend", channels=("social",), kpi="cpa", period=Period("2026-07-01", "2026-09-30", "Q3"))
    a = handle(q, Env(plain_dataset))
    assert [r["period"] for r in a.analyses[0].result["months"]] == ["2026-07", "2026-08", "2026-09"]
    assert "over 3 months (2026-07..2026-09)" in a.lines[0]
    _verified(a)


def test_unknown_kpi_and_value_format() -> None:
    from advisor.kpis.catalog import default_catalog

    spec = default_catalog().kpis["roi"]
    assert fmt_value(0.623, spec, "en") == "62.3%"
    assert fmt_value(-0.05, spec, "ru") == "−5,0%"
    assert fmt_value(31.456, default_catalog().kpis["cpa"], "ru") == "31,46"


def test_unknown_kpi(plain_dataset: Dataset) -> None:
    a = handle(Question("bogus trend", "trend", kpi="bogus"), Env(plain_dataset))
    assert "error" in a.analyses[0].result and len(a.lines) == 1
