"""Fixtures of the training tests: one Spark session (``local[2]``) for the whole run, started when a test asks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """The spark engine's session on ``local[2]`` (``training.spark_engine.spark_session``), stopped at the end."""
    from training.spark_engine import spark_session

    session = spark_session("local[2]", app_name="kpi-advisor-tests")
    yield session
    session.stop()
