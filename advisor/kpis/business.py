"""Business totals for the KPI engine: the ``business_daily`` table (SPEC §3 business-level KPIs).

The catalog's MER, blended ROAS and blended CAC read the table ``business_daily`` (``date``, optional ``geo``,
``conversions``, ``revenue``; NaN where the source has no such outcome) beside ``campaign_daily``'s spend.
:func:`kpi_tables` gives the tables a dataset's KPIs are computed from: its contract tables plus
``business_daily`` when it has business totals.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from advisor.data import Dataset

BUSINESS_TABLE = "business_daily"

#: Said wherever campaign rows were derived from the media-mix table (``Dataset.campaign_source == "mmm"``).
DERIVED_ROWS_NOTE = (
    "the data has no campaign rows: campaign_daily is derived from the mmm table (one row per period, geo and "
    "channel with its spend and exposure), where platforms report no conversions or revenue — so conversions, "
    "revenue and every KPI built on them (roi, roas, cpa, conversion_rate, aov, ...) are null, not 0, as are "
    "clicks, ctr and cpc; spend, impressions (the channel's exposure column: impressions, GRPs or clicks as "
    "configured, else 0) and cpm are computed, and the outcome KPIs come from the business totals (mer, "
    "blended_roas, blended_cac)"
)


_KEPT: weakref.WeakKeyDictionary[Any, dict[str, pd.DataFrame]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def business_daily(ds: Dataset | Any) -> pd.DataFrame | None:
    """The business totals of ``ds``: ``Dataset.business_daily`` (from the mmm table or ``outcomes_daily``) when
    the dataset offers it, else ``outcomes_daily`` (``date, conversions, revenue``); None without either."""
    totals: pd.DataFrame | None = getattr(ds, "business_daily", None)
    if totals is None:
        totals = getattr(ds, "outcomes_daily", None)
    return totals


def kpi_tables(ds: Dataset | Any) -> dict[str, pd.DataFrame]:
    """The tables ``ds``'s KPIs are computed from: ``ds.tables`` plus ``business_daily``
    (:func:`business_daily`) when the dataset has business totals. On campaign rows derived from an mmm table
    (:func:`derived_campaign_rows`) ``clicks`` is missing (NaN) rather than 0 — the media-mix table has no clicks,
    so CTR and CPC are null, not 0.

    The same frames for the same dataset object (kept while it lives), so that a per-dataset
    :class:`~advisor.kpis.measures.MeasureCache` — keyed by the frame objects — is reused across requests. A fresh
    dict each call (the frames are shared: treat them as read-only)."""
    with _LOCK:
        try:
            return dict(_KEPT[ds])
        except (KeyError, TypeError):  # TypeError: an object that cannot be weakly referenced
            pass
    tables = dict(ds.tables)
    totals = business_daily(ds)
    if totals is not None:
        tables[BUSINESS_TABLE] = totals
    rows = tables.get("campaign_daily")
    if derived_campaign_rows(ds) and rows is not None and "clicks" in rows.columns:
        tables["campaign_daily"] = rows.assign(clicks=np.nan)
    with _LOCK, contextlib.suppress(TypeError):
        _KEPT[ds] = tables
    return dict(tables)


def derived_campaign_rows(ds: Dataset | Any) -> bool:
    """True when ``ds.campaign_daily`` was derived from the media-mix table (no platform-reported figures)."""
    return getattr(ds, "campaign_source", "campaign_daily") == "mmm"
