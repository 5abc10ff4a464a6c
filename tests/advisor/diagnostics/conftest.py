"""Synthetic campaign world with planted problems (independent of the demo generator) and fitted drivers."""

from __future__ import annotations

import pandas as pd
import pytest

from models.drivers import DriverModelSet, DriverParams
from models.drivers.synthetic import synthetic_campaign_daily
from training.drivers import train_driver_models

#: day index 0 = 2025-01-01; 200 days end 2025-07-19
PLANTED = {"c3": ("fatigue", 120), "c2": ("landing_page", 140), "c6": ("audience", 130)}
START = "2025-01-01"


@pytest.fixture(scope="package")
def world() -> pd.DataFrame:
    return synthetic_campaign_daily(seed=3, days=200, start=START, problems=PLANTED)


@pytest.fixture(scope="package")
def drivers(world: pd.DataFrame) -> DriverModelSet:
    return train_driver_models(world, params=DriverParams(n_estimators=80))


def onset_date(day: int) -> pd.Timestamp:
    return pd.Timestamp(START) + pd.Timedelta(days=day)
