"""Service settings from the environment (prefix ``KPI_ADVISOR_``), e.g. ``KPI_ADVISOR_DATA_DIR=data/demo``."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where the data and models live, where to listen, and the request limits.

    ``data_dir``: the data folder served by default (the ``default`` dataset); ``datasets_dir``: where uploads are
    stored, one folder per dataset id; ``models_dir``: the model registry; ``max_body_bytes``: largest request body
    (bytes); ``max_horizon_days``: longest plan or optimisation period (days, inclusive); ``fit_drivers``: fit the
    LightGBM driver models for diagnostics at start-up when the registry holds none; ``cache_size``: results kept
    in the in-memory result cache (0 disables it); ``forecast_sims``: simulated paths behind forecast intervals;
    ``public_url``: the https URL an LLM tool (GPT Action) reaches the API at, listed in the OpenAPI ``servers``.
    """

    model_config = SettingsConfigDict(env_prefix="KPI_ADVISOR_", extra="ignore")

    data_dir: Path = Path("data/demo")
    datasets_dir: Path = Path("data/datasets")
    models_dir: Path = Path("data/models")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    max_body_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    max_horizon_days: int = Field(default=365, ge=1, le=365)
    fit_drivers: bool = True
    cache_size: int = Field(default=512, ge=0)
    forecast_sims: int = Field(default=1000, ge=100, le=20000)
    public_url: str | None = Field(default=None, description="External base URL listed in OpenAPI 'servers'.")
