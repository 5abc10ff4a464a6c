"""On the demo world the recommendations for each planted problem include the matching action."""

from __future__ import annotations

import pytest

from advisor.advise.demo_check import EXPECTED, check_world
from demo_world import generate_world


@pytest.mark.parametrize("seed", [1])
def test_planted_problems_get_their_action(seed: int) -> None:
    world = generate_world(seed, days=400)
    checks = check_world(world.tables["campaign_daily"], world.truth["problems"])
    assert {c.kind for c in checks} == set(EXPECTED)
    missed = [(c.kind, c.scope, [r.id for r in c.recommendations]) for c in checks if not c.hit]
    assert not missed
    for c in checks:
        assert c.rank is not None and c.rank <= 3, (c.kind, c.rank)
        r = next(r for r in c.recommendations if r.id == c.expected and dict(r.scope) == c.scope)
        assert r.expected_impact is not None and r.expected_impact > 0
