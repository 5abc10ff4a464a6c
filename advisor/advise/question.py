"""What a question asks: its kind, the entities named in it and its language (SPEC §5 "Advise").

A :class:`Question` is frozen data, produced by the deterministic parser (:func:`advisor.advise.understand.understand`)
or by an LLM's tool call (``advisor.advise.tools``) and validated against the dataset's names either way. The
kind handlers (``advisor.advise.kinds``) run what a kind needs from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

#: The kinds of question (SPEC §5 table, plus the overview, customer and plain-forecast questions the first
#: batch answered). ``other``: anything else; the answer says what the advisor can do and runs nothing.
KINDS = (
    "why",  # why did campaign/channel X under-perform (in period P)? → diagnosis
    "attention",  # what needs attention? → every campaign and channel scanned, failing ones ranked by money at stake
    "what_if",  # cut X by 30% / move 10k from X to Y / switch X off → forecast of the changed plan vs run-rate
    "split",  # how should we split budget B (over P)? → optimised allocation channel by channel, uplift
    "funding",  # which channel deserves more (less)? is X under-funded? → marginal ROI, saturation, yes/no
    "trend",  # how did KPI K change over time? → KPI by month with direction
    "off_target",  # which KPIs are off target, and why? → scorecard + diagnosis of each off-target KPI
    "segment",  # which segment (audience, creative, region, objective...) performs worst? → KPI by attribute, ranked
    "trust",  # can we trust the platforms' numbers? → reported vs incremental per channel
    "contribution",  # what did channel X (each channel, media) add over a window? → incremental figures, ROI, share
    "overview",  # how are we doing? → scorecard (+ channel returns)
    "customers",  # CLV, CAC, retention, satisfaction questions
    "forecast",  # what do we expect next month (at budget B)? → forecast of run-rate (or scaled) plan
    "other",  # anything else: say what the advisor can answer, run nothing
)
Kind = Literal[
    "why", "attention", "what_if", "split", "funding", "trend", "off_target", "segment", "trust", "contribution",
    "overview", "customers", "forecast", "other",
]
Lang = Literal["en", "ru"]


@dataclass(frozen=True)
class Period:
    """An inclusive date range named in the question (``start``/``end`` ISO dates) with the words that named it
    (``label``, e.g. ``"last month"``, ``"Q3"``, ``"в сентябре"``). Past periods are clipped to the data's dates;
    future ones (``"next month"``) start the day after the last date."""

    start: str
    end: str
    label: str


@dataclass(frozen=True)
class SpendChange:
    """One edit of the run-rate plan (what-if questions).

    ``op``: ``"scale"`` (channel spend × ``factor``: "cut video by 30%" → factor 0.7, "double search" → 2.0),
    ``"off"`` (channel switched off: factor 0), ``"move"`` (``amount`` currency over the horizon from ``channel`` to
    ``to``; ``amount`` None with ``factor``: a share of ``channel``'s spend), ``"set"`` (channel total over the
    horizon = ``amount``), ``"total"`` (every channel × ``factor``; ``channel`` None)."""

    op: Literal["scale", "off", "move", "set", "total"]
    channel: str | None = None
    to: str | None = None
    factor: float | None = None
    amount: float | None = None


@dataclass(frozen=True)
class Question:
    """A parsed question. Entity values are exactly as in the data (a campaign id, a channel name of
    ``campaign_daily``), never the words used for them; ``kpi`` is a KPI catalog name (``roi``,
    ``conversion_rate``, ...); ``attribute`` a ``campaign_daily`` column (``audience``, ``creative_type``,
    ``region``, ...); ``amount`` a budget in currency; ``percent`` a fraction (30% → 0.3); ``horizon`` the
    planning window (``week``/``month``/``quarter``) of what-if, split and forecast questions; ``direction``
    for funding questions: ``"more"`` (deserves more / under-funded) or ``"less"`` (over-funded, cut).
    ``lang`` is the question's language (detected; the caller's override wins)."""

    text: str
    kind: Kind
    lang: Lang = "en"
    campaigns: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    kpi: str | None = None
    attribute: str | None = None
    period: Period | None = None
    amount: float | None = None
    percent: float | None = None
    horizon: Literal["week", "month", "quarter"] = "month"
    changes: tuple[SpendChange, ...] = ()
    direction: Literal["more", "less"] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def scope(self) -> dict[str, str] | None:
        """The campaign (first) or channel the question is about, as a diagnosis scope, or None."""
        if self.campaigns:
            return {"campaign_id": self.campaigns[0]}
        if self.channels:
            return {"channel": self.channels[0]}
        return None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe (the ``advise`` result's ``question`` block: what was understood)."""
        doc = asdict(self)
        doc["extra"] = dict(self.extra)
        return doc
