"""The data contract of SPEC §2 as frozen data: tables, columns, dtypes and rules.

Nothing here touches data; ``advisor.data.schemas`` turns a ``TableContract`` into pandera schemas.
Dtypes: ``date`` (ISO ``YYYY-MM-DD`` → ``datetime64[ns]``), ``text`` (str), ``number`` (float64),
``integer`` (int64; float64 when an optional integer column has gaps).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Literal

DType = Literal["date", "text", "number", "integer"]

#: Fewer distinct days than this in a campaign → "short_history" warning (too little to model).
MIN_HISTORY_DAYS = 28
#: Modified z-score (0.6745·|x − median| / MAD, Iglewicz & Hoaglin) above this → "outlier" warning.
OUTLIER_Z = 5.0
#: Campaigns with fewer rows than this are not screened for outliers (median/MAD too unstable).
OUTLIER_MIN_ROWS = 14


@dataclass(frozen=True)
class ColumnSpec:
    """One contract column.

    min_value/max_value: inclusive bounds (units of the column; ``min_exclusive``: the lower bound is exclusive,
    rule ``positive`` when it is 0); allowed: permitted text values
    (compared lower-case); pattern: full-match regex for text values.
    """

    name: str
    dtype: DType
    required: bool
    min_value: float | None = None
    max_value: float | None = None
    allowed: tuple[str, ...] | None = None
    pattern: str | None = None
    description: str = ""
    min_exclusive: bool = False


@dataclass(frozen=True)
class LessEqual:
    """Row rule ``left ≤ right`` (e.g. clicks ≤ impressions), reported on ``left`` as ``{left}_le_{right}``.

    Rows where either side is missing pass.
    """

    left: str
    right: str

    @property
    def rule(self) -> str:
        return f"{self.left}_le_{self.right}"


@dataclass(frozen=True)
class ConstantWithin:
    """``column`` must take one value per ``group`` (e.g. channel per campaign_id)."""

    column: str
    group: str

    @property
    def rule(self) -> str:
        return f"{self.column}_constant_per_{self.group.removesuffix('_id')}"


@dataclass(frozen=True)
class RangeBy:
    """``column`` must lie in [low, high] chosen by the value of ``key`` (e.g. score by survey metric).

    ranges: ``((key_value, low, high), ...)``.
    """

    column: str
    key: str
    ranges: tuple[tuple[str, float, float], ...]


@dataclass(frozen=True)
class TableContract:
    """A table of SPEC §2.

    unique: columns that together identify a row (empty: no key); columns absent from the frame are dropped
    from the key. sort_by: order of the loaded frame. date_column: the ISO date column, if any.
    history_checks: emit gap / short-history / outlier warnings (campaign_daily only).
    """

    name: str
    columns: tuple[ColumnSpec, ...]
    required_table: bool = False
    unique: tuple[str, ...] = ()
    less_equal: tuple[LessEqual, ...] = ()
    constant_within: tuple[ConstantWithin, ...] = ()
    range_by: tuple[RangeBy, ...] = ()
    sort_by: tuple[str, ...] = ()
    date_column: str | None = None
    history_checks: bool = False
    outlier_columns: tuple[str, ...] = field(default=())

    def column(self, name: str) -> ColumnSpec | None:
        """The spec of contract column ``name`` or None."""
        for c in self.columns:
            if c.name == name:
                return c
        return None

    @property
    def names(self) -> tuple[str, ...]:
        """Contract column names in contract order."""
        return tuple(c.name for c in self.columns)

    @property
    def required_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def with_required(self, required: tuple[str, ...] | list[str]) -> TableContract:
        """Copy in which exactly ``required`` columns are required (others optional).

        Used to load partial tables, e.g. ad-level exports without a date (``load_table(..., require=...)``).
        """
        unknown = set(required) - set(self.names)
        if unknown:
            raise ValueError(f"{self.name}: unknown contract columns in require: {sorted(unknown)}")
        cols = tuple(replace(c, required=c.name in required) for c in self.columns)
        # a row key only holds while its originally-required parts stay required (no date → no (date, id) key)
        keeps_key = all(k in required for k in self.unique if k in self.required_names)
        return replace(self, columns=cols, unique=self.unique if keeps_key else ())


_NN = 0.0  # lower bound for non-negative columns
SEGMENT_DESCRIPTION = (
    "brand, market or account the row belongs to (optional): `train --segment-by segment` fits one model set per "
    "segment; with it the row key includes the segment"
)

CAMPAIGN_DAILY = TableContract(
    name="campaign_daily",
    required_table=True,
    columns=(
        ColumnSpec("date", "date", True, description="day, ISO YYYY-MM-DD"),
        ColumnSpec("campaign_id", "text", True, description="campaign identifier"),
        ColumnSpec(
            "channel", "text", True, description="search, social, display, video, email, affiliate ..."
        ),
        ColumnSpec("spend", "number", True, min_value=_NN, description="currency units"),
        ColumnSpec("impressions", "integer", True, min_value=_NN),
        ColumnSpec("clicks", "integer", True, min_value=_NN),
        ColumnSpec("conversions", "number", True, min_value=_NN, description="as reported by the platform"),
        ColumnSpec("revenue", "number", True, min_value=_NN, description="currency units"),
        ColumnSpec("engagements", "integer", False, min_value=_NN, description="likes+comments+shares+saves"),
        ColumnSpec("new_customers", "integer", False, min_value=_NN),
        ColumnSpec("segment", "text", False, description=SEGMENT_DESCRIPTION),
    ),
    unique=("date", "campaign_id", "segment"),
    less_equal=(LessEqual("clicks", "impressions"), LessEqual("new_customers", "conversions")),
    constant_within=(ConstantWithin("channel", "campaign_id"),),
    sort_by=("date", "campaign_id"),
    date_column="date",
    history_checks=True,
    outlier_columns=("spend", "clicks"),
)

OUTCOMES_DAILY = TableContract(
    name="outcomes_daily",
    columns=(
        ColumnSpec("date", "date", True),
        ColumnSpec(
            "conversions", "number", True, min_value=_NN, description="business total, organic included"
        ),
        ColumnSpec("revenue", "number", True, min_value=_NN, description="currency units"),
        ColumnSpec("segment", "text", False, description=SEGMENT_DESCRIPTION),
    ),
    unique=("date", "segment"),
    sort_by=("date",),
    date_column="date",
)

ORDERS = TableContract(
    name="orders",
    columns=(
        ColumnSpec("customer_id", "text", True),
        ColumnSpec("order_date", "date", True),
        ColumnSpec("revenue", "number", True, min_value=_NN, description="currency units"),
        ColumnSpec("campaign_id", "text", False, description="campaign of acquisition"),
        ColumnSpec("channel", "text", False, description="channel of acquisition"),
    ),
    sort_by=("order_date", "customer_id"),
    date_column="order_date",
)

SURVEYS = TableContract(
    name="surveys",
    columns=(
        ColumnSpec("date", "date", True),
        ColumnSpec("metric", "text", True, allowed=("csat", "nps")),
        ColumnSpec("score", "number", True, description="csat 1–5, nps 0–10"),
        ColumnSpec("channel", "text", False),
        ColumnSpec("campaign_id", "text", False),
    ),
    range_by=(RangeBy("score", "metric", (("csat", 1.0, 5.0), ("nps", 0.0, 10.0))),),
    sort_by=("date", "campaign_id"),
    date_column="date",
)

TEAM_KPIS = TableContract(
    name="team_kpis",
    columns=(
        ColumnSpec("period", "text", True, pattern=r"\d{4}-(0[1-9]|1[0-2])", description="YYYY-MM"),
        ColumnSpec(
            "metric", "text", True, description="research_studies, research_quality, creativity_score ..."
        ),
        ColumnSpec("value", "number", True),
        ColumnSpec("team", "text", False),
    ),
    unique=("period", "metric", "team"),
    sort_by=("period", "team", "metric"),
)

LIFT_TESTS = TableContract(
    name="lift_tests",
    columns=(
        ColumnSpec("channel", "text", True, description="a channel of the data (campaign rows or mmm table)"),
        ColumnSpec("start", "date", True, description="first day of the test window"),
        ColumnSpec("end", "date", True, description="last day of the test window (inclusive)"),
        ColumnSpec("kpi", "text", True, allowed=("conversions", "revenue")),
        ColumnSpec(
            "incremental", "number", True, description="measured incremental KPI over the window (may be < 0)"
        ),
        ColumnSpec(
            "std_error", "number", True, min_value=0.0, min_exclusive=True,
            description="standard error of incremental, > 0",
        ),
    ),
    less_equal=(LessEqual("start", "end"),),
    sort_by=("channel", "start"),
)

#: Every table of the contract by name, in contract order (campaign_daily first).
TABLES: Mapping[str, TableContract] = MappingProxyType(
    {t.name: t for t in (CAMPAIGN_DAILY, OUTCOMES_DAILY, ORDERS, SURVEYS, TEAM_KPIS, LIFT_TESTS)}
)
