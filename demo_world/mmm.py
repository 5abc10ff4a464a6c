"""``generate_mmm_world``: the demo world in the media-mix (``mmm``) layout of SPEC §2, with its truth.

Weekly rows (week start = Monday), optionally per geo: ``conversions``, ``revenue``, per channel
``<channel>_spend`` and ``<channel>_impressions``, the control ``price_index`` and the event ``promo_days``
(promotion days in the week, 0–7). No campaign rows and no platform-reported figures.

Order of generation (one ``numpy.random.Generator``, seeded once): structure (promotions, trend break) →
geo weights → channel parameters → national spend → geo split → response calibration → baseline → price
index → observed noise. Spend is flighted with a shared budget cycle (every channel follows it, ``rho`` of
0.6–1.0) and shared bursts (the brand channels — display, video, podcast, influencer — mostly flight together),
so the business totals alone separate the channels only so far, as in real data: a least-squares fit of the
national totals that knows every true series and estimates only their scales still misses each channel's
contribution (conversions, 156 weeks, seeds 1–30) by a median 6.6 % (mean 7.2 %) on national worlds and 7.6 % (8.7 %)
on 10-geo worlds (``benchmarks/mmm_score.noise_limit_error``); one that knows the media transforms but fits a simple
baseline, 12.4 % (15.1 %) and 16.4 % (19.2 %) (``oracle_error``; 14.3 % when it fits every geo). Lift tests separate
them (``demo_world.lift``). Each geo's spend follows the national plan (fixed shares, 10 % weekly jitter), so the
geos add little information. Noise, budget levels and
half-saturation ranges (module constants below) were set so that this limit stays under the issue-13 target. The structure varies by seed: 2–5 promotion windows, a trend break in about 40 % of
worlds, which channels share bursts, the price elasticity.

``season="peak"`` (not the default) gives the world a retailer's holiday season: every year from 20 November to
24 December organic demand is ``lift`` (1.6–2.2) times its level, and every channel's spend rises with it (by 0.8 ×
the lift's excess, per week by the share of its days in the season). The season is no event column (a business does
not record its demand peak as a promotion), and it continues after the history (truth for plans). Its draws come
from their own generator, so the default worlds are unchanged.

Truth (``truth.json``, schema ``mmm-1.0``, built by ``mmm_truthdoc``): see ``MmmWorld`` and ``demo_world.mmm_truth`` (the formulas and
``true_outcome`` for future plans).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from numpy.typing import NDArray

from demo_world.channels import CHANNELS, EXTRA_CHANNELS, ChannelProfile
from demo_world.mmm_truth import media_response, outcome_frame, weekly_organic
from demo_world.mmm_truthdoc import NOISE_SD, build_mmm_truth
from demo_world.structure import Promotion, TrendBreak, structure_multipliers
from demo_world.world import DEFAULT_END, _baseline

MIN_WEEKS = 52
MAX_CHANNELS = len(CHANNELS) + len(EXTRA_CHANNELS)
#: channels that run in bursts; those that share the common burst pattern flight together
BURST_CHANNELS = ("display", "video", "podcast", "influencer", "social")
COMMON_SD, OWN_SD = 0.35, 0.5  # log s.d. of the shared budget cycle and of each channel's own budget levels
SHARED_BURSTS = 0.6  # probability that a burst channel follows the shared burst pattern
BASE_FACTOR = (0.8, 1.2)  # organic demand / media contribution, times world._baseline's 1.3–1.7
HALF_RANGE = (1.0, 2.5)  # half-saturation / mean adstocked spend
MIN_BUDGET = 250.0  # floor of a channel profile's daily budget (currency per day)


@dataclass(frozen=True)
class MmmWorld:
    """A generated media-mix world.

    ``frame``: the ``mmm.csv`` rows (``week_start``, ``geo`` when geos, ``conversions``, ``revenue``, per channel
    ``<c>_spend``/``<c>_impressions``, ``price_index``, ``promo_days``); ``config``: the ``kpi-advisor.yaml``
    content; ``truth``: the ``truth.json`` content; ``expected``: long (week, geo) frame of the noise-free
    outcome's parts (``mmm_truth.outcome_frame``; geo ``"national"`` without geos).
    """

    frame: pd.DataFrame
    config: dict[str, Any]
    truth: dict[str, Any]
    expected: pd.DataFrame

    @property
    def channels(self) -> list[str]:
        return list(self.truth["channels"])

    def write(self, out_dir: Path | str) -> None:
        """Write ``mmm.csv`` (ISO dates), ``kpi-advisor.yaml`` and ``truth.json`` into ``out_dir``."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        self.frame.to_csv(out / "mmm.csv", index=False, date_format="%Y-%m-%d")
        (out / "kpi-advisor.yaml").write_text(yaml.safe_dump(self.config, sort_keys=False), encoding="utf-8")
        (out / "truth.json").write_text(json.dumps(self.truth, indent=1, allow_nan=False), encoding="utf-8")


def channel_profiles(n_channels: int) -> tuple[ChannelProfile, ...]:
    """The first ``n_channels`` of the six default channels followed by the four extra ones (2 to 10)."""
    if not 2 <= n_channels <= MAX_CHANNELS:
        raise ValueError(f"channels must be 2 to {MAX_CHANNELS}, got {n_channels}")
    return (*CHANNELS, *EXTRA_CHANNELS)[:n_channels]


def _segments(rng: np.random.Generator, n: int, lo: int, hi: int, sd: float) -> NDArray[np.float64]:
    """A piecewise-constant lognormal level per week: segments of ``lo``–``hi`` weeks, ``(n,)``."""
    lengths = rng.integers(lo, hi + 1, size=n // lo + 2)
    levels = np.clip(rng.lognormal(0.0, sd, size=len(lengths)), 0.3, 3.0)
    return np.repeat(levels, lengths)[:n]


def _bursts(rng: np.random.Generator, n: int) -> NDArray[np.float64]:
    """On/off flighting multipliers: on for 4–8 weeks, then off (0 or 0.2) for 2–5 weeks, ``(n,)``."""
    out = np.ones(n)
    week, on = int(rng.integers(0, 4)), True
    while week < n:
        length = int(rng.integers(4, 9)) if on else int(rng.integers(2, 6))
        if not on:
            out[week : week + length] = 0.0 if rng.random() < 0.5 else 0.2
        week, on = week + length, not on
    return out


def _structure(
    rng: np.random.Generator, weeks: pd.DatetimeIndex
) -> tuple[tuple[Promotion, ...], tuple[TrendBreak, ...]]:
    """2–5 promotion windows (7–21 days, lift 1.15–1.5) and, in about 40 % of worlds, one trend break."""
    first, last = weeks[0].date(), (weeks[-1] + pd.Timedelta(days=6)).date()
    span = (last - first).days
    promos = []
    for _ in range(int(rng.integers(2, 6))):
        start = first + timedelta(days=int(rng.integers(14, span - 30)))
        promos.append(Promotion(start, start + timedelta(days=int(rng.integers(6, 21))), float(rng.uniform(1.15, 1.5))))
    breaks: tuple[TrendBreak, ...] = ()
    if rng.random() < 0.4:
        at = first + timedelta(days=int(rng.integers(int(0.3 * span), int(0.8 * span))))
        breaks = (TrendBreak(at, float(rng.uniform(0.88, 1.12)), float(rng.uniform(-0.06, 0.06))),)
    return tuple(sorted(promos, key=lambda p: p.start)), breaks


def _geo_weights(rng: np.random.Generator, n_geos: int) -> tuple[list[str], NDArray[np.float64]]:
    """Geo names (``geo_01``…) and population weights (lognormal, summing to 1); one ``national`` geo when 0."""
    if n_geos == 0:
        return ["national"], np.ones(1)
    w = rng.lognormal(0.0, 0.6, n_geos)
    return [f"geo_{i + 1:02d}" for i in range(n_geos)], w / w.sum()


def _national_spend(
    rng: np.random.Generator, profiles: tuple[ChannelProfile, ...], weeks: pd.DatetimeIndex
) -> tuple[NDArray[np.float64], list[str]]:
    """National weekly spend ``(W, C)``: budget × common cycle^rho × own level × bursts × Q4 push × noise.
    Returns the spend and the names of the channels that follow the shared burst pattern."""
    n = len(weeks)
    common = _segments(rng, n, 4, 9, COMMON_SD)
    shared_bursts = _bursts(rng, n)
    doy = np.asarray(weeks.dayofyear, dtype=float)
    q4 = 1.0 + 0.25 * np.exp(-(((doy - 330.0) / 30.0) ** 2))
    cols, sharing = [], []
    for p in profiles:
        budget = max(p.budget, MIN_BUDGET) * 7.0 * 3.0 * float(rng.lognormal(0.0, 0.3))
        rho = float(rng.uniform(0.6, 1.0))
        own = _segments(rng, n, 3, 10, OWN_SD)
        flight = np.ones(n)
        if p.name in BURST_CHANNELS:
            if rng.random() < SHARED_BURSTS:
                flight = shared_bursts
                sharing.append(p.name)
            else:
                flight = _bursts(rng, n)
        noise = rng.lognormal(0.0, 0.08, n)
        cols.append(np.round(budget * common**rho * own * flight * q4 * noise, 2))
    return np.column_stack(cols), sharing


def _geo_split(
    rng: np.random.Generator, national: NDArray[np.float64], weights: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Split national spend ``(W, C)`` to geos ``(W, C, G)``: a fixed share per (channel, geo) around the geo's
    weight (lognormal s.d. 0.2) with weekly jitter (s.d. 0.1); shares sum to 1 over geos every week. Rounded to
    cents, so the truth is computed from exactly the spend ``mmm.csv`` holds."""
    w, c = national.shape
    g = len(weights)
    if g == 1:
        return national[:, :, None].copy()
    fixed = weights[None, :] * rng.lognormal(0.0, 0.2, (c, g))
    share = fixed[None] * rng.lognormal(0.0, 0.1, (w, c, g))
    share = share / share.sum(axis=2, keepdims=True)
    return np.round(national[:, :, None] * share, 2)


def _price_index(rng: np.random.Generator, n_weeks: int, n_geos: int) -> NDArray[np.float64]:
    """Price index per week and geo ``(W, G)``: a national AR(1) around 1 (s.d. about 0.04) plus geo jitter."""
    ar = np.zeros(n_weeks)
    for t in range(1, n_weeks):
        ar[t] = 0.85 * ar[t - 1] + rng.normal(0.0, 0.02)
    steps = np.repeat(rng.normal(0.0, 0.02, n_weeks // 13 + 1), 13)[:n_weeks]
    geo = rng.normal(0.0, 0.01, (n_weeks, n_geos))
    return np.round(1.0 + ar[:, None] + steps[:, None] + geo, 4)


def _week_starts(days: int, end: date) -> pd.DatetimeIndex:
    """``days // 7`` consecutive Monday week starts; the last week ends on or before ``end``."""
    n = days // 7
    if n < MIN_WEEKS:
        raise ValueError(f"an mmm world needs at least {MIN_WEEKS * 7} days ({MIN_WEEKS} weeks), got {days}")
    last_day = pd.Timestamp(end)
    last_sunday = last_day - pd.Timedelta(days=(last_day.dayofweek + 1) % 7)
    last_start = last_sunday - pd.Timedelta(days=6)
    return pd.date_range(end=last_start, periods=n, freq="7D")


def _season(seed: int, weeks: pd.DatetimeIndex) -> tuple[Promotion, ...]:
    """The holiday season of a ``season="peak"`` world (module docstring): one window per year of the history and
    the year after, one lift drawn from its own generator."""
    lift = float(np.random.default_rng([seed, 13, 7]).uniform(1.6, 2.2))
    years = range(weeks[0].year, weeks[-1].year + 2)
    return tuple(Promotion(date(y, 11, 20), date(y, 12, 24), lift) for y in years)


def _week_multiplier(weeks: pd.DatetimeIndex, windows: tuple[Promotion, ...]) -> NDArray[np.float64]:
    """``(W,)``: the mean over each week's 7 days of the windows' multipliers."""
    days = pd.date_range(weeks[0], weeks[-1] + pd.Timedelta(days=6), freq="D")
    return structure_multipliers(days, windows, ()).reshape(len(weeks), 7).mean(axis=1)


def generate_mmm_world(
    seed: int = 7,
    days: int = 730,
    geos: int = 0,
    channels: int = 6,
    end: date = DEFAULT_END,
    season: str = "smooth",
) -> MmmWorld:
    """Generate ``days // 7`` weeks ending on or before ``end``; ``geos`` geos (0: national rows, no geo column);
    ``channels`` channels (2–10: the six default ones, then podcast, native, influencer, sms); ``season``:
    ``"smooth"`` (the yearly season of ``BaselineParams``) or ``"peak"`` (a holiday season on top, spend following
    it: module docstring). Deterministic in all arguments."""
    if not 0 <= geos <= 200:
        raise ValueError(f"geos must be 0 to 200, got {geos}")
    if season not in ("smooth", "peak"):
        raise ValueError(f"season must be 'smooth' or 'peak', got {season!r}")
    profiles = channel_profiles(channels)
    rng = np.random.default_rng([seed, 13])
    weeks = _week_starts(days, end)
    n_weeks = len(weeks)
    promotions, breaks = _structure(rng, weeks)
    geo_names, weights = _geo_weights(rng, geos)
    names = [p.name for p in profiles]
    decay = np.array([rng.uniform(*p.decay) for p in profiles])
    shape = rng.uniform(1.0, 2.0, len(profiles))
    aov = np.array([p.aov * rng.lognormal(0.0, 0.1) for p in profiles])
    roas = np.array([p.roas * rng.lognormal(0.0, 0.25) for p in profiles])
    national, sharing = _national_spend(rng, profiles, weeks)
    peaks = _season(seed, weeks) if season == "peak" else ()
    if peaks:  # spend rises with demand in the season
        national = np.round(national * (1.0 + 0.8 * (_week_multiplier(weeks, peaks) - 1.0))[:, None], 2)
    spend = _geo_split(rng, national, weights)
    # half-saturation around each geo's mean adstocked spend; a geo's conversions at saturation follow its population
    # weight (as its baseline does) times a per-geo effectiveness heterogeneity (s.d. 0.15)
    ad_mean = spend.mean(axis=0)
    half = ad_mean * rng.uniform(*HALF_RANGE, len(profiles))[:, None]
    hetero = rng.lognormal(0.0, 0.15, ad_mean.shape) if geos else np.ones(ad_mean.shape)
    unit, _ = media_response(spend, decay, half, shape, hetero * weights[None, :], spend[0])
    # coefficient so that the channel's true revenue over the history / its spend = roas
    scale = roas * national.sum(axis=0) / (aov * unit.sum(axis=(0, 2)))
    coefficient = hetero * weights[None, :] * scale[:, None]
    inc, state_end = media_response(spend, decay, half, shape, coefficient, spend[0])

    days_index = pd.date_range(weeks[0], weeks[-1] + pd.Timedelta(days=6), freq="D")
    mean_inc_daily = float(inc.sum(axis=(1, 2)).mean()) / 7.0 * float(rng.uniform(*BASE_FACTOR))
    baseline = replace(
        _baseline(rng, days_index, mean_inc_daily), promotions=promotions + peaks, trend_breaks=breaks
    )
    organic = weekly_organic(baseline, weeks)
    price = _price_index(rng, n_weeks, len(geo_names))
    elasticity = float(rng.uniform(1.0, 3.0))
    price_effect = -elasticity * float(organic.mean())  # conversions per week per unit of price index (national)
    base_conv = weights[None] * (organic[:, None] + price_effect * (price - 1.0))
    inc_rev = inc * aov[None, :, None]
    expected = outcome_frame(weeks, names, geo_names, base_conv, base_conv * baseline.aov, inc, inc_rev)

    sd = np.minimum(NOISE_SD / np.sqrt(weights), 0.3)[None]
    z = rng.standard_normal(base_conv.shape)
    conv_mu = expected["total_conversions"].to_numpy().reshape(base_conv.shape)
    rev_mu = expected["total_revenue"].to_numpy().reshape(base_conv.shape)
    conv = np.round(np.maximum(conv_mu * (1.0 + sd * z), 0.0))
    rev = np.round(np.maximum(rev_mu * (1.0 + sd * (0.8 * z + 0.6 * rng.standard_normal(z.shape))), 0.0), 2)
    cpm = np.array([p.cpm for p in profiles])[None, :, None] * rng.lognormal(0.0, 0.08, spend.shape)
    promo_days = _promotion_days(weeks, promotions)

    frame = _frame(weeks, geo_names if geos else None, names, conv, rev, spend, cpm, price, promo_days)
    config = _config(names, bool(geos))
    truth = build_mmm_truth(
        seed=seed,
        weeks=weeks,
        geo_names=geo_names,
        weights=weights,
        names=names,
        profiles=profiles,
        params={"decay": decay, "shape": shape, "aov": aov, "half": half, "coefficient": coefficient},
        spend=spend,
        state_end=state_end,
        expected=expected,
        baseline=baseline,
        price=price,
        price_effect=price_effect,
        sharing=sharing,
    )
    return MmmWorld(frame=frame, config=config, truth=truth, expected=expected)


def _promotion_days(weeks: pd.DatetimeIndex, promotions: tuple[Promotion, ...]) -> NDArray[np.float64]:
    """Promotion days in each week (0–7), ``(W,)``."""
    days = pd.date_range(weeks[0], weeks[-1] + pd.Timedelta(days=6), freq="D")
    on = np.zeros(len(days))
    for p in promotions:
        on = np.maximum(on, (days >= pd.Timestamp(p.start)) & (days <= pd.Timestamp(p.end)))
    return on.reshape(len(weeks), 7).sum(axis=1)


def _frame(
    weeks: pd.DatetimeIndex,
    geos: list[str] | None,
    names: list[str],
    conv: NDArray[np.float64],
    rev: NDArray[np.float64],
    spend: NDArray[np.float64],
    cpm: NDArray[np.float64],
    price: NDArray[np.float64],
    promo_days: NDArray[np.float64],
) -> pd.DataFrame:
    """The ``mmm.csv`` rows, sorted by (geo, week)."""
    w, g = conv.shape
    cols: dict[str, Any] = {"week_start": np.tile(weeks.to_numpy(), g)}
    if geos is not None:
        cols["geo"] = np.repeat(np.array(geos, dtype=object), w)
    cols["conversions"] = conv.T.ravel().astype(int)
    cols["revenue"] = rev.T.ravel()
    for k, ch in enumerate(names):
        cols[f"{ch}_spend"] = np.round(spend[:, k, :].T.ravel(), 2)
        cols[f"{ch}_impressions"] = np.round(spend[:, k, :].T.ravel() / cpm[:, k, :].T.ravel() * 1000.0).astype(int)
    cols["price_index"] = price.T.ravel()
    cols["promo_days"] = np.tile(promo_days, g).astype(int)
    return pd.DataFrame(cols)


def _config(names: list[str], geo: bool) -> dict[str, Any]:
    """The ``kpi-advisor.yaml`` content (SPEC §2 ``mmm:`` section)."""
    mmm: dict[str, Any] = {"file": "mmm.csv", "date": "week_start"}
    if geo:
        mmm["geo"] = "geo"
    mmm["outcomes"] = {"conversions": "conversions", "revenue": "revenue"}
    mmm["channels"] = {ch: {"spend": f"{ch}_spend", "impressions": f"{ch}_impressions"} for ch in names}
    mmm["controls"] = ["price_index"]
    mmm["events"] = ["promo_days"]
    mmm["holidays"] = "US"
    return {"mmm": mmm}
