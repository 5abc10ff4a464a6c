"""Media transforms: geometric adstock (carry-over) and saturating response curves.

All functions are pure numpy. Spend arrays are 1-D (one channel, shape ``(T,)``) or 2-D
(``(T, C)``: time along axis 0, one column per channel). Units are whatever the caller uses
(currency per period); the transforms keep them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.signal import lfilter

Saturation = Literal["hill", "logistic"]


def geometric_adstock(
    x: ArrayLike, decay: float | ArrayLike, *, initial: float | ArrayLike = 0.0, normalize: bool = True
) -> NDArray[np.float64]:
    """Infinite geometric adstock ``a_t = w·x_t + decay·a_{t-1}``.

    ``w = 1 − decay`` when ``normalize`` (then a constant spend ``s`` converges to ``a = s``, so
    half-saturation points stay in spend-per-period units), else ``w = 1``.
    ``x``: shape ``(T,)`` or ``(T, C)``; ``decay`` scalar or shape ``(C,)`` in ``[0, 1)``;
    ``initial``: the adstock state before the first period (carry-over from history), scalar or ``(C,)``.
    Returns an array with the shape of ``x``.
    """
    arr = np.asarray(x, dtype=float)
    squeeze = arr.ndim == 1
    if squeeze:
        arr = arr[:, None]
    c = arr.shape[1]
    lam = np.broadcast_to(np.asarray(decay, dtype=float), (c,))
    init = np.broadcast_to(np.asarray(initial, dtype=float), (c,))
    if np.any((lam < 0) | (lam >= 1)):
        raise ValueError(f"decay must be in [0, 1), got {lam.tolist()}")
    out = np.empty_like(arr)
    for j in range(c):
        w = (1.0 - lam[j]) if normalize else 1.0
        zi = np.array([lam[j] * init[j]])
        out[:, j], _ = lfilter([w], [1.0, -lam[j]], arr[:, j], zi=zi)
    return out[:, 0] if squeeze else out


def hill(a: ArrayLike, half_saturation: float | ArrayLike, shape: float | ArrayLike) -> NDArray[np.float64]:
    """Hill curve ``a^s / (a^s + k^s)`` in ``[0, 1)``.

    ``a ≥ 0``: adstocked spend; ``k > 0``: half-saturation in spend units; ``s``: shape."""
    arr = np.maximum(np.asarray(a, dtype=float), 0.0)
    k = np.asarray(half_saturation, dtype=float)
    s = np.asarray(shape, dtype=float)
    ratio = np.where(arr > 0, arr / k, 0.0)
    with np.errstate(over="ignore", divide="ignore"):
        p = np.power(ratio, s)
    return np.where(np.isfinite(p), p / (1.0 + p), 1.0)


def logistic(a: ArrayLike, lam: float | ArrayLike) -> NDArray[np.float64]:
    """Logistic saturation ``(1 − e^{−λa}) / (1 + e^{−λa})`` in ``[0, 1)``.

    PyMC-Marketing's form; ``λ`` per spend unit."""
    arr = np.maximum(np.asarray(a, dtype=float), 0.0)
    e = np.exp(-np.asarray(lam, dtype=float) * arr)
    return (1.0 - e) / (1.0 + e)


@dataclass(frozen=True)
class ChannelTransform:
    """Fitted transform of one channel: ``contribution_t = beta · sat(adstock(spend)_t)``.

    ``decay`` per period in ``[0, 1)``; ``half_saturation`` in spend units per period (Hill: spend at
    half of ``beta``; logistic: ``1/λ``); ``shape`` the Hill exponent (unused for logistic); ``beta``
    the KPI units per period at full saturation (≥ 0).
    """

    decay: float
    half_saturation: float
    shape: float
    beta: float
    saturation: Saturation = "hill"

    def saturate(self, adstocked: ArrayLike) -> NDArray[np.float64]:
        """Saturation in ``[0, 1)`` of already-adstocked spend."""
        if self.saturation == "logistic":
            return logistic(adstocked, 1.0 / self.half_saturation)
        return hill(adstocked, self.half_saturation, self.shape)

    def response(self, spend: ArrayLike, initial: float = 0.0) -> NDArray[np.float64]:
        """Contribution per period (KPI units) for spend ``(T,)``, given the adstock state before it."""
        a = geometric_adstock(spend, self.decay, initial=initial)
        return self.beta * self.saturate(a)

    def steady_state(self, spend_per_period: ArrayLike) -> NDArray[np.float64]:
        """Contribution per period when ``spend_per_period`` is held constant forever (the response curve)."""
        return self.beta * self.saturate(np.asarray(spend_per_period, dtype=float))

    def marginal(self, spend_per_period: float, eps: float = 1e-3) -> float:
        """Steady-state d(contribution)/d(spend) at ``spend_per_period`` (KPI units per currency unit)."""
        h = max(eps * max(spend_per_period, 1.0), 1e-6)
        lo = max(spend_per_period - h, 0.0)
        up = spend_per_period + h
        return float((self.steady_state(up) - self.steady_state(lo)) / (up - lo))

    def to_dict(self) -> dict[str, float | str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, float | str]) -> ChannelTransform:
        sat = str(d.get("saturation", "hill"))
        if sat not in ("hill", "logistic"):
            raise ValueError(f"unknown saturation {sat!r}; valid: hill, logistic")
        return cls(
            decay=float(d["decay"]),
            half_saturation=float(d["half_saturation"]),
            shape=float(d["shape"]),
            beta=float(d["beta"]),
            saturation=sat,  # type: ignore[arg-type]
        )
