"""The media-mix layout (SPEC §2): the ``mmm:`` section of ``kpi-advisor.yaml`` and the validated ``MmmTable``.

```yaml
mmm:
  file: mmm.csv                 # relative to the data folder (CSV / Parquet); or
  # url: postgresql+psycopg://...   table: weekly_mmm   (or query: "select ...")
  date: week_start              # period start (daily or weekly; detected)
  geo: dma                      # optional
  outcomes: {conversions: orders, revenue: sales}   # at least one of the two
  channels:
    search: {spend: search_cost, impressions: search_impr}   # exposure optional (impressions | exposure)
    tv: {spend: tv_spend, exposure: tv_grp}
  controls: [price_index, competitor_sales]
  organic: [newsletter_sends]
  events: [promo_days]          # numbers, or text levels expanded to 0/1 columns
  holidays: DE                  # ISO country code (default: none)
  seasonality: auto             # or smooth: two yearly harmonics (auto: the shape read from the outcome first)
```

Columns are matched case-insensitively after trimming (then, if still unmatched, ignoring spaces, ``_`` and ``-``
like other tables). The table is read by the same readers, under the same ``DataLimits``, and checked by
``advisor.data.mmm_check`` (rules listed there).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: Canonical outcome names, in the order ``MmmTable.outcomes`` lists them.
OUTCOMES = ("conversions", "revenue")
#: Text event levels that mean "no event" (compared lower-case after trimming); no 0/1 column is made for them.
NO_EVENT_LEVELS = ("na", "", "none", "0", "nan", "null")


def _text(value: Any) -> Any:
    """YAML scalars that should be names: numbers and 1.1 booleans back to text (``on``/``yes`` read as True)."""
    if isinstance(value, bool):
        raise ValueError(f"a name read by YAML as {value} (on/off/yes/no/true/false): put it in quotes")
    if isinstance(value, int | float):
        return str(value)
    return value


class MmmChannel(BaseModel):
    """One paid channel: its spend column and optionally one exposure column (impressions, GRPs, clicks)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    spend: str = Field(description="spend column (currency units)")
    impressions: str | None = Field(default=None, description="exposure column (impressions)")
    exposure: str | None = Field(default=None, description="exposure column (GRPs, clicks ...)")

    @field_validator("spend", "impressions", "exposure", mode="before")
    @classmethod
    def _names(cls, v: Any) -> Any:
        return _text(v)

    @model_validator(mode="after")
    def _one_exposure(self) -> MmmChannel:
        if self.impressions is not None and self.exposure is not None:
            raise ValueError("give at most one of 'impressions' or 'exposure'")
        return self

    @property
    def exposure_column(self) -> str | None:
        """The configured exposure column (``impressions`` or ``exposure``), or None."""
        return self.impressions if self.impressions is not None else self.exposure


class MmmConfig(BaseModel):
    """The ``mmm:`` section. ``outcomes`` and ``channels`` may parse empty: ``mmm_check`` reports that as a data
    error (rules ``no_outcome`` / ``no_channels``) like any other table problem."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    file: str | None = Field(default=None, description="CSV/Parquet path relative to the data folder")
    url: str | None = Field(default=None, description="SQLAlchemy URL; ${VAR}s are expanded")
    table: str | None = Field(default=None, description="SQL table name (optionally schema.table)")
    query: str | None = Field(default=None, description="SQL query returning the table")
    date: str = Field(description="period-start column (ISO dates)")
    geo: str | None = Field(default=None, description="geo column (text), optional")
    outcomes: dict[str, str] = Field(default_factory=dict, description="conversions/revenue -> column")
    channels: dict[str, MmmChannel] = Field(default_factory=dict, description="channel name -> its columns")
    controls: tuple[str, ...] = Field(default=(), description="non-media drivers of demand")
    organic: tuple[str, ...] = Field(default=(), description="unpaid media (counts)")
    events: tuple[str, ...] = Field(default=(), description="promotions / events: numbers or text levels")
    holidays: str | None = Field(default=None, description="ISO country code for public holidays")
    seasonality: Literal["smooth", "auto"] = Field(
        default="auto",
        description="yearly shape of the baseline: auto (as many harmonics as the outcome's own seasonal shape "
        "needs, chosen before media, so a sharp demand peak such as a retailer's Q4 is not read as media) or "
        "smooth (two harmonics)",
    )

    @field_validator("date", "geo", "file", "table", "holidays", mode="before")
    @classmethod
    def _names(cls, v: Any) -> Any:
        return _text(v)

    @field_validator("controls", "organic", "events", mode="before")
    @classmethod
    def _name_lists(cls, v: Any) -> Any:
        if isinstance(v, str):
            return (v,)
        if isinstance(v, list | tuple):
            if any(isinstance(x, list | tuple | dict) for x in v):
                raise ValueError("must be a list of column names, not of lists or mappings")
            return tuple(dict.fromkeys(_text(x) for x in v))
        return v

    @field_validator("outcomes", mode="before")
    @classmethod
    def _outcome_names(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {str(_text(k)): _text(col) for k, col in v.items() if col is not None}
        return v

    @field_validator("outcomes")
    @classmethod
    def _known_outcomes(cls, v: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(v) - set(OUTCOMES))
        if unknown:
            raise ValueError(f"unknown outcome(s) {unknown}; expected conversions and/or revenue")
        return v

    @field_validator("channels", mode="before")
    @classmethod
    def _channel_names(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {str(_text(k)).strip(): ch for k, ch in v.items()}
        return v

    @field_validator("holidays")
    @classmethod
    def _country(cls, v: str | None) -> str | None:
        if v is None or v.strip().lower() in ("", "none"):
            return None
        code = v.strip().upper()
        if not (len(code) == 2 and code.isalpha()):
            raise ValueError(f"holidays must be an ISO 3166 two-letter country code (e.g. DE, US), got {v!r}")
        return code

    @model_validator(mode="after")
    def _one_source(self) -> MmmConfig:
        if (self.file is None) == (self.url is None):
            raise ValueError("give exactly one of 'file' or 'url'")
        if self.url is not None and (self.table is None) == (self.query is None):
            raise ValueError("a SQL source needs exactly one of 'table' or 'query'")
        if self.file is not None and (self.table or self.query):
            raise ValueError("'table'/'query' only apply to a 'url' source")
        return self

    def resolved_url(self) -> str | None:
        """The URL with environment variables expanded (secrets stay out of the file)."""
        return os.path.expandvars(self.url) if self.url else None


def spend_name(channel: str) -> str:
    """Canonical spend column of ``channel``: ``spend__<channel>``."""
    return f"spend__{channel}"


def exposure_name(channel: str) -> str:
    """Canonical exposure column of ``channel``: ``exposure__<channel>``."""
    return f"exposure__{channel}"


@dataclass(frozen=True, eq=False)
class MmmTable:
    """A validated media-mix table (SPEC §2 media-mix layout).

    frame: sorted by (geo, date), index 0..n-1; columns ``date`` (datetime64[ns], period start), ``geo`` (str,
    only when configured), ``conversions`` and/or ``revenue`` (float64, those configured), ``spend__<channel>``
    per channel (float64 ≥ 0, currency units), ``exposure__<channel>`` where configured (float64 ≥ 0),
    ``control__<col>``, ``organic__<col>``, ``event__<col>`` (float64; a text event column becomes one 0/1 column
    per level, ``event__<col>=<level>``; levels meaning "none" are dropped, see ``NO_EVENT_LEVELS``). ``<col>`` is
    the column name as written in the config.
    channels: channel names in config order; outcomes: subset of ("conversions", "revenue") in that order;
    controls / organic / events: canonical column names; geo: whether ``frame`` has a ``geo`` column;
    freq: "D" (daily) or "W" (weekly), detected; holidays: ISO country code or None; seasonality: ``"smooth"`` or
    ``"auto"`` (:class:`MmmConfig`).
    """

    frame: pd.DataFrame
    channels: tuple[str, ...]
    outcomes: tuple[str, ...]
    controls: tuple[str, ...] = ()
    organic: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    geo: bool = False
    freq: str = "W"
    holidays: str | None = None
    seasonality: Literal["smooth", "auto"] = "auto"

    def spend_column(self, channel: str) -> str:
        """``spend__<channel>``; ``KeyError`` for an unknown channel."""
        self._known(channel)
        return spend_name(channel)

    def exposure_column(self, channel: str) -> str | None:
        """``exposure__<channel>`` when the channel has an exposure column, else None."""
        self._known(channel)
        name = exposure_name(channel)
        return name if name in self.frame.columns else None

    @property
    def geos(self) -> tuple[str, ...]:
        """Geo names in sorted order (empty when national)."""
        return tuple(sorted(self.frame["geo"].unique())) if self.geo else ()

    @property
    def periods(self) -> int:
        """Number of distinct period starts."""
        return int(self.frame["date"].nunique())

    def national(self) -> pd.DataFrame:
        """One row per date (DatetimeIndex named ``date``, sorted): outcomes, spend, exposure and organic summed
        over geos, controls averaged, events their maximum. Without geos: the frame indexed by date."""
        cols = [c for c in self.frame.columns if c not in ("date", "geo")]
        if not self.geo:
            return self.frame.set_index("date")[cols]
        how = {c: "mean" if c in self.controls else "max" if c in self.events else "sum" for c in cols}
        out = self.frame.groupby("date", sort=True)[cols].agg(how)
        out.index = pd.DatetimeIndex(out.index, name="date")
        return out[cols]

    def _known(self, channel: str) -> None:
        if channel not in self.channels:
            raise KeyError(f"unknown channel {channel!r}; the mmm table has {', '.join(self.channels)}")


def derive_campaign_daily(table: MmmTable) -> pd.DataFrame:
    """Campaign rows for a folder that has only an mmm table: one row per (date, geo, channel) with
    ``campaign_id`` = ``channel`` = the channel, ``spend``, ``impressions`` (the exposure column, else 0; int64
    when whole numbers), ``clicks`` 0, ``conversions`` and ``revenue`` NaN (no platform reported them) and, with
    geos, a text attribute ``geo``. Sorted by date, campaign_id (and geo)."""
    keys = ["date", "geo"] if table.geo else ["date"]
    parts = []
    for channel in table.channels:
        part = table.frame[keys].copy()
        part["campaign_id"] = channel
        part["channel"] = channel
        part["spend"] = table.frame[spend_name(channel)].to_numpy(dtype="float64")
        exposure = table.exposure_column(channel)
        part["impressions"] = table.frame[exposure].to_numpy(dtype="float64") if exposure else 0.0
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    if (out["impressions"] % 1 == 0).all():
        out["impressions"] = out["impressions"].astype("int64")
    out["clicks"] = 0
    out["conversions"] = float("nan")
    out["revenue"] = float("nan")
    columns = ["date", "campaign_id", "channel", "spend", "impressions", "clicks", "conversions", "revenue"]
    columns += ["geo"] if table.geo else []
    order = ["date", "campaign_id"] + (["geo"] if table.geo else [])
    return out[columns].sort_values(order, kind="mergesort").reset_index(drop=True)
