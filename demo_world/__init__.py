"""The demo world: a deterministic generator of a marketing department's data and its ground truth.

``generate_world(seed, days, end)`` returns a ``DemoWorld`` (tables, targets, truth; ``write(dir)``);
``TrueWorld`` answers "what would truly happen under this spend plan" for benchmarks (SPEC §7).
``WorldStructure`` (optional: promotion windows, trend breaks, extra channels) varies the world's structure.
``generate_mmm_world(seed, days, geos, channels)`` writes the same kind of business in the media-mix layout (weekly,
optionally per geo; ``MmmWorld``) and ``true_outcome(truth, plan)`` scores any future weekly plan against it;
``mmm_lift_tests`` / ``campaign_lift_tests`` simulate incrementality experiments (``lift_tests.csv``);
``generate_segmented_world(n, seed, days)`` puts ``n`` such worlds (seeds ``seed + i``) in one pair of tables with a
``segment`` column (``SegmentedWorld``).
"""

from demo_world.lift import campaign_lift_tests, mmm_lift_tests, write_lift_tests
from demo_world.mmm import MmmWorld, generate_mmm_world
from demo_world.mmm_truth import reference_plan, true_outcome
from demo_world.segments import SegmentedWorld, generate_segmented_world
from demo_world.structure import Promotion, TrendBreak, WorldStructure
from demo_world.truth import TrueWorld
from demo_world.world import DemoWorld, generate_world

__all__ = [
    "DemoWorld",
    "MmmWorld",
    "Promotion",
    "SegmentedWorld",
    "TrendBreak",
    "TrueWorld",
    "WorldStructure",
    "campaign_lift_tests",
    "generate_mmm_world",
    "generate_segmented_world",
    "generate_world",
    "mmm_lift_tests",
    "reference_plan",
    "true_outcome",
    "write_lift_tests",
]
