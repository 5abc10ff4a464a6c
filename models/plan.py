"""Spend plans over the channels of a response bundle.

A plan is ``{"start": D, "end": D, "spend": {channel: total}}`` or ``{"start", "end", "campaigns":
{campaign_id: total}}`` (SPEC §5), optionally with ``"daily": {channel: [amount per period]}``. Totals are
spread over the days by the recent weekday pattern. ``models.forecast.forecast`` simulates the response models
(parameter and correlated residual paths) so interval bounds of horizon totals are honest.

Periods of a plan (:func:`plan_dates`): on a daily model every day of ``[start, end]``; on a weekly model every
week of the model's weekly grid (the dates that label the weeks of the history, one week apart) whose label —
its start date for data labelled by the first day of the week — lies in ``[start, end]``. A plan's ``daily``
series holds one amount per such period (per week on a weekly model), and a total is spread evenly over the
weeks. A period of a weekly model holding no week start is refused, naming the nearest week starts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from models.names import closest_names, resolve_name
from models.response.bundle import PlanningContext, ResponseBundle
from models.yamlio import YamlLimitError, load_yaml

#: How far after the history a plan may end (days): the models extrapolate trend and seasonality no further. The
#: longest plan period is a service setting (``Settings.max_horizon_days``), checked by ``advisor.ops``.
MAX_LEAD_DAYS = 730


class PlanError(ValueError):
    """A plan that cannot be forecast; the message names the problem and the valid choices."""


@dataclass(frozen=True)
class Plan:
    """Spend by channel over ``[start, end]`` (inclusive). ``spend``: channel → total (currency);
    ``daily``: optional channel → per-period amounts, one per day (per week on a weekly model; overrides the
    weekday spread)."""

    start: pd.Timestamp
    end: pd.Timestamp
    spend: Mapping[str, float]
    daily: Mapping[str, tuple[float, ...]] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return float(sum(self.spend.values()))


def _amount(name: str, v: Any) -> float:
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise PlanError(f"amount for {name!r} is not a number: {v!r}") from None
    if not np.isfinite(x) or x < 0:
        raise PlanError(f"amount for {name!r} must be a non-negative number, got {v!r}")
    return x


def resolve_channel(name: Any, channels: Sequence[str], where: str = "") -> str:
    """The model's channel that ``name`` means: exact, else the one equal ignoring case, spaces and hyphens
    (``"Paid Search"`` → ``paid_search``); ``PlanError`` naming the closest choices otherwise
    (:mod:`models.names` policy)."""
    found = resolve_name(name, channels)
    if found is not None:
        return found
    close = closest_names(name, channels)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise PlanError(f"unknown channel {name!r}{where}{hint}; the model knows: {', '.join(channels)}")


def parse_plan(obj: Mapping[str, Any], bundle: ResponseBundle) -> Plan:
    """Validate a plan mapping against the trained models; raises :class:`PlanError`."""
    ctx = bundle.context
    try:
        start, end = pd.Timestamp(obj["start"]), pd.Timestamp(obj["end"])
    except KeyError as e:
        raise PlanError(f"plan needs 'start' and 'end' (YYYY-MM-DD); missing {e}") from None
    except ValueError as e:
        raise PlanError(f"plan dates must be YYYY-MM-DD: {e}") from None
    if end < start:
        raise PlanError(f"plan end {end.date()} is before its start {start.date()}")
    last = pd.Timestamp(ctx.last_date)
    if start <= last:
        raise PlanError(f"plan must start after the training data ends ({ctx.last_date}); got {start.date()}")
    if (end - last).days > MAX_LEAD_DAYS:
        raise PlanError(
            f"plan ends {(end - last).days} days after the history ({ctx.last_date}); at most {MAX_LEAD_DAYS}"
        )
    has_spend, has_camp = "spend" in obj, "campaigns" in obj
    if has_spend == has_camp and "daily" not in obj:
        raise PlanError("plan needs exactly one of 'spend' {channel: total} or 'campaigns' {campaign_id: total}")
    spend = {ch: 0.0 for ch in ctx.channels}
    named: dict[str, str] = {}
    for given, v in dict(obj.get("spend") or {}).items():
        ch = resolve_channel(given, ctx.channels)
        if ch in named:
            raise PlanError(f"channel {ch!r} is given twice in 'spend' (as {named[ch]!r} and {given!r})")
        named[ch] = str(given)
        spend[ch] = _amount(ch, v)
    for cid, v in dict(obj.get("campaigns") or {}).items():
        if str(cid) not in ctx.campaigns:
            known = sorted(ctx.campaigns)
            more = f" (and {len(known) - 20} more)" if len(known) > 20 else ""
            raise PlanError(f"unknown campaign {cid!r}; known campaigns: {', '.join(known[:20])}{more}")
        spend[ctx.campaigns[str(cid)]] += _amount(str(cid), v)
    n_periods = len(periods_of(start, end, ctx))
    daily: dict[str, tuple[float, ...]] = {}
    for given, seq in dict(obj.get("daily") or {}).items():
        ch = resolve_channel(given, ctx.channels, " in 'daily'")
        if ch in daily:
            raise PlanError(f"channel {ch!r} is given twice in 'daily'")
        vals = tuple(_amount(ch, x) for x in seq)
        if len(vals) != n_periods:
            unit = "days" if ctx.freq == "D" else "weeks (one value per week of the weekly model)"
            raise PlanError(f"'daily' series for {ch!r} has {len(vals)} values; the plan has {n_periods} {unit}")
        daily[ch] = vals
        spend[ch] = float(sum(vals))
    for kpi, m in bundle.models.items():
        extra = set(m.channels_) - set(ctx.channels)
        if extra:
            raise PlanError(f"{kpi} model was trained on other channels {sorted(extra)}; retrain the models")
    return Plan(start, end, spend, daily)


def load_plan(path: str | Path, bundle: ResponseBundle) -> Plan:
    """Read a YAML or JSON plan file and validate it."""
    return parse_plan(read_plan_file(path), bundle)


def read_plan_file(path: str | Path) -> dict[str, Any]:
    """A YAML or JSON plan file as a mapping (not yet validated); YAML is read by ``models.yamlio.load_yaml``
    (size and depth limits; channel keys ``on``/``no``/``yes`` stay text). :class:`PlanError` when unreadable."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise PlanError(f"cannot read plan file {p}: {e.strerror}") from None
    try:
        obj = json.loads(text) if p.suffix.lower() == ".json" else load_yaml(text, p.name)
    except YamlLimitError as e:
        raise PlanError(str(e)) from None
    except (json.JSONDecodeError, yaml.YAMLError) as e:
        raise PlanError(f"plan file {p} is not valid {'JSON' if p.suffix == '.json' else 'YAML'}: {e}") from None
    if not isinstance(obj, Mapping):
        raise PlanError(f"plan file {p} must hold a mapping with start, end and spend/campaigns")
    return dict(obj)


def plan_dates(start: pd.Timestamp, end: pd.Timestamp, freq: str, last: pd.Timestamp | None = None) -> pd.DatetimeIndex:
    """Model periods inside ``[start, end]``: every day (``freq == "D"``), or every week of the weekly grid after
    ``last`` (the last week of the history; default: a grid starting at ``start``) whose date lies in ``[start,
    end]``. Empty when no week starts inside the period (:func:`periods_of` says so as an error)."""
    if freq == "D":
        return pd.date_range(start, end, freq="D")
    anchor = last if last is not None else start - pd.Timedelta(days=7)
    grid = pd.date_range(anchor + pd.Timedelta(days=7), end, freq="7D")
    return grid[grid >= start]


def periods_of(start: pd.Timestamp, end: pd.Timestamp, ctx: PlanningContext) -> pd.DatetimeIndex:
    """:func:`plan_dates` of the bundle's grid; :class:`PlanError` when a weekly model has no week starting in
    ``[start, end]`` (the message names the week starts around it)."""
    last = pd.Timestamp(ctx.last_date)
    dates = plan_dates(start, end, ctx.freq, last)
    if len(dates) == 0:
        if ctx.freq != "W":
            raise PlanError(f"period {start.date()}..{end.date()} holds no day")
        k = max(int(np.ceil((start - last).days / 7)), 1)
        before, after = last + pd.Timedelta(days=7 * (k - 1)), last + pd.Timedelta(days=7 * k)
        near = ", ".join(str(d.date()) for d in (before, after) if d > last)
        raise PlanError(
            f"period {start.date()}..{end.date()} holds no week of the weekly model: a week counts when its start date "
            f"lies in [start, end], and the model's weeks start on {after.day_name()}s (nearest: {near})"
        )
    return dates


def spend_path(bundle: ResponseBundle, plan: Plan) -> tuple[pd.DataFrame, int]:
    """Spend per period from the day after the history to the plan end ``(G + H, C)`` and ``G``, the
    number of gap periods before the plan (filled with the recent run-rate to carry adstock over)."""
    ctx = bundle.context
    last = pd.Timestamp(ctx.last_date)
    step = pd.Timedelta(days=1 if ctx.freq == "D" else 7)
    dates = periods_of(plan.start, plan.end, ctx)
    gap_dates = pd.date_range(last + step, dates[0] - step, freq=step) if dates[0] > last + step else dates[:0]
    ref = bundle.daily_reference(dates)
    cols = {}
    for ch in ctx.channels:
        if ch in plan.daily:
            cols[ch] = np.asarray(plan.daily[ch], dtype=float)
        else:
            w = ref[ch].to_numpy()
            w = w / w.sum() if w.sum() > 0 else np.full(len(dates), 1 / len(dates))
            cols[ch] = plan.spend.get(ch, 0.0) * w
    path = pd.DataFrame(cols, index=dates)
    if len(gap_dates) == 0:
        return path, 0
    return pd.concat([bundle.daily_reference(gap_dates), path]), len(gap_dates)


def reference_plan(bundle: ResponseBundle, start: pd.Timestamp, end: pd.Timestamp) -> Plan:
    """The recent run-rate over ``[start, end]``."""
    ctx = bundle.context
    dates = periods_of(start, end, ctx)
    ref = bundle.daily_reference(dates)
    return Plan(start, end, {ch: float(ref[ch].sum()) for ch in ctx.channels})
