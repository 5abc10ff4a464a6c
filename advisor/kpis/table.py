"""The result of :func:`advisor.kpis.compute_kpis`: a frozen KPI table with null reasons and JSON records."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from advisor.kpis.catalog import KpiCatalog


def jsonable(value: Any) -> Any:
    """A plain-Python value for JSON: numpy scalars unwrapped, NaN/NaT/None → None, timestamps → ISO."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if not math.isfinite(value) else value
    if isinstance(value, pd.Timestamp | np.datetime64):
        return None if pd.isna(value) else pd.Timestamp(value).isoformat()
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


@dataclass(frozen=True)
class KpiTable:
    """KPIs per group and period.

    ``frame``: the ``by`` columns, ``period`` (label, see :mod:`advisor.kpis.periods`), then one float
    column per
    KPI id in ``kpis`` (NaN = null); with ``compare`` also ``<kpi>_change`` and ``<kpi>_change_rel``.
    ``reasons``: tidy frame ``row`` (position in ``frame``), ``kpi`` (column name), ``reason`` — one row
    per null.
    Treat both frames as read-only; :meth:`to_frame` returns a copy.
    """

    frame: pd.DataFrame
    reasons: pd.DataFrame
    by: tuple[str, ...]
    grain: str | None
    kpis: tuple[str, ...]
    compare: bool = False
    catalog: KpiCatalog | None = None

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def __len__(self) -> int:
        return len(self.frame)

    def reason(self, row: int, kpi: str) -> str | None:
        """Why ``kpi`` is null in ``row`` (None when it has a value)."""
        hit = self.reasons[(self.reasons["row"] == row) & (self.reasons["kpi"] == kpi)]
        return None if hit.empty else str(hit["reason"].iloc[0])

    def reasons_dict(self) -> dict[tuple[int, str], str]:
        """{(row, kpi column): reason} for every null cell."""
        return {(int(r), str(k)): str(t) for r, k, t in self.reasons.itertuples(index=False)}

    def find(self, period: str | None = None, **keys: Any) -> int:
        """Row position whose group columns equal ``keys`` (and ``period``, when given); KeyError if
        none/many."""
        mask = np.ones(len(self.frame), dtype=bool)
        for col, val in keys.items():
            if col not in self.by:
                raise KeyError(f"{col!r} is not a group column of this table (groups: {list(self.by)})")
            mask &= (self.frame[col] == val).to_numpy() | (self.frame[col].astype(str) == str(val)).to_numpy()
        if period is not None:
            mask &= (self.frame["period"] == period).to_numpy()
        hits = np.flatnonzero(mask)
        if len(hits) != 1:
            raise KeyError(f"{len(hits)} rows match {keys} period={period!r}")
        return int(hits[0])

    def value(self, kpi: str, period: str | None = None, **keys: Any) -> float | None:
        """The KPI value of the row matching ``keys``/``period`` (None when null)."""
        out: float | None = jsonable(self.frame[kpi].iloc[self.find(period, **keys)])
        return out

    def to_records(self, *, reasons: bool = False) -> list[dict[str, Any]]:
        """SPEC §5 ``kpis`` JSON: one dict per row — group columns, ``period``, one key per KPI id
        (``None`` for
        null). With ``compare``: ``"change": {kpi: {"absolute", "relative"}}``. With ``reasons=True``:
        ``"reasons": {kpi: reason}`` for the null KPIs of the row."""
        by_row: dict[int, dict[str, str]] = {}
        if reasons:
            for r, k, t in self.reasons.itertuples(index=False):
                if k in self.kpis:
                    by_row.setdefault(int(r), {})[str(k)] = str(t)
        records: list[dict[str, Any]] = []
        cols = [*self.by, "period", *self.kpis]
        for i, row in enumerate(self.frame[cols].itertuples(index=False, name=None)):
            rec = {c: jsonable(v) for c, v in zip(cols, row, strict=True)}
            if self.compare:
                rec["change"] = {
                    k: {
                        "absolute": jsonable(self.frame[f"{k}_change"].iat[i]),
                        "relative": jsonable(self.frame[f"{k}_change_rel"].iat[i]),
                    }
                    for k in self.kpis
                }
            if reasons:
                rec["reasons"] = by_row.get(i, {})
            records.append(rec)
        return records
