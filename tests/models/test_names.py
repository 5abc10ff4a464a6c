import pytest

from models.names import CUTOFF, closest_names, normalize, resolve_name

CHANNELS = ["display", "email", "paid_search", "search", "social", "video"]


def test_normalize_folds_case_and_separators() -> None:
    assert normalize("  Paid - Search ") == normalize("paid_search") == "paid_search"


def test_resolve_exact_then_normalised_then_none() -> None:
    assert resolve_name("video", CHANNELS) == "video"
    assert resolve_name("VIDEO", CHANNELS) == "video"
    assert resolve_name("Paid-Search", CHANNELS) == "paid_search"
    assert resolve_name("vid", CHANNELS) is None
    assert resolve_name("a b", ["a_b", "A-B"]) is None  # ambiguous


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("serach", ["search"]), ("emial", ["email"]), ("video-2", ["video"]), ("tiktok", []), ("Social", ["social"])],
)
def test_closest_names_policy(typed: str, expected: list[str]) -> None:
    assert closest_names(typed, CHANNELS)[: len(expected) or None] == expected


def test_one_cutoff_between_the_old_ones() -> None:
    assert 0.5 < CUTOFF < 0.75
    assert closest_names("video-2", ["video-02", "radio-x"]) == ["video-02"]
    assert len(closest_names("c", [f"c{i}" for i in range(9)], n=2)) == 2
    assert closest_names("xyz", CHANNELS) == []
