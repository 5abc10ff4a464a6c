"""Dating a change in a daily log-rate series: a weighted least-squares search over onset day and shape.

Model for onset day ``c`` and shape ``k`` (days): ``y_t = a + b·g_t`` with ``g_t = 0`` before ``c`` and
``g_t = 1 − exp(−(t − c + 1)/k)`` from ``c`` on (``k = 0``: a step). A step covers a broken landing page or an
audience switch; ``k`` of 5–90 days covers gradual decay such as creative fatigue. For every (c, k) the fit is
closed-form; the pair that removes the most weighted squared error wins. ``chi2`` is that reduction in units
of the per-day variance (a likelihood-ratio statistic for Gaussian noise; the search over c inflates it, so
thresholds are set well above the chi-square(1) quantiles). This is a one-change version of binary
segmentation with a parametric shape; ``ruptures`` was not added to keep the dependency set unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SHAPES: tuple[float, ...] = (0.0, 7.0, 15.0, 30.0, 45.0, 60.0, 90.0)


@dataclass(frozen=True)
class OnsetFit:
    """Best single change: ``onset`` (day number, same scale as ``t``), ``shape_days`` (0 = step),
    ``level`` (log-rate before), ``shift`` (log change at full effect), ``chi2`` (improvement over no change),
    ``step_chi2`` (improvement of the best step), ``fitted`` (n,) log-rate under the model."""

    onset: int
    shape_days: float
    level: float
    shift: float
    chi2: float
    step_chi2: float
    fitted: np.ndarray
    floor: float = 0.0

    def reached(self, days_since_onset: float) -> float:
        """Share of the full shift reached ``days_since_onset`` days after the onset day (inclusive)."""
        return float(shape_value(np.array([days_since_onset + 1.0]), self.shape_days, self.floor)[0])

    @property
    def gradual(self) -> bool:
        """True when a gradual shape beats the best step clearly (by ≥ 6 chi-square units)."""
        return self.shape_days >= 10 and self.chi2 - self.step_chi2 >= 6.0


def shape_value(u: np.ndarray, k: float, floor: float = 0.0) -> np.ndarray:
    """Share of the full change reached ``u`` days after onset (0 before; 1 at full effect).

    ``k = 0``: a step. ``floor = 0``: ``1 − exp(−u/k)`` on the log scale. ``0 < floor < 1``: the *rate* decays
    exponentially to ``floor`` times its old level, ``ln(floor + (1 − floor)·exp(−u/k)) / ln(floor)`` — the
    usual creative-fatigue curve."""
    u = np.asarray(u, dtype=float)
    on = u > 0
    if k == 0:
        return on.astype(float)
    uu = np.maximum(u, 0.0)
    if floor <= 0:
        return np.where(on, 1.0 - np.exp(-uu / k), 0.0)
    return np.where(on, np.log(floor + (1 - floor) * np.exp(-uu / k)) / np.log(floor), 0.0)


def _shape(t: np.ndarray, c: np.ndarray, k: float, floor: float = 0.0) -> np.ndarray:
    """(len(c), len(t)) design column g for every candidate onset."""
    return shape_value(t[None, :] - c[:, None] + 1.0, k, floor)


def detect_onset(
    t: np.ndarray,
    y: np.ndarray,
    var: np.ndarray,
    *,
    min_before: int = 7,
    min_after: int = 7,
    shapes: tuple[float, ...] = SHAPES,
    earliest: int | None = None,
) -> OnsetFit | None:
    """Best single change of ``y`` (n,) observed on day numbers ``t`` (n, increasing) with variance ``var``
    (n,; inf = missing). Onsets need ``min_before``/``min_after`` valid days on either side and are not
    earlier than ``earliest``. Returns None when the series is too short."""
    ok = np.isfinite(y) & np.isfinite(var) & (var > 0)
    tt, yy, w = t[ok].astype(float), y[ok], 1.0 / var[ok]
    if len(tt) < min_before + min_after:
        return None
    cands = tt[min_before : len(tt) - min_after + 1]
    if earliest is not None:
        cands = cands[cands >= earliest]
    if len(cands) == 0:
        return None
    sw, swy = w.sum(), (w * yy).sum()
    best: tuple[float, float, float, float, float] | None = None  # red, c, k, a, b
    step_red = 0.0
    for k in shapes:
        g = _shape(tt, cands, k)
        sg, sgy, sgg = g @ w, g @ (w * yy), (g * g) @ w
        den = sgg - sg * sg / sw
        num = sgy - sg * swy / sw
        red = np.where(den > 1e-12, num * num / np.maximum(den, 1e-12), 0.0)
        j = int(np.argmax(red))
        if k == 0:
            step_red = float(red[j])
        if best is None or red[j] > best[0]:
            b = num[j] / den[j]
            best = (float(red[j]), float(cands[j]), k, float((swy - b * sg[j]) / sw), float(b))
    assert best is not None
    best_red, c, k, a, b = best
    fitted = a + b * _shape(t.astype(float), np.array([c]), k)[0]
    return OnsetFit(int(c), k, a, b, best_red, step_red, fitted)


def _deviance(x: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Poisson deviance (m,) of counts ``x`` (n,) under each row of rates ``mu`` (m, n)."""
    safe_x = np.where(x > 0, x, 1.0)[None, :]
    xlogx = np.where(x[None, :] > 0, x[None, :] * np.log(safe_x / np.maximum(mu, 1e-300)), 0.0)
    return np.asarray(2.0 * np.sum(xlogx - (x[None, :] - mu), axis=1))


def _poisson_fit(
    g: np.ndarray, Z: np.ndarray, x: np.ndarray, e: np.ndarray, theta: np.ndarray, iters: int = 12
) -> tuple[np.ndarray, np.ndarray]:
    """Batched Poisson regressions ``x ~ Poisson(e · exp(X_i θ_i))`` for the onset designs ``X_i = [1, g_i, Z]``
    without building them: ``g`` (m, n) the change column of each row (zeros: the model without a change, whose
    θ_1 then stays at its start), ``Z`` (n, q) the covariates shared by all rows, ``theta`` (m, 2 + q) start.
    Damped Newton steps (each coordinate at most ±1, ridge 1e-8); the gradient and Hessian blocks of the shared
    columns come from one matrix product each. Returns θ (m, 2 + q) and deviance (m,)."""
    m, n = g.shape
    A = np.column_stack([np.ones(n), Z])  # shared columns (n, 1 + q): θ positions 0, 2, 3, ...
    AA = (A[:, :, None] * A[:, None, :]).reshape(n, -1)  # their products per day (n, (1 + q)²)
    shared = np.r_[0, 2 : 2 + Z.shape[1]]
    p = len(shared) + 1
    ridge = 1e-8 * np.eye(p)[None]

    def rate(theta: np.ndarray) -> np.ndarray:
        eta = theta[:, shared] @ A.T + theta[:, 1:2] * g
        return e[None, :] * np.exp(np.clip(eta, -30, 30))

    for _ in range(iters):
        mu = rate(theta)
        r, mu_g = x[None, :] - mu, mu * g
        grad = np.empty((m, p))
        grad[:, shared], grad[:, 1] = r @ A, np.sum(r * g, axis=1)
        hess = np.empty((m, p, p))
        hess[:, shared[:, None], shared[None, :]] = (mu @ AA).reshape(m, p - 1, p - 1)
        hess[:, 1, shared] = hess[:, shared, 1] = mu_g @ A
        hess[:, 1, 1] = np.sum(mu_g * g, axis=1)
        step = np.clip(np.linalg.solve(hess + ridge, grad[..., None])[..., 0], -1.0, 1.0)
        theta = theta + step
        if np.max(np.abs(step)) < 1e-6:
            break
    mu = rate(theta)
    return theta, _deviance(x, mu)


def detect_onset_counts(
    t: np.ndarray,
    x: np.ndarray,
    e: np.ndarray,
    covariates: np.ndarray | None = None,
    *,
    min_before: int = 7,
    min_after: int = 7,
    shapes: tuple[float, ...] = SHAPES,
    coarse: int = 4,
    candidates: np.ndarray | None = None,
    floors: tuple[float, ...] = (),
) -> OnsetFit | None:
    """Like :func:`detect_onset` for a rate of counts: ``x`` (n,) successes out of exposure ``e`` (n,)
    (clicks of impressions, conversions of clicks). Poisson log-linear model
    ``ln E[x_t] = ln e_t + a + b·g_t + Z_t·γ`` with optional ``covariates`` Z (n, q) — e.g. log spend, so that
    a rate moving with spend (saturation) is not mistaken for a broken funnel. Days with zero exposure carry
    no information; days with zero successes do (unlike a log-rate). Onsets are scanned every ``coarse``
    days, then refined day by day around the best. ``chi2`` = deviance reduction divided by the Pearson
    over-dispersion of the best fit (≥ 1); ``level``/``shift`` are on the log-rate scale. ``candidates``:
    restrict onsets to these day numbers (e.g. the dates a campaign attribute was switched). ``floors``: also
    try, for every gradual ``k``, a rate decaying exponentially to that fraction (:func:`shape_value`). Every
    onset of every shape is fitted in one batched Newton solve per scan (coarse, then fine)."""
    ok = e > 0
    tt, xx, ee = t[ok].astype(float), x[ok].astype(float), e[ok].astype(float)
    zc = np.zeros((len(t), 0)) if covariates is None else np.asarray(covariates, float).reshape(len(t), -1)
    zc = zc - zc[ok].mean(axis=0) if ok.any() else zc
    Z = zc[ok]
    n, q = len(tt), Z.shape[1]
    if n < min_before + min_after or xx.sum() <= 0:
        return None
    allowed = tt[min_before : n - min_after + 1]
    if candidates is not None:
        allowed = allowed[np.isin(allowed, np.asarray(candidates, float))]
        coarse = 1
    if len(allowed) == 0:
        return None
    a0 = float(np.log(xx.sum() / ee.sum()))
    base_theta, base_dev = _poisson_fit(np.zeros((1, n)), Z, xx, ee, np.r_[a0, 0.0, np.zeros(q)][None])

    def scan(groups: list[tuple[np.ndarray, float, float]]) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Fit every onset of every group (candidate onsets (m_i,), shape k, floor) in one batched Newton
        solve; per group: θ (m_i, 2 + q), deviance (m_i,) and the change column g (m_i, n)."""
        g = np.concatenate([_shape(tt, cands, k, f) for cands, k, f in groups])
        m = len(g)
        start = np.concatenate(
            [np.full((m, 1), base_theta[0, 0]), np.zeros((m, 1)), np.broadcast_to(base_theta[0, 2:], (m, q))],
            axis=1,
        )
        theta, dev = _poisson_fit(g, Z, xx, ee, start)
        ends = np.cumsum([len(cands) for cands, _, _ in groups])
        return [(theta[a:b], dev[a:b], g[a:b]) for a, b in zip(np.r_[0, ends[:-1]], ends, strict=True)]

    forms = [(k, 0.0) for k in shapes] + [(k, f) for k in shapes if k > 0 for f in floors]
    coarse_fits = scan([(allowed[::coarse], k, f) for k, f in forms])
    best = [allowed[::coarse][int(np.argmin(dev))] for _, dev, _ in coarse_fits]
    fines = [allowed[np.abs(allowed - c0) <= coarse] for c0 in best]
    fine_fits = scan([(fine, k, f) for fine, (k, f) in zip(fines, forms, strict=True)])
    results = []
    for fine, (k, f), (theta, dev, g) in zip(fines, forms, fine_fits, strict=True):
        j = int(np.argmin(dev))
        results.append((float(dev[j]), float(fine[j]), k, f, theta[j], g[j]))
    step_dev = results[0][0] if shapes[0] == 0 else float(base_dev[0])
    best_dev, c, k, fl, theta, gb = min(results, key=lambda r: r[0])
    Xb = np.column_stack([np.ones(n), gb, Z])
    mu = ee * np.exp(Xb @ theta)
    phi = max(float(np.sum((xx - mu) ** 2 / np.maximum(mu, 1e-9)) / max(n - Xb.shape[1], 1)), 1.0)
    fitted = theta[0] + theta[1] * _shape(t.astype(float), np.array([c]), k, fl)[0] + zc @ theta[2:]
    return OnsetFit(
        int(c),
        k,
        float(theta[0]),
        float(np.clip(theta[1], -5.0, 5.0)),
        (float(base_dev[0]) - best_dev) / phi,
        (float(base_dev[0]) - step_dev) / phi,
        fitted,
        fl,
    )
