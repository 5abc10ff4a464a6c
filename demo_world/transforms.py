"""Pure numeric media transforms used by the demo world's ground truth.

Kept independent of ``models/`` on purpose: the truth must not share code with the models fitted to it.
Arrays are ``(T,)`` (one campaign) or ``(T, C)`` (time along axis 0, one column per campaign);
spend is in currency per day.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.signal import lfilter


def geometric_adstock(
    spend: ArrayLike, decay: float | ArrayLike, initial: float | ArrayLike = 0.0
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Normalised geometric adstock ``a_t = decay·a_{t-1} + (1 − decay)·s_t``.

    A constant spend ``s`` converges to ``a = s``, so half-saturation points are in spend-per-day units.
    ``spend``: ``(T,)`` or ``(T, C)``; ``decay``: scalar or ``(C,)`` in ``[0, 1)``; ``initial``: the state
    ``a_{-1}`` before the first day (carry-over), scalar or ``(C,)``.
    Returns ``(adstock with the shape of spend, final state of shape (C,))``.
    """
    arr = np.asarray(spend, dtype=float)
    squeeze = arr.ndim == 1
    if squeeze:
        arr = arr[:, None]
    n_cols = arr.shape[1]
    lam = np.broadcast_to(np.asarray(decay, dtype=float), (n_cols,))
    init = np.broadcast_to(np.asarray(initial, dtype=float), (n_cols,))
    if np.any((lam < 0) | (lam >= 1)):
        raise ValueError(f"decay must be in [0, 1), got {lam.tolist()}")
    out = np.empty_like(arr)
    for j in range(n_cols):
        out[:, j], _ = lfilter([1.0 - lam[j]], [1.0, -lam[j]], arr[:, j], zi=np.array([lam[j] * init[j]]))
    final = out[-1, :].copy() if len(out) else np.array(init, dtype=float)
    return (out[:, 0] if squeeze else out), final


def hill(x: ArrayLike, half_saturation: float | ArrayLike, shape: float | ArrayLike) -> NDArray[np.float64]:
    """Hill saturation ``x^s / (x^s + k^s)`` in ``[0, 1)`` for ``x ≥ 0`` (adstocked spend per day).

    ``half_saturation`` ``k > 0`` is in spend-per-day units; ``shape`` ``s > 0``. Broadcasts over columns.
    """
    arr = np.maximum(np.asarray(x, dtype=float), 0.0)
    k = np.asarray(half_saturation, dtype=float)
    s = np.asarray(shape, dtype=float)
    ratio = np.power(arr / k, s)
    return np.asarray(ratio / (1.0 + ratio), dtype=float)
