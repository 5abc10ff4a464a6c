"""Lift tests (incrementality experiments) as calibration evidence for the media fit.

A :class:`LiftTest` says: channel ``c`` caused ``incremental`` units of the KPI over the inclusive dates
``start``..``end``, measured with standard error ``std_error``. :func:`map_lift_tests` places the tests on a
history index; the media fits (:func:`models.response.media.fit_media`,
:func:`models.response.media.fit_media_reported`) then add one residual per test,
``(Σ_{t∈window} β_c·h_{t,c} − incremental) / std_error``, to the objective and to the coefficient solve.

Periods and windows: a period belongs to a test's window when its index date (the label of the day or
week) lies in ``start``..``end``. A window reaching outside the history uses the periods it overlaps and its
measured value as is (with a warning); a window overlapping no period is ignored (with a warning).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray


@dataclass(frozen=True)
class LiftTest:
    """One incrementality experiment: ``incremental`` KPI units caused by ``channel`` over ``start``..``end``
    (inclusive dates; the KPI is chosen by the caller), with standard error ``std_error`` (> 0, same units)."""

    channel: str
    start: pd.Timestamp
    end: pd.Timestamp
    incremental: float
    std_error: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "channel", str(self.channel))
        object.__setattr__(self, "start", pd.Timestamp(self.start).normalize())
        object.__setattr__(self, "end", pd.Timestamp(self.end).normalize())
        object.__setattr__(self, "incremental", float(self.incremental))
        object.__setattr__(self, "std_error", float(self.std_error))
        if self.end < self.start:
            raise ValueError(
                f"lift test of {self.channel!r}: end {self.end.date()} is before start {self.start.date()}"
            )
        if not np.isfinite(self.incremental):
            raise ValueError(f"lift test of {self.channel!r}: incremental must be a finite number")
        if not (np.isfinite(self.std_error) and self.std_error > 0):
            raise ValueError(
                f"lift test of {self.channel!r}: std_error must be a finite number > 0, got {self.std_error}"
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "start": str(self.start.date()),
            "end": str(self.end.date()),
            "incremental": self.incremental,
            "std_error": self.std_error,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LiftTest:
        return cls(d["channel"], d["start"], d["end"], d["incremental"], d["std_error"])


def lift_tests_from_frame(frame: pd.DataFrame | None, kpi: str) -> list[LiftTest]:
    """The tests of ``kpi`` in a ``lift_tests`` contract table (columns ``channel``, ``start``, ``end``,
    ``kpi``, ``incremental``, ``std_error``; SPEC §2), in table order; ``[]`` for None or no rows."""
    if frame is None or not len(frame):
        return []
    rows = frame[frame["kpi"].astype(str) == kpi]
    return [
        LiftTest(r.channel, r.start, r.end, r.incremental, r.std_error)
        for r in rows[["channel", "start", "end", "incremental", "std_error"]].itertuples(index=False)
    ]


@dataclass(frozen=True)
class LiftRows:
    """Lift tests placed on a history of ``T`` periods and ``C`` channel columns.

    ``tests``: the ``L`` tests used; ``mask``: ``(L, T)`` bool, periods in each window; ``column``: ``(L,)``
    channel column of each test; ``measured``/``std_error``: ``(L,)`` in KPI units."""

    tests: tuple[LiftTest, ...]
    mask: NDArray[np.bool_]
    column: NDArray[np.int64]
    measured: NDArray[np.float64]
    std_error: NDArray[np.float64]

    def design(self, h: NDArray[np.float64]) -> NDArray[np.float64]:
        """``(L, C)``: row ``i`` holds, in its channel's column, the sum over the window of ``h[:, c]``
        (``h``: ``(T, C)`` channel features), zeros elsewhere; so ``design(h) @ β`` is each test's fitted
        incremental."""
        out = np.zeros((len(self.tests), h.shape[1]))
        sums = self.mask.astype(float) @ h  # (L, C)
        rows = np.arange(len(self.tests))
        out[rows, self.column] = sums[rows, self.column]
        return out

    def scaled(self, factor: float) -> LiftRows:
        """The same rows with ``measured`` and ``std_error`` divided by ``factor`` (unit change)."""
        return LiftRows(self.tests, self.mask, self.column, self.measured / factor, self.std_error / factor)


def map_lift_tests(
    tests: Sequence[LiftTest], index: pd.DatetimeIndex, channels: Sequence[str], label: str = ""
) -> tuple[LiftRows | None, list[str]]:
    """Place ``tests`` on ``index`` (daily or weekly dates) for the channel columns ``channels``.

    Returns the rows (None when no test is usable) and warnings (prefixed by ``label``): a test of a channel
    not in ``channels`` (unknown or refused) or overlapping no period is ignored; a test reaching outside the
    history uses the periods it overlaps and its measured value as is."""
    pre = f"{label}: " if label else ""
    warn: list[str] = []
    if not tests:
        return None, warn
    idx = pd.DatetimeIndex(index).normalize()
    step = idx[1] - idx[0] if len(idx) > 1 else pd.Timedelta(days=1)
    first, last = idx[0], idx[-1] + step - pd.Timedelta(days=1)
    col = {ch: j for j, ch in enumerate(channels)}
    kept, masks, cols = [], [], []
    for t in tests:
        what = f"lift test of {t.channel!r} ({t.start.date()}..{t.end.date()})"
        if t.channel not in col:
            warn.append(f"{pre}{what} ignored: the channel is not in the fitted model")
            continue
        mask = np.asarray((idx >= t.start) & (idx <= t.end))
        if not mask.any():
            warn.append(f"{pre}{what} ignored: its window lies outside the history ({first.date()}..{last.date()})")
            continue
        if t.start < first or t.end > last:
            warn.append(
                f"{pre}{what} reaches outside the history ({first.date()}..{last.date()}); "
                f"its {int(mask.sum())} overlapping period(s) are compared with the full measured value"
            )
        kept.append(t)
        masks.append(mask)
        cols.append(col[t.channel])
    if not kept:
        return None, warn
    return (
        LiftRows(
            tests=tuple(kept),
            mask=np.vstack(masks),
            column=np.asarray(cols, dtype=np.int64),
            measured=np.array([t.incremental for t in kept]),
            std_error=np.array([t.std_error for t in kept]),
        ),
        warn,
    )
