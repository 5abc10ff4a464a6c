"""advisor.core.jsonable: every result value becomes plain JSON; NaN/inf become null."""

from __future__ import annotations

import dataclasses
import enum
import json
import math
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import BaseModel

from advisor.core.jsonable import dumps, to_jsonable


class Colour(enum.Enum):
    RED = "red"


@dataclasses.dataclass(frozen=True)
class Point:
    x: float
    when: date


class Body(BaseModel):
    n: int
    at: date


def test_plain_values_pass_and_non_finite_floats_become_null() -> None:
    doc = {"a": [1, 2.5, "x", None, True], "b": (math.nan, math.inf, -math.inf), 3: {"c": 1.0}}
    assert to_jsonable(doc) == {"a": [1, 2.5, "x", None, True], "b": [None, None, None], "3": {"c": 1.0}}


def test_numpy_and_pandas_values() -> None:
    doc = {
        "i": np.int64(3), "f": np.float32(0.5), "nan": np.float64("nan"), "b": np.bool_(True),
        "arr": np.array([1.0, np.inf]), "day": pd.Timestamp("2026-10-01"), "moment": pd.Timestamp("2026-10-01 12:30"),
        "nat": pd.NaT, "na": pd.NA, "series": pd.Series([1, 2]),
        "frame": pd.DataFrame({"x": [1.0, np.nan]}),
    }
    out = to_jsonable(doc)
    assert out == {
        "i": 3, "f": 0.5, "nan": None, "b": True, "arr": [1.0, None], "day": "2026-10-01",
        "moment": "2026-10-01T12:30:00", "nat": None, "na": None, "series": [1, 2], "frame": [{"x": 1.0}, {"x": None}],
    }
    assert type(out["i"]) is int and type(out["b"]) is bool
    json.dumps(out, allow_nan=False)


def test_dates_paths_enums_dataclasses_and_pydantic_models() -> None:
    moment = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
    out = to_jsonable(
        [date(2026, 10, 1), moment, Path("/a/b"), Colour.RED, Point(math.nan, date(2026, 1, 2)), Body(n=1, at=date(2026, 1, 2))]
    )
    assert out == [
        "2026-10-01", "2026-10-01T08:00:00+00:00", "/a/b", "red", {"x": None, "when": "2026-01-02"},
        {"n": 1, "at": "2026-01-02"},
    ]


def test_objects_with_to_dict_or_to_json() -> None:
    class Result:
        def to_json(self) -> dict[str, float]:
            return {"roi": math.nan}

    class Domain:
        def to_dict(self) -> dict[str, object]:
            return {"r": Result()}

    assert to_jsonable(Domain()) == {"r": {"roi": None}}


def test_dumps_is_one_strict_json_document() -> None:
    assert dumps({"x": math.nan, "y": "é"}) == '{"x": null, "y": "é"}'
    with pytest.raises(TypeError):
        dumps({"x": object()})
