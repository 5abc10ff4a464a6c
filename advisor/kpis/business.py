"""Business totals for the KPI engine: the ``business_daily`` table (SPEC §3 business-level KPIs).

The catalog's MER, blended ROAS and blended CAC read the table ``business_daily`` (``date``, optional ``geo``,
``conversions``, ``revenue``; NaN where the source has no such outcome) beside ``campaign_daily``'s spend.
:func:`kpi_tables` gives the tables a dataset's KPIs are computed from: its contract tables plus
``business_daily`` when it has business totals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from advisor.data import Dataset

BUSINESS_TABLE = "business_daily"

#: Said wherever campaign rows were derived from the media-mix table (``Dataset.campaign_source == "mmm"``).
DERIVED_ROWS_NOTE = (
    "the data has no campaign rows: campaign_daily is derived from the mmm table (one row per period, geo and "
    "channel with its spend and exposure), where platforms report no conversions or revenue — so conversions, "
    "revenue and every KPI built on them (roi, roas, cpa, conversion_rate, aov, ...) are null, not 0; spend, "
    "impressions and cpm are computed, and the outcome KPIs come from the business totals (mer, blended_roas, "
    "blended_cac)"
)


def business_daily(ds: Dataset | Any) -> pd.DataFrame | None:
    """The business totals of ``ds``: ``Dataset.business_daily`` (from the mmm table or ``outcomes_daily``) when
    the dataset offers it, else ``outcomes_daily`` itself (``date, conversions, revenue``); None without either.

    The frame is returned as the dataset holds it (not copied), so a per-dataset
    :class:`~advisor.kpis.measures.MeasureCache` keeps working on it."""
    totals = getattr(ds, "business_daily", None)
    if totals is not None:
        return totals  # type: ignore[no-any-return]
    outcomes: pd.DataFrame | None = getattr(ds, "outcomes_daily", None)
    return outcomes


def kpi_tables(ds: Dataset | Any) -> dict[str, pd.DataFrame]:
    """``ds.tables`` plus ``business_daily`` (:func:`business_daily`) when the dataset has business totals."""
    tables = dict(ds.tables)
    totals = business_daily(ds)
    if totals is not None:
        tables[BUSINESS_TABLE] = totals
    return tables


def derived_campaign_rows(ds: Dataset | Any) -> bool:
    """True when ``ds.campaign_daily`` was derived from the media-mix table (no platform-reported figures)."""
    return getattr(ds, "campaign_source", "campaign_daily") == "mmm"
