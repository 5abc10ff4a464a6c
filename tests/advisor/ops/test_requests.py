"""advisor.ops.requests: the rules every interface validates through."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from pydantic import ValidationError

from advisor.ops.requests import (
    DiagnoseRequest,
    ForecastRequest,
    KpisRequest,
    OptimizeRequest,
    TrainRequest,
    parse_iso_date,
)


@pytest.mark.parametrize("bad", [0, "0", 20261001, "2026-1-5", "2026/10/01", "01.10.2026", "2026-02-30", "", None])
def test_dates_are_strict_iso(bad: object) -> None:
    with pytest.raises(ValueError, match="date"):
        parse_iso_date(bad)


@pytest.mark.parametrize("bad", ["0303-09-19", "1899-12-31", "2200-01-01", date(1, 1, 1)])
def test_dates_out_of_range_are_refused(bad: object) -> None:
    with pytest.raises(ValueError, match=r"out of range.*1900-01-01 and 2199-12-31"):
        parse_iso_date(bad)
    assert parse_iso_date("1900-01-01") == date(1900, 1, 1) and parse_iso_date("2199-12-31") == date(2199, 12, 31)


def test_iso_dates_and_date_objects_pass_a_moment_does_not() -> None:
    assert parse_iso_date("2026-10-01") == date(2026, 10, 1) == parse_iso_date(date(2026, 10, 1))
    with pytest.raises(ValueError, match="moment"):
        parse_iso_date(datetime(2026, 10, 1, 12))
    assert KpisRequest.model_validate_json('{"start": "2026-07-01", "end": null}').start == date(2026, 7, 1)
    with pytest.raises(ValidationError, match="ISO date"):
        KpisRequest.model_validate_json('{"start": 0}')


@pytest.mark.parametrize(
    "body",
    [
        '{"start": "2026-11-01", "end": "2026-11-28", "budget": 1000, "min_roi": NaN}',
        '{"start": "2026-11-01", "end": "2026-11-28", "budget": 1000, "min_roi": -Infinity}',
        '{"start": "2026-11-01", "end": "2026-11-28", "target_revenue": Infinity}',
        '{"start": "2026-11-01", "end": "2026-11-28", "budget": 1000, "bounds": {"search": [0, Infinity]}}',
    ],
)
def test_non_finite_numbers_are_refused(body: str) -> None:
    with pytest.raises(ValidationError, match="finite"):
        OptimizeRequest.model_validate_json(body)


def test_non_finite_plan_amounts_are_refused() -> None:
    with pytest.raises(ValidationError, match="finite"):
        ForecastRequest(start=date(2026, 11, 1), end=date(2026, 11, 2), spend={"search": float("nan")})


def test_requests_are_frozen_and_refuse_unknown_fields() -> None:
    req = KpisRequest(by=["channel"])
    with pytest.raises(ValidationError):
        req.grain = "month"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="Extra inputs"):
        KpisRequest.model_validate({"by": ["channel"], "group": "x"})


def test_diagnose_needs_exactly_one_scope() -> None:
    assert DiagnoseRequest(channel="search").target() == ("channel", "search")
    assert DiagnoseRequest(scope_column="audience", scope_value="broad").target() == ("audience", "broad")
    for bad in ({}, {"campaign": "a", "channel": "b"}, {"scope_column": "audience"}):
        with pytest.raises(ValidationError, match="scope"):
            DiagnoseRequest.model_validate(bad)



@pytest.mark.parametrize("flag", [0, 1, "true", "yes"])
def test_flags_are_json_booleans(flag: object) -> None:
    """schemathesis ST201: ``{"compare": 0}`` was accepted by ``POST /v1/kpis`` as false."""
    with pytest.raises(ValidationError, match="boolean"):
        KpisRequest.model_validate({"by": ["channel"], "compare": flag})
    assert KpisRequest.model_validate({"by": ["channel"], "compare": True}).compare is True


@pytest.mark.parametrize("field", ["seed"])
@pytest.mark.parametrize("value", [False, True, "5", 5.5])
def test_integers_are_json_integers(field: str, value: object) -> None:
    """schemathesis ST201: ``POST /v1/train {"seed": false}`` was queued as seed 0; ST202: ``5.0`` is an integer to
    JSON Schema and must be taken."""
    with pytest.raises(ValidationError, match="integer"):
        TrainRequest.model_validate({field: value})
    assert TrainRequest.model_validate({field: 5}).seed == 5 == TrainRequest.model_validate_json('{"seed": 5.0}').seed


@pytest.mark.parametrize("value", ["true", '"1000"'])
def test_amounts_are_json_numbers(value: str) -> None:
    with pytest.raises(ValidationError, match="valid number"):
        OptimizeRequest.model_validate_json(f'{{"start": "2026-11-01", "end": "2026-11-28", "budget": {value}}}')
    assert OptimizeRequest.model_validate_json('{"start": "2026-11-01", "end": "2026-11-28", "budget": 1000}').budget == 1000.0


def test_optional_integer_bounds_are_documented_as_json_schema() -> None:
    """schemathesis ST202: ``sims`` was documented with pydantic's ``ge`` (not ``minimum``), so 0 looked valid."""
    sims = ForecastRequest.model_json_schema()["properties"]["sims"]["anyOf"][0]
    assert sims == {"type": "integer", "minimum": 100, "maximum": 5000}
