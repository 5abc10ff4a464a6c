"""Settings from the environment (prefix ``KPI_ADVISOR_``), e.g. ``KPI_ADVISOR_DATA_DIR=data/demo``: the one place
the CLI, the server, the MCP server and the worker read their configuration from, once per process
(:func:`get_settings`; the server builds them in its app factory)."""

from __future__ import annotations

import functools
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where the data and models live, where to listen, and the request limits.

    ``data_dir``: the data folder served as dataset ``default`` of the ``default`` workspace; ``models_dir``: the
    model registry of the ``default`` workspace; ``max_body_bytes``: largest request body (bytes); ``max_horizon_days``: longest plan or optimisation period (days, inclusive); ``fit_drivers``: fit the
    LightGBM driver models for diagnostics at start-up when the registry holds none; ``cache_size``: results kept
    in the in-memory result cache (0 disables it); ``forecast_sims``: simulated paths behind forecast intervals;
    ``public_url``: the https URL an LLM tool (GPT Action) reaches the API at, listed in the OpenAPI ``servers``.

    Service: ``database_url``: SQLAlchemy URL of the service database (datasets, model versions, jobs, API keys,
    advice audit log) — an SQLite file by default, ``postgresql+psycopg://user@host/db`` for PostgreSQL;
    ``workspaces_dir``: uploads and model registries of every workspace (``<ws>/datasets/<id>``, ``<ws>/models``;
    the ``default`` workspace keeps its models in ``models_dir`` and serves ``data_dir`` as dataset ``default``);
    ``worker``: start a training worker process with the server (off: run ``kpi-advisor worker`` separately);
    ``refresh_seconds``: how often a server process checks the database for a newly activated model (seconds);
    ``job_stale_seconds``: a running job whose worker sent no heartbeat for this long is marked failed;
    ``log_json``: JSON log lines (one object per line, with the request id) instead of plain text;
    ``log_level``: root log level; ``shutdown_timeout_seconds``: how long a stopping server lets running requests
    finish; ``warm_requests`` / ``warm_seconds``: when a new model version is activated, the server answers up to
    this many of the most recent distinct requests with it (within this many seconds) before serving it, so that
    the switch does not empty the result cache at once (0 turns it off); ``compute_concurrency``: how many
    requests compute (KPI tables, forecasts, diagnoses...) at once in one server process (0: no limit) — the work
    is CPU-bound Python, so more threads than that only fight over the GIL (20 concurrent requests took about
    twice the CPU per request of one at a time); the others wait their turn without using CPU, earliest deadline
    first (arrival plus 100 ms for KPI tables and forecasts, 300 ms for a diagnosis); optimisations and advise have
    a lane of their own with as many slots, so they do not hold up the short requests.

    LLM (the narrative of advise; none configured: the built-in narrator answers): ``llm_model``
    (``KPI_ADVISOR_LLM_MODEL``, e.g. ``openai:gpt-4o-mini``, ``anthropic:claude-...``, ``ollama:llama3``);
    ``llm_base_url`` (``KPI_ADVISOR_LLM_BASE_URL``: any OpenAI-compatible endpoint); ``llm_api_key``
    (``KPI_ADVISOR_LLM_API_KEY``); ``llm_timeout_s`` (``KPI_ADVISOR_LLM_TIMEOUT_S``: time budget of the LLM calls
    of one answer, seconds); ``llm_temperature`` (``KPI_ADVISOR_LLM_TEMPERATURE``).
    """

    model_config = SettingsConfigDict(env_prefix="KPI_ADVISOR_", extra="ignore")

    data_dir: Path = Path("data/demo")
    models_dir: Path = Path("data/models")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    max_body_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    max_horizon_days: int = Field(default=365, ge=1, le=365)
    fit_drivers: bool = True
    cache_size: int = Field(default=512, ge=0)
    forecast_sims: int = Field(default=1000, ge=100, le=20000)
    public_url: str | None = Field(default=None, description="External base URL listed in OpenAPI 'servers'.")
    llm_model: str | None = None
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = Field(default=20.0, gt=0)
    llm_temperature: float = Field(default=0.0, ge=0, le=2)
    database_url: str = "sqlite:///data/kpi-advisor.db"
    workspaces_dir: Path = Path("data/workspaces")
    worker: bool = True
    refresh_seconds: float = Field(default=1.0, gt=0, le=60)
    job_stale_seconds: float = Field(default=30.0, gt=0)
    log_json: bool = True
    log_level: str = "INFO"
    shutdown_timeout_seconds: int = Field(default=20, ge=0)
    warm_requests: int = Field(default=64, ge=0)
    warm_seconds: float = Field(default=60.0, ge=0)
    compute_concurrency: int = Field(default=1, ge=0)

    def models_root(self, workspace: str) -> Path:
        """The model registry folder of ``workspace`` (``models_dir`` for ``default``)."""
        return self.models_dir if workspace == DEFAULT_WORKSPACE else self.workspaces_dir / workspace / "models"

    def uploads_root(self, workspace: str) -> Path:
        """Where ``workspace``'s uploaded datasets are stored, one folder per dataset id."""
        return self.workspaces_dir / workspace / "datasets"


DEFAULT_WORKSPACE = "default"


@functools.cache
def get_settings() -> Settings:
    """The settings of this process, read from the environment on the first call and kept (the CLI's commands and
    the server's app factory share them)."""
    return Settings()
