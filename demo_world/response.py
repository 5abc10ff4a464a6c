"""The TRUE media response shared by the generator and ``TrueWorld`` (one formula, no drift between them)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from demo_world.params import CampaignParams
from demo_world.transforms import geometric_adstock, hill


def incremental_conversions(
    spend: NDArray[np.float64],
    campaigns: Sequence[CampaignParams],
    quality: NDArray[np.float64] | float = 1.0,
    initial: NDArray[np.float64] | float = 0.0,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Expected incremental conversions per day and campaign.

    ``spend``: ``(T, C)`` currency per day, columns in ``campaigns`` order; ``quality``: multiplier
    (CTR × conversion-rate multipliers of planted problems), scalar, ``(C,)`` or ``(T, C)``;
    ``initial``: adstock state before the first day, ``(C,)``.
    Returns ``(conversions (T, C), final adstock state (C,))``.
    """
    decay = np.array([c.adstock_decay for c in campaigns])
    k = np.array([c.half_saturation for c in campaigns])
    s = np.array([c.hill_shape for c in campaigns])
    beta = np.array([c.max_effect for c in campaigns])
    ad, final = geometric_adstock(np.asarray(spend, dtype=float).reshape(len(spend), len(campaigns)), decay, initial)
    return beta * np.asarray(quality) * hill(ad, k, s), final


def aov_vector(campaigns: Sequence[CampaignParams]) -> NDArray[np.float64]:
    """Expected revenue per conversion for each campaign, shape ``(C,)``."""
    return np.array([c.aov for c in campaigns])
