"""Action catalog: loading, user overrides, safe preconditions."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.core.findings import Finding
from advisor.recommend import ActionCatalogError, default_actions, load_actions, matches


def test_builtin_catalog_has_the_issue_actions() -> None:
    ids = set(default_actions().ids)
    assert {
        "refresh_creative", "check_landing_page", "revert_audience", "move_budget",
        "tighten_targeting_or_retention", "change_format", "fix_customer_experience",
        "team_research", "team_creativity", "team_collaboration",
    } <= ids


def test_every_action_has_english_and_russian_text() -> None:
    for a in default_actions().actions:
        assert set(a.text) == {"en", "ru"}, a.id
        assert set(a.rationale) == {"en", "ru"}, a.id


def test_user_file_overrides_adds_and_removes(tmp_path: Path) -> None:
    user = tmp_path / "mine.yaml"
    user.write_text(
        """
actions:
  - id: refresh_creative
    when: {check: creative_fatigue, where: "relative_change < -0.5"}
    impact: {method: restore_loss, recovery: 0.2}
    confidence: 0.3
    text: "Brief the agency on new creative for {scope}"
  - id: team_creativity
    enabled: false
  - id: pause_campaign
    when: {check: conversion_rate_drop, status: [failing]}
    text: {en: "Pause {scope}", ru: "Остановите {scope}"}
""",
        encoding="utf-8",
    )
    cat = load_actions(user)
    assert "team_creativity" not in cat.ids
    assert cat.ids[-1] == "pause_campaign"
    assert cat["refresh_creative"].impact_params["recovery"] == 0.2
    assert cat["refresh_creative"].text["en"].startswith("Brief the agency")


@pytest.mark.parametrize(
    "where",
    ["__import__('os').system('echo pwned')", "relative_change.real < 0", "open('x')", "[x for x in y]"],
)
def test_unsafe_preconditions_are_rejected(tmp_path: Path, where: str) -> None:
    user = tmp_path / "bad.yaml"
    user.write_text(f'actions:\n  - id: x\n    when: {{check: a, where: "{where}"}}\n    text: "t"\n', encoding="utf-8")
    with pytest.raises(ActionCatalogError):
        load_actions(user)


def test_template_attribute_access_is_rejected(tmp_path: Path) -> None:
    user = tmp_path / "bad.yaml"
    user.write_text('actions:\n  - id: x\n    when: {check: a}\n    text: "{scope.__class__}"\n', encoding="utf-8")
    with pytest.raises(ActionCatalogError, match="plain name"):
        load_actions(user)


def test_where_filters_on_numeric_evidence_and_missing_evidence_is_false() -> None:
    cond = default_actions()["move_budget"].when[0]
    low = Finding("saturation", "ok", kind="response", scope={"channel": "a"}, evidence={"marginal_roi": 0.4})
    high = Finding("saturation", "ok", kind="response", scope={"channel": "b"}, evidence={"marginal_roi": 3.0})
    none = Finding("saturation", "ok", kind="response", scope={"channel": "c"}, evidence={})
    assert matches(cond, low)
    assert not matches(cond, high)
    assert not matches(cond, none)
