"""Validate a raw media-mix table against its ``mmm:`` config and build the ``MmmTable``.

Every issue is a ``ValidationIssue`` of table ``mmm`` naming the column (as in the file), the first rows (CSV line
numbers / 1-based records, as for other tables) and the rule:

| rule | level | when |
|---|---|---|
| ``no_outcome`` | error | ``outcomes`` gives neither conversions nor revenue |
| ``no_channels`` | error | ``channels`` is empty |
| ``missing_column`` | error | a configured column is not in the file (names the config key, the columns found) |
| ``duplicate_column`` | error | a configured column appears more than once in the header |
| ``missing_value`` | error | an empty date, geo, outcome, spend, exposure, control, organic or numeric event cell |
| ``bad_date`` | error | a date that is not ISO ``YYYY-MM-DD`` |
| ``wrong_type`` | error | a number column holding text |
| ``finite`` | error | an infinite number |
| ``non_negative`` | error | a negative outcome, spend, exposure or organic value (controls and events may be negative) |
| ``duplicate_key`` | error | a period repeated (within a geo) |
| ``mixed_grain`` | error | steps between periods are not all daily or all weekly (per geo), or geos differ in grain |
| ``unsupported_grain`` | error | neither daily nor weekly (e.g. monthly), or a single period |
| ``gap`` | warning | missing periods in a daily or weekly series (counted in days or weeks) |
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from advisor.core.names import closest_names
from advisor.data.aliases import header_key
from advisor.data.grain import detect
from advisor.data.issues import MAX_ROWS, ValidationIssue
from advisor.data.mmm import NO_EVENT_LEVELS, OUTCOMES, MmmConfig, MmmTable, exposure_name, spend_name
from advisor.data.readers import RawTable
from advisor.data.validate import _strip_midnight, clean_text, normalise_numbers

TABLE = "mmm"


@dataclass(frozen=True, eq=False)
class MmmResult:
    """``table`` is the validated table, or None when ``errors`` is not empty."""

    table: MmmTable | None
    errors: tuple[ValidationIssue, ...]
    warnings: tuple[ValidationIssue, ...] = ()


@dataclass(frozen=True)
class _Use:
    """One configured column: where in the config (``key``), the file column, its canonical name and rules."""

    key: str
    column: str
    canonical: str
    kind: str  # "number" (non-negative), "signed" (any number), "event" (number or text levels)


def _issue(column: str | None, rows: Sequence[int], rule: str, text: str) -> ValidationIssue:
    shown = tuple(sorted(int(r) for r in rows))[:MAX_ROWS]
    where = f" (rows {', '.join(map(str, shown))}{' ...' if len(rows) > len(shown) else ''})" if shown else ""
    return ValidationIssue(TABLE, column, shown, rule, f"{TABLE}{'.' + column if column else ''}: {text}{where}")


def _uses(config: MmmConfig) -> list[_Use]:
    uses = [_Use(f"outcomes.{k}", config.outcomes[k], k, "number") for k in OUTCOMES if k in config.outcomes]
    for name, ch in config.channels.items():
        uses.append(_Use(f"channels.{name}.spend", ch.spend, spend_name(name), "number"))
        if ch.exposure_column is not None:
            which = "impressions" if ch.impressions is not None else "exposure"
            uses.append(_Use(f"channels.{name}.{which}", ch.exposure_column, exposure_name(name), "number"))
    uses += [_Use("controls", c, f"control__{c}", "signed") for c in config.controls]
    uses += [_Use("organic", c, f"organic__{c}", "number") for c in config.organic]
    uses += [_Use("events", c, f"event__{c}", "event") for c in config.events]
    return uses


def _match(wanted: str, headers: Sequence[str]) -> list[str]:
    """Headers equal to ``wanted`` after trimming (exact case first, then case-insensitive, then ignoring
    spaces/``_``/``-`` like other tables); several only when they tie."""
    for key in (lambda h: h.strip(), lambda h: h.strip().lower(), header_key):
        target = key(wanted)
        found = [h for h in headers if key(h) == target]
        if found:
            return found
    return []


def _resolve(config: MmmConfig, raw: RawTable) -> tuple[dict[str, str], list[ValidationIssue]]:
    """Config column → file header, and the missing/duplicate column errors."""
    headers = list(raw.headers)
    wanted = [("date", config.date)] + ([("geo", config.geo)] if config.geo else [])
    wanted += [(u.key, u.column) for u in _uses(config)]
    found, issues = {}, []
    shown = ", ".join(headers[:30]) + (f" ... ({len(headers)} in all)" if len(headers) > 30 else "")
    for key, column in wanted:
        if column in found:
            continue
        hits = _match(column, headers)
        if not hits:
            close = closest_names(column, headers, n=1) or _named_after(key, headers)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            issues.append(_issue(column, (), "missing_column", (
                f"{key} maps to column {column!r}, which is not in {raw.source}{hint} (columns found: {shown})")))
        elif len(hits) > 1 or hits[0] in raw.duplicate_headers:
            issues.append(_issue(column, (), "duplicate_column", (
                f"{key} maps to column {column!r}, which matches {len(hits) if len(hits) > 1 else 2} columns of "
                f"{raw.source} ({', '.join(map(repr, dict.fromkeys(hits)))}); rename one or name it exactly")))
        else:
            found[column] = hits[0]
    return found, issues


def _named_after(key: str, headers: Sequence[str]) -> list[str]:
    """For ``channels.<name>.<role>``: the one header that contains the channel name and the role's usual word
    (``tv`` + ``spend``/``cost`` → ``TV_Spend``), else ``[]``."""
    parts = key.split(".")
    if len(parts) != 3 or parts[0] != "channels":
        return []
    words = {"spend": ("spend", "cost"), "impressions": ("impr",), "exposure": ("impr", "grp", "click", "exposure")}
    name = header_key(parts[1])
    hits = [h for h in headers if name in header_key(h) and any(w in header_key(h) for w in words[parts[2]])]
    return hits if len(hits) == 1 else []


def _rows(mask: pd.Series) -> list[int]:
    return [int(r) for r in mask.index[mask.to_numpy(dtype=bool)]]


def _eg(values: pd.Series) -> str:
    shown = list(dict.fromkeys(str(v) for v in values.head(50)))[:3]
    return f" (e.g. {', '.join(map(repr, shown))})" if shown else ""


def _numbers(s: pd.Series, decimal_comma: bool) -> tuple[pd.Series, pd.Series]:
    """(float64 values, mask of non-empty cells that are not numbers)."""
    if pd.api.types.is_bool_dtype(s):
        s = s.astype("float64")
    text_like = s.dtype == object
    prepared = normalise_numbers(s, decimal_comma) if text_like else s
    values = pd.to_numeric(prepared, errors="coerce").astype("float64")
    present = s.notna() & (s.astype(str).str.strip() != "" if text_like else True)
    return values, present & values.isna()


def _check_number(use: _Use, s: pd.Series, decimal_comma: bool) -> tuple[pd.Series, list[ValidationIssue]]:
    values, bad = _numbers(s, decimal_comma)
    col, issues = use.column, []
    if bad.any():
        issues.append(_issue(col, _rows(bad), "wrong_type",
                             f"{use.key}: {int(bad.sum())} value(s) are not numbers{_eg(s[bad])}"))
    empty = values.isna() & ~bad
    if empty.any():
        issues.append(_issue(col, _rows(empty), "missing_value", f"{use.key}: {int(empty.sum())} empty value(s)"))
    infinite = np.isinf(values)
    if infinite.any():
        issues.append(_issue(col, _rows(infinite), "finite", f"{use.key}: {int(infinite.sum())} infinite value(s)"))
    negative = values < 0
    if use.kind == "number" and negative.any():
        issues.append(_issue(col, _rows(negative), "non_negative",
                             f"{use.key}: must be ≥ 0, {int(negative.sum())} negative value(s){_eg(s[negative])}"))
    return values, issues


def _event_levels(use: _Use, s: pd.Series) -> dict[str, pd.Series]:
    """A text event column as one 0/1 float column per level (levels meaning "no event" dropped)."""
    text = clean_text(s)
    levels = text.dropna()
    levels = levels[~levels.str.lower().isin(NO_EVENT_LEVELS)]
    return {f"{use.canonical}={lv}": (text == lv).astype("float64") for lv in sorted(levels.unique())}


def _dates(column: str, s: pd.Series) -> tuple[pd.Series, list[ValidationIssue]]:
    if pd.api.types.is_datetime64_any_dtype(s):
        parsed = pd.to_datetime(s)
        if parsed.dt.tz is not None:
            parsed = parsed.dt.tz_convert(None)
        bad = pd.Series(False, index=s.index)
    else:
        text = _strip_midnight(clean_text(s)) if s.dtype == object else s.astype("string")
        iso = text.astype("string").str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False).astype(bool)
        parsed = pd.to_datetime(text.where(iso), format="%Y-%m-%d", errors="coerce")
        bad = s.notna() & parsed.isna() & (s.astype(str).str.strip() != "")
    issues = []
    if bad.any():
        issues.append(_issue(column, _rows(bad), "bad_date",
                             f"date: {int(bad.sum())} value(s) are not ISO dates YYYY-MM-DD{_eg(s[bad])}"))
    empty = parsed.isna() & ~bad
    if empty.any():
        issues.append(_issue(column, _rows(empty), "missing_value", f"date: {int(empty.sum())} empty date(s)"))
    return parsed.dt.normalize().astype("datetime64[ns]"), issues


def check_mmm(raw: RawTable, config: MmmConfig) -> MmmResult:
    """Validate ``raw`` (as read) against ``config``; see the module docstring. Never raises for bad data."""
    issues: list[ValidationIssue] = []
    if not config.outcomes:
        issues.append(_issue(None, (), "no_outcome", "outcomes must give conversions and/or revenue "
                             "(e.g. outcomes: {revenue: sales})"))
    if not config.channels:
        issues.append(_issue(None, (), "no_channels", "channels is empty; give at least one paid channel "
                             "(e.g. channels: {tv: {spend: tv_cost}})"))
    if raw.frame.shape[1] == 0 or len(raw.frame) == 0:
        issues.append(_issue(None, (), "no_rows", f"{raw.source} has no data rows"))
        return MmmResult(None, tuple(issues))
    found, missing = _resolve(config, raw)
    issues += missing
    if issues:
        return MmmResult(None, tuple(issues))
    df = raw.frame
    dates, date_issues = _dates(config.date, df[found[config.date]])
    issues += date_issues
    out: dict[str, pd.Series] = {"date": dates}
    if config.geo:
        geo = clean_text(df[found[config.geo]])
        if geo.isna().any():
            issues.append(_issue(config.geo, _rows(geo.isna()), "missing_value",
                                 f"geo: {int(geo.isna().sum())} empty value(s)"))
        out["geo"] = geo
    events: list[str] = []
    seen: dict[tuple[str, str], bool] = {}
    for use in _uses(config):
        s = df[found[use.column]]
        if use.kind == "event" and _numbers(s, raw.decimal_comma)[1].any():
            levels = _event_levels(use, s)
            out.update(levels)
            events += list(levels)
            continue
        values, found_issues = _check_number(use, s, raw.decimal_comma)
        for i in found_issues:  # a column used twice (e.g. as spend and exposure) is reported once per rule
            if not seen.setdefault((i.rule, use.column), False):
                seen[(i.rule, use.column)] = True
                issues.append(i)
        out[use.canonical] = values
        if use.kind == "event":
            events.append(use.canonical)
    frame = pd.DataFrame(out, index=df.index)
    key = ["geo", "date"] if config.geo else ["date"]
    complete = frame[key].notna().all(axis=1)
    dup = complete & frame.duplicated(subset=key, keep=False)
    if dup.any():
        first = frame.loc[dup, key].iloc[0]
        eg = ", ".join(str(v.date()) if isinstance(v, pd.Timestamp) else str(v) for v in first[::-1])
        names = ", ".join(
            [config.date] + ([config.geo] if config.geo else []))
        issues.append(_issue(",".join([config.date] + ([config.geo] if config.geo else [])), _rows(dup),
                             "duplicate_key", f"({names}) must be unique: one row per period"
                             f"{' and geo' if config.geo else ''}; {int(dup.sum())} rows share a key (e.g. ({eg}))"))
    if issues:
        return MmmResult(None, tuple(sorted(issues, key=lambda i: (1 if i.rows else 0, i.rows[:1]))))
    freq, grain_issues, warnings = _grain(frame, config)
    if grain_issues:
        return MmmResult(None, tuple(grain_issues), tuple(warnings))
    frame = frame.sort_values(key, kind="mergesort").reset_index(drop=True)
    uses = _uses(config)
    table = MmmTable(
        frame=frame,
        channels=tuple(config.channels),
        outcomes=tuple(k for k in OUTCOMES if k in config.outcomes),
        controls=tuple(u.canonical for u in uses if u.key == "controls"),
        organic=tuple(u.canonical for u in uses if u.key == "organic"),
        events=tuple(events),
        geo=config.geo is not None,
        freq=freq,
        holidays=config.holidays,
        seasonality=config.seasonality,
    )
    return MmmResult(table, (), tuple(warnings))


def _grain(frame: pd.DataFrame, config: MmmConfig) -> tuple[str, list[ValidationIssue], list[ValidationIssue]]:
    """The table's grain ("D"/"W"), grain errors and gap warnings, per geo."""
    col = config.date
    groups = frame.groupby("geo", sort=True) if config.geo else [(None, frame)]
    freqs: dict[str, list[str]] = {}
    errors: list[ValidationIssue] = []
    warnings: list[ValidationIssue] = []
    for geo, part in groups:
        ordered = part.sort_values("date", kind="mergesort")
        g = detect(ordered["date"])
        where = f" in geo {geo!r}" if geo is not None else ""
        rows = ordered.index.to_numpy()
        if g.freq is None:
            what = "a single period" if g.step_days == 0 else f"a typical step of {g.step_days} days"
            errors.append(_issue(col, (), "unsupported_grain", (
                f"periods must be daily or weekly; found {what}{where} (monthly or irregular periods cannot be "
                "modelled: give one row per day or per week)")))
            continue
        if g.off_steps:
            bad = rows[list(g.off_steps)]
            errors.append(_issue(col, bad, "mixed_grain", (
                f"periods mix grains{where}: steps between dates must all be 1 day or all 7 days "
                f"(mostly {g.step_days} day{'s' if g.step_days > 1 else ''}); {len(bad)} date(s) break that (e.g. "
                f"{ordered['date'].iloc[g.off_steps[0]].date()})")))
            continue
        freqs.setdefault(g.freq, []).append(str(geo))
        if g.gaps:
            unit = 7 if g.freq == "W" else 1
            steps = ordered["date"].diff().dt.days.iloc[list(g.gaps)]
            lost = int((steps // unit - 1).sum())
            word = "week" if g.freq == "W" else "day"
            warnings.append(_issue(col, rows[list(g.gaps)], "gap", (
                f"{len(g.gaps)} gap(s) in {'weekly' if g.freq == 'W' else 'daily'} periods{where} "
                f"({lost} missing {word}(s), e.g. before {ordered['date'].iloc[g.gaps[0]].date()})")))
    if len(freqs) > 1 and not errors:
        detail = "; ".join(f"{'weekly' if f == 'W' else 'daily'}: {', '.join(gs[:5])}" for f, gs in freqs.items())
        errors.append(_issue(col, (), "mixed_grain", f"geos differ in grain ({detail}); give one grain for all"))
    freq = next(iter(freqs), "W")
    return freq, errors, warnings
