"""Unit tests of the HTTP layer's pieces: error mapping, upload names (the result cache: test_cache.py)."""

from __future__ import annotations

import pytest

from advisor.data import DataValidationError, ValidationIssue
from api.http.auth import AuthenticationError, PermissionDeniedError
from api.http.datasets import UploadError, allowed_name
from api.http.errors import problem_of
from api.http.snapshot import NotReadyError
from models.plan import PlanError
from models.registry import RegistryError


def test_problem_mapping() -> None:
    status, type_, _, detail, extra = problem_of(PlanError("unknown channel 'tv'; the model knows: a, b"))  # type: ignore[misc]
    assert (status, type_, extra) == (422, "/problems/invalid-plan", {})
    assert detail.endswith("a, b")
    issue = ValidationIssue("campaign_daily", "spend", (3, 7), "non_negative", "spend must be ≥ 0 (2 rows)")
    status, type_, _, _, extra = problem_of(DataValidationError([issue]))  # type: ignore[misc]
    assert status == 422 and extra["errors"] == [issue.to_dict()] and extra["warnings"] == []
    assert problem_of(RegistryError("no such version"))[0] == 404  # type: ignore[index]
    assert problem_of(NotReadyError("train first"))[0] == 503  # type: ignore[index]
    assert problem_of(AuthenticationError("no key"))[0] == 401  # type: ignore[index]
    assert problem_of(PermissionDeniedError("needs analyst"))[0] == 403  # type: ignore[index]
    from api.store import JobStateError, UnknownJobError, UnknownModelError

    assert problem_of(UnknownJobError("unknown job"))[0] == 404  # type: ignore[index]
    assert problem_of(UnknownModelError("unknown version"))[0] == 404  # type: ignore[index]
    assert problem_of(JobStateError("finished"))[0] == 409  # type: ignore[index]
    assert problem_of(RuntimeError("boom")) is None  # crashes are not domain errors: 500 without details


@pytest.mark.parametrize("name", ["campaign_daily.csv", "Orders.PARQUET", "dir/targets.yaml", "surveys.txt"])
def test_allowed_upload_names(name: str) -> None:
    assert allowed_name(name) == name.replace("dir/", "").lower()


@pytest.mark.parametrize("name", ["kpi-advisor.yaml", "campaign_daily.xlsx", "../x.csv", "notes.csv", ""])
def test_refused_upload_names(name: str) -> None:
    with pytest.raises(UploadError):
        allowed_name(name)
