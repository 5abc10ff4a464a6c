"""models.yamlio: the bounded YAML reader shared by advisor.data (user files) and models.plan (plan files)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest

from models.plan import PlanError, load_plan
from models.yamlio import YamlLimitError, load_yaml, read_yaml


def test_depth_is_counted_over_mappings_and_sequences() -> None:
    assert load_yaml("a: [[1]]", max_depth=3) == {"a": [[1]]}
    with pytest.raises(YamlLimitError) as info:
        load_yaml("a: [[[1]]]", "t.yaml", max_depth=3)
    assert (info.value.rule, info.value.limit, info.value.actual) == ("max_yaml_depth", 3, 4)
    assert "t.yaml" in str(info.value)


@pytest.mark.parametrize(
    "text",
    ["x: " + "[" * 600 + "]" * 600, "".join("  " * i + f"k{i}:\n" for i in range(600)) + "  " * 600 + "v"],
)
def test_600_deep_is_refused_without_recursion_error(text: str) -> None:
    with pytest.raises(YamlLimitError, match="max_yaml_depth"):
        load_yaml(text, "deep.yaml")


def test_size_is_checked_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("a: 1\n" * 100)
    with pytest.raises(YamlLimitError) as info:
        read_yaml(path, max_bytes=499)
    assert (info.value.rule, info.value.actual) == ("max_yaml_bytes", 500)
    assert read_yaml(path, max_bytes=500) == {"a": 1}


def test_yaml11_boolean_keys_read_as_text_values_unchanged() -> None:
    doc = load_yaml("on: a\nOFF: b\nYes: c\nno: d\ntrue: e\nk: [on, yes, true]\n")
    assert doc == {"on": "a", "OFF": "b", "Yes": "c", "no": "d", True: "e", "k": [True, True, True]}


def test_plan_file_too_deep_is_a_plan_error(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text("spend: " + "[" * 600 + "]" * 600 + "\n")
    with pytest.raises(PlanError, match="max_yaml_depth"):
        load_plan(path, cast(Any, None))  # refused while parsing, before the bundle is used


def test_plan_file_channel_names_yaml_would_read_as_booleans(tmp_path: Path) -> None:
    from models.response.bundle import PlanningContext, ResponseBundle

    names = ("n", "no", "off", "on", "y", "yes")
    ctx = PlanningContext(names, {}, {c: (1 / 7,) * 7 for c in names}, {c: 10.0 for c in names}, "2026-10-31", "D")
    path = tmp_path / "plan.yaml"
    path.write_text("start: 2026-11-01\nend: 2026-11-07\nspend:\n" + "".join(f"  {c}: {i + 1}\n" for i, c in
                                                                          enumerate(names))
                    + "daily:\n  ON: [1, 1, 1, 1, 1, 1, 1]\n")
    plan = load_plan(path, ResponseBundle({}, ctx))
    assert plan.spend == {"n": 1.0, "no": 2.0, "off": 3.0, "on": 7.0, "y": 5.0, "yes": 6.0}
    assert plan.daily == {"on": (1.0,) * 7}
