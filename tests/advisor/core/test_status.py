import json

import pytest

from advisor.core.status import PROBLEM_STATUSES, Status, Verdict, as_status, status_of_shortfall


def test_both_families_share_one_severity_scale() -> None:
    pairs = [(Status.OK, Status.ON_TRACK), (Status.WARNING, Status.AT_RISK), (Status.FAILING, Status.OFF_TRACK)]
    for check_word, target_word in pairs:
        assert check_word.severity == target_word.severity
    assert Status.OK.severity < Status.INFO.severity < Status.WARNING.severity < Status.FAILING.severity
    assert {s for s in Status if s.is_problem} == set(PROBLEM_STATUSES)
    assert not Status.INSUFFICIENT.is_problem and not Status.NO_TARGET.is_problem


def test_status_is_its_word_in_json_and_comparisons() -> None:
    assert Status.AT_RISK == "at_risk" and "failing" in PROBLEM_STATUSES
    assert json.dumps({"status": Status.OFF_TRACK}) == '{"status": "off_track"}'


def test_as_status_rejects_unknown_words_listing_the_valid_ones() -> None:
    assert as_status("warning") is Status.WARNING
    with pytest.raises(ValueError, match="unknown status 'fail'; use one of ok, info"):
        as_status("fail")


@pytest.mark.parametrize(
    ("shortfall", "band", "expected"),
    [(-1.0, 0.5, Status.ON_TRACK), (0.0, 0.5, Status.ON_TRACK), (0.5, 0.5, Status.AT_RISK), (0.51, 0.5, Status.OFF_TRACK)],
)
def test_status_of_shortfall(shortfall: float, band: float, expected: Status) -> None:
    assert status_of_shortfall(shortfall, band) is expected


def test_verdict_words() -> None:
    assert [v.value for v in Verdict] == ["succeeding", "on_track", "under_performing", "failing", "insufficient_data"]
