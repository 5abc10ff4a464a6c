"""Checks across tables, run once every table has passed its own rules. They give warnings, never errors: each
table is valid on its own, but the tables disagree in a way that silently drops rows from an analysis.

| rule | when |
|---|---|
| ``unknown_campaign`` | orders / surveys name a ``campaign_id`` that ``campaign_daily`` does not have |
| ``unknown_channel`` | orders / surveys name a ``channel`` that ``campaign_daily`` does not have |
| ``campaign_channel_mismatch`` | an order's ``channel`` differs from the channel of its ``campaign_id`` |
| ``no_date_overlap`` | ``outcomes_daily`` shares no date with ``campaign_daily`` |
| ``outcomes_gaps`` | dates inside ``campaign_daily``'s range missing from ``outcomes_daily`` |
| ``unknown_scope`` | a target's scope names a column or value absent from ``campaign_daily`` |

``lift_test_issues`` checks the ``lift_tests`` table against the data and gives **errors** too:

| rule | level | when |
|---|---|---|
| ``unknown_channel`` | error | a test names a channel that neither the campaign rows nor the mmm table have |
| ``window_outside_history`` | warning | a test window is not inside the history (first date .. last period's end) |

Row numbers are not given (the tables are sorted by then); the message names the values and how many rows have them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from advisor.core.names import closest_names
from advisor.data.grain import table_step
from advisor.data.issues import ValidationIssue
from advisor.data.mmm import MmmTable
from advisor.data.targets import TargetsFile

_SHOWN = 5


def cross_table_warnings(
    frames: Mapping[str, pd.DataFrame], targets: TargetsFile | None = None
) -> list[ValidationIssue]:
    """Warnings for the tables in ``frames`` (contract names → validated frames) and the targets file."""
    main = frames.get("campaign_daily")
    if main is None or main.empty:
        return []
    out: list[ValidationIssue] = []
    campaigns = set(main["campaign_id"].astype(str))
    channels = set(main["channel"].astype(str))
    for table in ("orders", "surveys"):
        df = frames.get(table)
        if df is None:
            continue
        for column, known in (("campaign_id", campaigns), ("channel", channels)):
            if column in df.columns:
                out += _unknown_values(table, column, df[column], known)
    orders = frames.get("orders")
    if orders is not None and {"campaign_id", "channel"} <= set(orders.columns):
        out += _channel_mismatch(orders, main)
    outcomes = frames.get("outcomes_daily")
    if outcomes is not None and not outcomes.empty:
        out += _outcome_dates(outcomes, main)
    if targets is not None:
        out += _target_scopes(targets, main)
    return out


def _unknown_values(table: str, column: str, values: pd.Series, known: set[str]) -> list[ValidationIssue]:
    given = values.dropna().astype(str)
    unknown = given[~given.isin(known)]
    if unknown.empty:
        return []
    counts = unknown.value_counts()
    names = [str(v) for v in counts.index[:_SHOWN]]
    more = f" and {len(counts) - _SHOWN} more" if len(counts) > _SHOWN else ""
    hints = [f"{v!r} → {close[0]!r}?" for v in names if (close := _closest(v, known))]
    hint = f" (did you mean: {'; '.join(hints)})" if hints else ""
    what = "campaign" if column == "campaign_id" else "channel"
    return [ValidationIssue(
        table, column, (), f"unknown_{what}",
        f"{table}.{column}: {len(unknown)} row(s) name {len(counts)} {what}(s) that campaign_daily does not have: "
        f"{', '.join(map(repr, names))}{more}{hint}; those rows are left out of per-{what} results "
        f"(rule unknown_{what})",
    )]


def _closest(value: str, known: set[str]) -> list[str]:
    """The one known name ``value`` most likely means (:mod:`models.names` policy), or ``[]``."""
    return closest_names(value, known, n=1)


def _channel_mismatch(orders: pd.DataFrame, main: pd.DataFrame) -> list[ValidationIssue]:
    first = main.drop_duplicates("campaign_id")
    of_campaign = pd.Series(first["channel"].astype(str).to_numpy(), index=first["campaign_id"].astype(str))
    both = orders.dropna(subset=["campaign_id", "channel"])
    expected = both["campaign_id"].astype(str).map(of_campaign)
    bad = both[expected.notna() & (expected != both["channel"].astype(str))]
    if bad.empty:
        return []
    pairs = (bad["campaign_id"].astype(str) + " is " + expected[bad.index].astype(str) + ", not "
             + bad["channel"].astype(str)).drop_duplicates().head(_SHOWN)
    return [ValidationIssue(
        "orders", "campaign_id,channel", (), "campaign_channel_mismatch",
        f"orders: {len(bad)} row(s) give a channel that differs from their campaign's channel in campaign_daily "
        f"({'; '.join(pairs)}); campaign_daily's channel is used (rule campaign_channel_mismatch)",
    )]


def _outcome_dates(outcomes: pd.DataFrame, main: pd.DataFrame) -> list[ValidationIssue]:
    first, last = main["date"].min(), main["date"].max()
    have = pd.DatetimeIndex(outcomes["date"].unique())
    if not have.isin(pd.DatetimeIndex(main["date"].unique())).any():
        return [ValidationIssue(
            "outcomes_daily", "date", (), "no_date_overlap",
            f"outcomes_daily covers {have.min().date()} to {have.max().date()} but campaign_daily covers "
            f"{first.date()} to {last.date()}: no date in common, so incremental attribution cannot use the totals "
            "(rule no_date_overlap)",
        )]
    missing = pd.date_range(first, last, freq=_step(main["date"])).difference(have)
    if missing.empty:
        return []
    shown = ", ".join(str(d.date()) for d in missing[:_SHOWN])
    more = f" and {len(missing) - _SHOWN} more" if len(missing) > _SHOWN else ""
    return [ValidationIssue(
        "outcomes_daily", "date", (), "outcomes_gaps",
        f"outcomes_daily lacks {len(missing)} date(s) inside campaign_daily's range {first.date()}..{last.date()}: "
        f"{shown}{more}; the models fit only dates present in both (rule outcomes_gaps)",
    )]


def _step(dates: pd.Series) -> str:
    """``"W"``-like step when campaign_daily is weekly, else ``"D"``."""
    diffs = pd.Series(pd.DatetimeIndex(dates.unique()).sort_values()).diff().dropna()
    if not diffs.empty and diffs.min() >= pd.Timedelta(days=7):
        return f"{int(diffs.min().days)}D"
    return "D"


def _target_scopes(targets: TargetsFile, main: pd.DataFrame) -> list[ValidationIssue]:
    out = []
    for i, spec in enumerate(targets.targets, start=1):
        for column, value in spec.scope.items():
            where = f"targets[{i}] ({spec.kpi})"
            if column not in main.columns:
                out.append(ValidationIssue(
                    "targets", column, (), "unknown_scope",
                    f"{where}: scope column {column!r} is not a campaign_daily column; the target applies to nothing "
                    f"(columns: {', '.join(_scope_columns(main))}) (rule unknown_scope)",
                ))
            elif str(value) not in set(main[column].astype(str)):
                close = _closest(str(value), set(main[column].astype(str)))
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                out.append(ValidationIssue(
                    "targets", column, (), "unknown_scope",
                    f"{where}: scope {column}={value!r} matches no campaign_daily row{hint}; the target applies to "
                    "nothing (rule unknown_scope)",
                ))
    return out


def _scope_columns(main: pd.DataFrame) -> Sequence[str]:
    return [c for c in main.columns if main[c].dtype == object or c in ("campaign_id", "channel")]


def lift_test_issues(
    lift: pd.DataFrame, campaign_daily: pd.DataFrame | None, mmm: MmmTable | None
) -> tuple[list[ValidationIssue], list[ValidationIssue]]:
    """(errors, warnings) of a validated ``lift_tests`` frame against the channels and dates of the data."""
    known: set[str] = set()
    spans: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    if campaign_daily is not None and not campaign_daily.empty:
        known |= set(campaign_daily["channel"].astype(str))
        step = table_step(campaign_daily, "date", "campaign_id") - pd.Timedelta(days=1)
        spans.append((campaign_daily["date"].min(), campaign_daily["date"].max() + step))
    if mmm is not None:
        known |= set(mmm.channels)
        step = pd.Timedelta(days=6 if mmm.freq == "W" else 0)
        spans.append((mmm.frame["date"].min(), mmm.frame["date"].max() + step))
    errors: list[ValidationIssue] = []
    channels = lift["channel"].astype(str)
    unknown = sorted(set(channels) - known)
    if unknown:
        hints = [f"{v!r} → {close[0]!r}?" for v in unknown[:_SHOWN] if (close := _closest(v, known))]
        hint = f" (did you mean: {'; '.join(hints)})" if hints else ""
        n = int(channels.isin(unknown).sum())
        errors.append(ValidationIssue(
            "lift_tests", "channel", (), "unknown_channel",
            f"lift_tests.channel: {n} test(s) name channel(s) the data does not have: "
            f"{', '.join(map(repr, unknown[:_SHOWN]))}{hint}; known channels: {', '.join(sorted(known)) or 'none'} "
            "(rule unknown_channel)",
        ))
    warnings: list[ValidationIssue] = []
    if spans:
        first, last = min(s[0] for s in spans), max(s[1] for s in spans)
        outside = lift[(lift["start"] < first) | (lift["end"] > last)]
        if not outside.empty:
            shown = "; ".join(
                f"{r.channel} {r.start.date()}..{r.end.date()}" for r in outside.head(_SHOWN).itertuples()
            )
            warnings.append(ValidationIssue(
                "lift_tests", "start,end", (), "window_outside_history",
                f"lift_tests: {len(outside)} test window(s) are not inside the history {first.date()}..{last.date()} "
                f"({shown}); only the part inside is compared with the fit (rule window_outside_history)",
            ))
    return errors, warnings
