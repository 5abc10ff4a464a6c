from typing import get_args

import pytest

from advisor.core.grains import GRAINS, Grain, check_grain


def test_grains_are_the_literal_words_in_order() -> None:
    assert GRAINS == ("day", "week", "month", "quarter") == get_args(Grain)


def test_check_grain_accepts_known_and_none() -> None:
    for g in GRAINS:
        check_grain(g)
    check_grain(None)


@pytest.mark.parametrize("bad", ["year", "Week", ""])
def test_check_grain_names_the_choices(bad: str) -> None:
    with pytest.raises(ValueError, match="day, week, month, quarter"):
        check_grain(bad)


def test_check_grain_none_refused_when_a_grain_is_needed() -> None:
    with pytest.raises(ValueError, match="got None"):
        check_grain(None, allow_none=False)
    with pytest.raises(ValueError, match=r"one of week, month, quarter .*got 'day'"):
        check_grain("day", allowed=GRAINS[1:])
