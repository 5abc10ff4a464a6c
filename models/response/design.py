"""Linear baseline design used while estimating media parameters (trend hinges, seasonality, holidays).

The final baseline forecaster is Prophet (``models.response.baseline``); this matrix only stands in
for it during the media-parameter search, where the baseline must be linear so that it can be
projected out exactly (variable projection).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

log = logging.getLogger(__name__)


def infer_freq(index: pd.DatetimeIndex) -> str:
    """``"D"`` for daily or ``"W"`` for weekly data (median step); raises ``ValueError`` otherwise."""
    if len(index) < 3:
        raise ValueError("need at least 3 periods of history")
    step = pd.Series(index).diff().dropna().median()
    if step == pd.Timedelta(days=1):
        return "D"
    if step == pd.Timedelta(days=7):
        return "W"
    raise ValueError(f"history must be daily or weekly, median step is {step}")


def holiday_dates(country: str | None, years: range) -> dict[pd.Timestamp, str]:
    """Date → name of public holidays of ``country`` (ISO code, e.g. ``"US"``; actual, not observed,
    dates) from the ``holidays`` package; for the US also the retail events Black Friday
    (Thanksgiving + 1 day) and Cyber Monday (Thanksgiving + 4 days)."""
    if not country:
        return {}
    import holidays

    try:
        cal = holidays.country_holidays(country, years=list(years), observed=False)
    except NotImplementedError:
        log.warning("no holiday calendar for country %r; holidays ignored", country)
        return {}
    out = {pd.Timestamp(d): str(n) for d, n in cal.items()}
    if country.upper() == "US":
        for d, n in list(out.items()):
            if n.startswith("Thanksgiving"):
                out[d + pd.Timedelta(days=1)] = "Black Friday"
                out[d + pd.Timedelta(days=4)] = "Cyber Monday"
    return out


def holiday_frame(country: str | None, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Prophet ``holidays`` frame (``holiday``, ``ds``) covering ``start``..``end`` (years inclusive)."""
    hol = holiday_dates(country, range(start.year, end.year + 1))
    return pd.DataFrame({"holiday": list(hol.values()), "ds": list(hol.keys())})


def weekly_holiday_count(dates: pd.DatetimeIndex, country: str | None) -> NDArray[np.float64]:
    """Number of public holidays of ``country`` (:func:`holiday_dates`) in each week ``(T,)``; a week is the
    7 days starting at its index date (zeros when ``country`` is None)."""
    hol = holiday_dates(country, range(dates[0].year, dates[-1].year + 2)) if len(dates) else {}
    if not hol:
        return np.zeros(len(dates))
    days = pd.DatetimeIndex(sorted(hol)).normalize()
    starts = pd.DatetimeIndex(dates).normalize()
    lo = np.searchsorted(days.values, starts.values, side="left")
    hi = np.searchsorted(days.values, (starts + pd.Timedelta(days=7)).values, side="left")
    return np.asarray(hi - lo, dtype=float)


def _hinge_knots(t: NDArray[np.float64], every: int | None, n_max: int) -> list[float]:
    """Trend hinge knots (days, as ``t``): every ``every`` days from the first period, within the first 80 % of the
    history, at most ``n_max``; none for ``every`` None."""
    span = float(t[-1] - t[0]) if len(t) else 0.0
    n_cp = min(n_max, int(0.8 * span // every)) if every else 0
    return [float(t[0]) + k * (every or 0) for k in range(1, n_cp + 1)]


def trend_hinge_columns(dates: pd.DatetimeIndex, every: int, n_changepoints_max: int = 12) -> NDArray[np.float64]:
    """``(T, K)`` the trend hinges of :func:`baseline_design` with ``changepoint_every=every`` (the same knots), each
    scaled to a largest value of 1, for a ridge (:func:`ridge_directions`) instead of the exact design: a
    coefficient is the change of the trend's slope at its knot, in units of the series' level over the rest of the
    history, under the ridge's prior."""
    t = np.asarray((dates - dates[0]).days, dtype=float)
    cols = [np.maximum(t - cp, 0.0) for cp in _hinge_knots(t, every, n_changepoints_max)]
    cols = [c / c.max() for c in cols if c.max() > 0]
    return np.column_stack(cols) if cols else np.zeros((len(dates), 0))


def baseline_design(
    dates: pd.DatetimeIndex,
    freq: str,
    *,
    origin: pd.Timestamp,
    country: str | None = None,
    changepoint_every: int | None = None,
    yearly_order: int = 4,
    n_changepoints_max: int = 12,
) -> NDArray[np.float64]:
    """Design matrix ``(T, P)``: intercept, linear trend (with hinges every ``changepoint_every`` days
    within the first 80% of history when given — flexible trends soak up slow media effects, so the
    default is none), yearly Fourier terms (when ≥ 1 year of history), day-of-week
    dummies and one dummy per holiday name (daily data), or the count of holidays per week
    (:func:`weekly_holiday_count`, weekly data)."""
    t = np.asarray((dates - origin).days, dtype=float)
    span = float(t[-1] - t[0]) if len(t) else 0.0
    scale = max(span, 1.0)
    cols: list[NDArray[np.float64]] = [np.ones(len(t)), (t - t[0]) / scale]
    for cp in _hinge_knots(t, changepoint_every, n_changepoints_max):
        cols.append(np.maximum(t - cp, 0.0) / scale)
    if span >= 364:
        doy = t / 365.25
        for k in range(1, yearly_order + 1):
            cols.append(np.sin(2 * np.pi * k * doy))
            cols.append(np.cos(2 * np.pi * k * doy))
    if freq == "D":
        dow = dates.dayofweek.to_numpy()
        for d in range(1, 7):
            cols.append((dow == d).astype(float))
        hol = holiday_dates(country, range(dates[0].year, dates[-1].year + 1))
        names = pd.Series([hol.get(d, "") for d in dates])
        for name in sorted(set(names) - {""}):
            cols.append((names == name).to_numpy(dtype=float))
    elif country:
        count = weekly_holiday_count(dates, country)
        if count.std() > 0:
            cols.append(count)
    return np.column_stack(cols)


#: yearly Fourier orders :func:`select_yearly_order` chooses from
YEARLY_ORDERS = (1, 2, 3, 4, 6)


def select_yearly_order(
    dates: pd.DatetimeIndex,
    y: NDArray[np.float64],
    controls: NDArray[np.float64] | None,
    *,
    country: str | None = None,
    changepoint_every: int | None = None,
    orders: tuple[int, ...] = YEARLY_ORDERS,
) -> int:
    """The yearly Fourier order of :func:`baseline_design` (weekly data) with the lowest BIC for the outcome ``y``
    ``(T,)`` on the baseline and ``controls`` ``(T, K)`` alone, media left out: demand's seasonal shape is read
    before any channel can claim it (a retailer whose spend peaks with its sales in Q4 would otherwise have the
    peak read as media). Orders needing more than a third of the periods are skipped; 0 below a year of history."""
    n = len(dates)
    if n < 2 or float((dates[-1] - dates[0]).days) < 364:
        return 0
    best, best_bic = orders[0], np.inf
    for k in orders:
        x = baseline_design(dates, "W", origin=dates[0], country=country, changepoint_every=changepoint_every,
                            yearly_order=k)
        if controls is not None and controls.shape[1]:
            x = np.column_stack([x, controls])
        if x.shape[1] > n / 3:
            continue
        coef, *_ = np.linalg.lstsq(x, y, rcond=None)
        r = y - x @ coef
        bic = n * np.log(max(float(r @ r) / n, 1e-300)) + x.shape[1] * np.log(n)
        if bic < best_bic:
            best, best_bic = k, bic
    return best


#: prior s.d. of a per-holiday or per-occurrence deviation from the common holiday / event effect, as a share of the
#: series' level per unit of the (max-scaled) column: a holiday day or a promotion moves its week by up to ~10 %.
#: Set a priori; 0.05 and 0.2 give the same picture on 20 demo worlds (session 9)
BASELINE_RIDGE_SD = 0.1


def weekly_holiday_columns(dates: pd.DatetimeIndex, country: str | None) -> tuple[list[str], NDArray[np.float64]]:
    """Holiday names and ``(T, K)`` columns: for each holiday name of ``country`` (:func:`holiday_dates`) that falls
    in the history, the number of its days in each week (the 7 days starting at the index date). Their row sum is
    :func:`weekly_holiday_count`. ``([], (T, 0))`` without a country or holidays."""
    idx = pd.DatetimeIndex(dates).normalize()
    hol = holiday_dates(country, range(idx[0].year, idx[-1].year + 2)) if country and len(idx) else {}
    by_name: dict[str, list[pd.Timestamp]] = {}
    for d, name in hol.items():
        by_name.setdefault(name, []).append(pd.Timestamp(d).normalize())
    starts, ends = idx.values, (idx + pd.Timedelta(days=7)).values
    names, cols = [], []
    for name in sorted(by_name):
        days = np.sort(pd.DatetimeIndex(by_name[name]).values)
        col = (np.searchsorted(days, ends, side="left") - np.searchsorted(days, starts, side="left")).astype(float)
        if col.any():
            names.append(name)
            cols.append(col)
    return names, (np.column_stack(cols) if cols else np.zeros((len(idx), 0)))


def event_rest(x: NDArray[np.float64]) -> float | None:
    """The value an event column takes outside its events — the value it holds in more than half the periods
    (0 for a promotion flag, or what a standardised flag has there) — or None when no value does (a price, a
    count that varies every period): then ``x`` is not an event column."""
    x = np.asarray(x, dtype=float)
    if not len(x):
        return None
    vals, counts = np.unique(x, return_counts=True)
    k = int(np.argmax(counts))
    return float(vals[k]) if 0.5 * len(x) < counts[k] < len(x) else None


def event_occurrences(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """``(T, K)``: the event column ``x`` ``(T,)`` (:func:`event_rest`) split into its K occurrences (maximal runs of
    consecutive periods away from its rest value ``r``), each column ``x − r`` on its run and 0 elsewhere; their sum
    is ``x − r``. ``(T, 0)`` when ``x`` is not an event column or has fewer than two occurrences (nothing to split)."""
    x = np.asarray(x, dtype=float)
    rest = event_rest(x)
    if rest is None:
        return np.zeros((len(x), 0))
    d = x - rest
    on = np.concatenate([[0], (d != 0).astype(int), [0]])
    edges = np.diff(on)
    runs = list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))
    if len(runs) < 2:
        return np.zeros((len(x), 0))
    out = np.zeros((len(x), len(runs)))
    for j, (a, b) in enumerate(runs):
        out[a:b, j] = d[a:b]
    return out


def weekly_detail_columns(
    dates: pd.DatetimeIndex, country: str | None, controls: NDArray[np.float64] | None
) -> NDArray[np.float64]:
    """``(T, K)`` detail columns of a weekly baseline for a ridge (:func:`ridge_directions`): one per holiday name
    (:func:`weekly_holiday_columns`) and one per occurrence of each event column of ``controls`` ``(T, k)``
    (:func:`event_occurrences`), scaled by the holiday's / the event column's largest deviation from its rest
    value. Next to the weekly design's holiday count and the event columns themselves (the common effects), their
    coefficients are the deviations of each holiday and each occurrence from the common effect."""
    _, hol = weekly_holiday_columns(dates, country)
    cols = [hol / hol.max(axis=0)] if hol.shape[1] else []
    if controls is not None:
        for k in range(controls.shape[1]):
            occ = event_occurrences(controls[:, k])
            if occ.shape[1]:
                cols.append(occ / np.abs(occ).max())
    return np.column_stack(cols) if cols else np.zeros((len(dates), 0))


@dataclass(frozen=True)
class RidgeDirections:
    """The square root of a ridge's residual maker on residualised columns (:func:`ridge_directions`):
    ``apply(r) = r − u · (f ∘ (uᵀ r))`` with ``u`` ``(N, K)`` orthonormal and ``f`` ``(K,)`` in [0, 1]."""

    u: NDArray[np.float64]
    f: NDArray[np.float64]

    def apply(self, r: NDArray[np.float64]) -> NDArray[np.float64]:
        """``r`` ``(N,)`` or ``(N, k)`` → same shape."""
        return self._minus(r, self.f)

    def residual(self, r: NDArray[np.float64]) -> NDArray[np.float64]:
        """The ridge fit's residual ``r − z_r γ̂`` (``apply`` twice): what is left of ``r`` after the detail columns."""
        return self._minus(r, self.f * (2.0 - self.f))

    def _minus(self, r: NDArray[np.float64], g: NDArray[np.float64]) -> NDArray[np.float64]:
        if r.ndim == 1:
            return np.asarray(r - self.u @ (g * (self.u.T @ r)))
        return np.asarray(r - self.u @ (g[:, None] * (self.u.T @ r)))


def ridge_directions(z_r: NDArray[np.float64], lam: float) -> RidgeDirections:
    """``z_r`` ``(N, K)``: detail columns already residualised on the unpenalised baseline (free) columns; ``lam``:
    ridge weight (noise variance / prior variance of a coefficient). For any ``r`` (residualised likewise),
    ``|apply(r)|² = min_γ |r − z_r γ|² + lam·|γ|²`` — the residual sum of squares plus the penalty of the ridge
    fit — and ``apply`` is linear, so a least-squares fit of media coefficients on ``apply``-ed features and outcome
    is the fit with the detail coefficients profiled out under their Gaussian prior N(0, noise² / lam). With
    ``z_r = U S Vᵀ``: ``f = 1 − sqrt(lam / (s² + lam))`` (``lam = 0``: the projection; large ``lam``: nothing)."""
    if z_r.size == 0:
        return RidgeDirections(np.zeros((z_r.shape[0], 0)), np.zeros(0))
    u, s, _ = np.linalg.svd(z_r, full_matrices=False)
    keep = s > max(float(s[0]), 1e-300) * 1e-10
    u, s = u[:, keep], s[keep]
    f = 1.0 - np.sqrt(lam / (s**2 + lam)) if lam > 0 else np.ones_like(s)
    return RidgeDirections(np.ascontiguousarray(u), f)
