"""Cross-table warnings: each rule fires on a demo folder broken in exactly one way, and never on a clean one."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import yaml

from advisor.data import load_dataset
from demo_world import generate_world

CROSS_RULES = {"unknown_campaign", "unknown_channel", "campaign_channel_mismatch", "no_date_overlap", "outcomes_gaps",
               "unknown_scope"}


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("world") / "data"
    root.mkdir()
    generate_world(seed=3, days=120).write(root)
    return root


def _copy(clean: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(clean, tmp_path / "data"))


def _edit_csv(folder: Path, table: str, change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    path = folder / f"{table}.csv"
    change(pd.read_csv(path, dtype=str)).to_csv(path, index=False)


def _cross(folder: Path) -> list[tuple[str, str, str]]:
    ds = load_dataset(folder)
    return [(w.table, w.rule, w.message) for w in ds.warnings if w.rule in CROSS_RULES]


def test_a_clean_demo_folder_has_no_cross_table_warnings(clean: Path) -> None:
    assert _cross(clean) == []


def _orders_unknown_campaign(df: pd.DataFrame) -> pd.DataFrame:
    df.loc[:2, "campaign_id"] = "ghost-99"
    df.loc[:2, "channel"] = "search"
    return df


def _surveys_channel_case(df: pd.DataFrame) -> pd.DataFrame:
    df.loc[:3, "channel"] = "Search"
    return df


def _orders_wrong_channel(df: pd.DataFrame) -> pd.DataFrame:
    first = df["campaign_id"].iloc[0]
    df.loc[df["campaign_id"] == first, "channel"] = "email" if not str(first).startswith("email") else "search"
    return df


def _outcomes_gap(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(index=[10, 11, 12])


def _outcomes_elsewhere(df: pd.DataFrame) -> pd.DataFrame:
    df["date"] = (pd.to_datetime(df["date"]) + pd.Timedelta(days=3650)).dt.strftime("%Y-%m-%d")
    return df


@pytest.mark.parametrize(
    ("table", "change", "expected_table", "rule", "words"),
    [
        ("orders", _orders_unknown_campaign, "orders", "unknown_campaign", ["3 row(s)", "'ghost-99'"]),
        ("surveys", _surveys_channel_case, "surveys", "unknown_channel", ["'Search' → 'search'?"]),
        ("orders", _orders_wrong_channel, "orders", "campaign_channel_mismatch", ["campaign_daily's channel is used"]),
        ("outcomes_daily", _outcomes_gap, "outcomes_daily", "outcomes_gaps", ["lacks 3 date(s)"]),
        ("outcomes_daily", _outcomes_elsewhere, "outcomes_daily", "no_date_overlap", ["no date in common"]),
    ],
)
def test_each_rule_fires_on_its_break(clean: Path, tmp_path: Path, table: str,
                                      change: Callable[[pd.DataFrame], pd.DataFrame], expected_table: str, rule: str,
                                      words: list[str]) -> None:
    folder = _copy(clean, tmp_path)
    _edit_csv(folder, table, change)
    found = _cross(folder)
    assert [(t, r) for t, r, _ in found] == [(expected_table, rule)], found
    for w in words:
        assert w in found[0][2]


def test_target_scopes_must_match_the_data(clean: Path, tmp_path: Path) -> None:
    folder = _copy(clean, tmp_path)
    doc = yaml.safe_load((folder / "targets.yaml").read_text())
    doc["targets"] += [{"kpi": "cpa", "target": 20, "scope": {"channel": "serach"}},
                       {"kpi": "cpa", "target": 20, "scope": {"market": "north"}},
                       {"kpi": "cpa", "target": 20, "scope": {"channel": "search"}}]
    (folder / "targets.yaml").write_text(yaml.safe_dump(doc))
    found = _cross(folder)
    assert [r for _, r, _ in found] == ["unknown_scope", "unknown_scope"]
    assert "scope channel='serach' matches no campaign_daily row (did you mean 'search'?)" in found[0][2]
    assert "scope column 'market' is not a campaign_daily column" in found[1][2]
