"""The result of :func:`advisor.kpis.compute_kpis`: a frozen KPI table with null reasons and JSON records."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
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


def _column_values(series: pd.Series) -> list[Any]:
    """A column as plain Python values with None for NaN/NaT/inf (vectorised)."""
    if pd.api.types.is_float_dtype(series):
        arr = series.to_numpy(dtype=np.float64)
        out = arr.astype(object)
        out[~np.isfinite(arr)] = None
        return out.tolist()
    if pd.api.types.is_integer_dtype(series) or pd.api.types.is_bool_dtype(series):
        return series.tolist()
    if pd.api.types.is_datetime64_any_dtype(series):
        return [jsonable(v) for v in series.tolist()]
    out = series.to_numpy(dtype=object, copy=True)
    out[np.asarray(pd.isna(out), dtype=bool)] = None
    return [v.item() if isinstance(v, np.generic) else v for v in out.tolist()]


def _float_block(frame: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """``frame[cols]`` (KPI and change columns: float by construction) as an ``(len(frame), len(cols))`` object
    array of Python floats with None for NaN/inf."""
    arr = frame[cols].to_numpy(dtype=np.float64) if cols else np.empty((len(frame), 0))
    out = arr.astype(object)
    out[~np.isfinite(arr)] = None
    return out


@dataclass(frozen=True)
class KpiTable:
    """KPIs per group and period.

    ``frame``: the ``by`` columns, ``period`` (label, see :mod:`advisor.core.periods`), then one float column
    per KPI id in ``kpis`` (NaN = null); with ``compare`` also ``<kpi>_change`` (absolute, KPI units) and
    ``<kpi>_change_rel`` (fraction of the previous value). ``null_codes``: {column: int32 array aligned with
    ``frame``, 0 where the value exists, else an index into ``reason_texts``}. :attr:`reasons` gives the same
    as a tidy frame (``row``, ``kpi``, ``reason``), :meth:`reason` one cell's reason. Treat the frames as
    read-only; :meth:`to_frame` returns a copy.
    """

    frame: pd.DataFrame
    by: tuple[str, ...]
    grain: str | None
    kpis: tuple[str, ...]
    compare: bool = False
    catalog: KpiCatalog | None = field(default=None, repr=False)
    null_codes: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False)
    reason_texts: tuple[str, ...] = field(default=("",), repr=False)

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def __len__(self) -> int:
        return len(self.frame)

    @cached_property
    def reasons(self) -> pd.DataFrame:
        """Tidy frame of null cells: ``row`` (position in ``frame``), ``kpi`` (column name), ``reason``."""
        texts = np.array(self.reason_texts, dtype=object)
        parts = []
        for col, codes in self.null_codes.items():
            rows = np.flatnonzero(codes)
            if len(rows):
                parts.append(pd.DataFrame({"row": rows, "kpi": col, "reason": texts[codes[rows]]}))
        if not parts:
            return pd.DataFrame({"row": pd.Series([], dtype=np.int64), "kpi": [], "reason": []})
        return pd.concat(parts, ignore_index=True).sort_values(["row", "kpi"], kind="stable", ignore_index=True)

    def reason(self, row: int, kpi: str) -> str | None:
        """Why column ``kpi`` is null in ``row`` (None when it has a value)."""
        codes = self.null_codes.get(kpi)
        if codes is None:
            if kpi not in self.frame.columns:
                raise KeyError(f"{kpi!r} is not a column of this KPI table")
            return None
        code = int(codes[row])
        return self.reason_texts[code] if code else None

    def reasons_dict(self) -> dict[tuple[int, str], str]:
        """{(row, kpi column): reason} for every null cell."""
        return {(int(r), str(k)): str(t) for r, k, t in self.reasons.itertuples(index=False)}

    def find(self, period: str | None = None, **keys: Any) -> int:
        """Row position whose group columns equal ``keys`` (and ``period``, when given); KeyError if none/many."""
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
        """SPEC §5 ``kpis`` JSON: one dict per row — group columns, ``period``, one key per KPI id (``None``
        for null). With ``compare``: ``"change": {kpi: {"absolute", "relative"}}``. With ``reasons=True``:
        ``"reasons": {kpi: reason}`` for the null KPIs of the row."""
        cols = [*self.by, "period", *self.kpis]
        keys = [*self.by, "period"]
        values = [_column_values(self.frame[c]) for c in keys]
        kpi_values = _float_block(self.frame, list(self.kpis)).tolist()
        records = [
            dict(zip(cols, (*row, *kpi_row), strict=True))
            for row, kpi_row in zip(zip(*values, strict=True), kpi_values, strict=True)
        ]
        if self.compare:
            absolute = _float_block(self.frame, [f"{k}_change" for k in self.kpis]).T.tolist()
            relative = _float_block(self.frame, [f"{k}_change_rel" for k in self.kpis]).T.tolist()
            for i, rec in enumerate(records):
                rec["change"] = {
                    k: {"absolute": absolute[j][i], "relative": relative[j][i]} for j, k in enumerate(self.kpis)
                }
        if reasons:
            for rec in records:
                rec["reasons"] = {}
            for k in self.kpis:
                codes = self.null_codes.get(k)
                if codes is None:
                    continue
                for i in np.flatnonzero(codes).tolist():
                    records[i]["reasons"][k] = self.reason_texts[int(codes[i])]
        return records
