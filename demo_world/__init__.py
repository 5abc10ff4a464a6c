"""The demo world: a deterministic generator of a marketing department's data and its ground truth.

``generate_world(seed, days, end)`` returns a ``DemoWorld`` (tables, targets, truth; ``write(dir)``);
``TrueWorld`` answers "what would truly happen under this spend plan" for benchmarks (SPEC §7).
``WorldStructure`` (optional: promotion windows, trend breaks, extra channels) varies the world's structure.
"""

from demo_world.structure import Promotion, TrendBreak, WorldStructure
from demo_world.truth import TrueWorld
from demo_world.world import DemoWorld, generate_world

__all__ = ["DemoWorld", "Promotion", "TrendBreak", "TrueWorld", "WorldStructure", "generate_world"]
