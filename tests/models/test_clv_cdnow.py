"""CDNOW 1/10th sample: published BG/NBD and Gamma-Gamma estimates, RFM summary, holdout vs baseline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models.clv import rfm_summary
from training.clv import train_clv

PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # Fader, Hardie & Lee 2005
PUBLISHED_GG = {"p": 6.25, "q": 3.74, "gamma": 15.44}  # Fader, Hardie & Lee 2005, "RFM and CLV"

pytestmark = pytest.mark.datasets


@pytest.fixture(scope="module")
def cdnow(shared_datasets: Path) -> pd.DataFrame:
    raw = pd.read_csv(shared_datasets / "pymc_marketing" / "cdnow_transactions.csv")
    return raw.rename(columns={"id": "customer_id", "date": "order_date", "spent": "revenue"})


def test_fitted_parameters_within_5_percent_of_published(cdnow: pd.DataFrame) -> None:
    result = train_clv(cdnow, calibration_end="1997-09-30", holdout_end="1998-06-30")
    params = result.model.params()
    for name, ref in PUBLISHED_BGNBD.items():
        assert params["bgnbd"][name] == pytest.approx(ref, rel=0.05), name
    for name, ref in PUBLISHED_GG.items():
        assert params["gamma_gamma"][name] == pytest.approx(ref, rel=0.05), name
    assert result.model.bgnbd_.log_likelihood_ == pytest.approx(-9582.4, abs=0.5)
    assert result.model.gamma_gamma_.n_customers_ == 946
    holdout = result.holdout
    assert holdout is not None and holdout.duration == 39.0
    assert holdout.mae < holdout.baseline_mae
    assert abs(holdout.predicted_total - holdout.actual_total) < abs(holdout.baseline_total - holdout.actual_total)


def test_rfm_summary_matches_clv_quickstart(cdnow: pd.DataFrame, shared_datasets: Path) -> None:
    quick = pd.read_csv(shared_datasets / "pymc_marketing" / "clv_quickstart.csv")
    rfm = rfm_summary(cdnow, "1997-09-30")
    assert len(rfm) == len(quick) == 2357
    np.testing.assert_array_equal(rfm["frequency"].to_numpy(), quick["frequency"].to_numpy())
    for col in ("recency", "T", "monetary_value"):  # the quickstart file is rounded to 2 decimals
        np.testing.assert_allclose(rfm[col].to_numpy(), quick[col].to_numpy(), atol=0.0051, err_msg=col)
