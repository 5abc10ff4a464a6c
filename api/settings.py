"""Settings from the environment (prefix ``KPI_ADVISOR_``), e.g. ``KPI_ADVISOR_DATA_DIR=data/demo``: the one place
the CLI, the server, the MCP server and the worker read their configuration from, once per process
(:func:`get_settings`; the server builds them in its app factory)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:  # advisor.data imports pandas: not on the CLI's start-up path
    from advisor.data.limits import DataLimits


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
    ``key_cache_seconds``: how long a process trusts a checked API key, so a key revoked by another process (e.g.
    ``kpi-advisor keys revoke``) stops working within this many seconds;
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

    Resource limits (answers 413/431 problem+json naming the rule): ``max_rows`` / ``max_columns`` per table,
    ``max_field_chars`` per CSV cell, ``max_decompressed_bytes`` of a table once decompressed, ``max_expansion``:
    how many times its size on disk a Parquet file may grow once decoded (past 64 MiB), ``max_yaml_bytes`` /
    ``max_yaml_depth`` of ``targets.yaml`` (all passed down as ``advisor.data.DataLimits`` by ``data_limits()``);
    ``max_header_bytes``: request headers, all together (bytes); ``max_datasets_per_workspace`` /
    ``max_dataset_bytes_per_workspace``: uploads a workspace may keep (count, bytes on disk);
    ``dataset_cache_bytes``: memory the loaded datasets of one server process may take (bytes, estimated with
    ``DataFrame.memory_usage(deep=True)``; least recently used ones are dropped; the served ones stay);
    ``worker_restart_min_seconds`` / ``worker_restart_max_seconds``: the backoff before ``serve`` restarts a dead
    training worker (doubling from min to max; reset once a worker ran for a minute); ``worker_status_file``: set by
    ``serve`` for its web processes: where the supervisor writes whether the worker is alive (``/readyz`` reads it).

    Scale-out (issue 16, docs/scale.md): ``engine`` (``KPI_ADVISOR_ENGINE``, ``local`` or ``spark``): where segment
    training runs (``local``: a process pool on this machine, the default; ``spark``: ``groupBy(segment)
    .applyInPandas``) and how ``kpi-advisor kpis`` computes (``spark``: campaign_daily read as Parquet and aggregated
    by Spark, never loaded into pandas); the ``--engine`` options override it. ``spark_master``
    (``KPI_ADVISOR_SPARK_MASTER``, default ``local[2]``): the Spark master (``local[n]``, ``spark://host:7077``,
    ``k8s://https://...``, ``yarn``).
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
    key_cache_seconds: float = Field(default=10.0, gt=0)
    log_json: bool = True
    log_level: str = "INFO"
    shutdown_timeout_seconds: int = Field(default=20, ge=0)
    warm_requests: int = Field(default=64, ge=0)
    warm_seconds: float = Field(default=60.0, ge=0)
    compute_concurrency: int = Field(default=1, ge=0)
    # resource limits (issue 17); defaults sized for a department with ~5M campaign rows, see README
    max_rows: int = Field(default=5_000_000, ge=1)
    max_columns: int = Field(default=500, ge=1)
    max_field_chars: int = Field(default=100_000, ge=1)
    max_decompressed_bytes: int = Field(default=2 * 1024**3, ge=1024)
    max_expansion: int = Field(default=200, ge=2)
    max_yaml_bytes: int = Field(default=1024**2, ge=64)
    max_yaml_depth: int = Field(default=32, ge=2)
    max_header_bytes: int = Field(default=16 * 1024, ge=1024)
    max_datasets_per_workspace: int = Field(default=50, ge=1)
    max_dataset_bytes_per_workspace: int = Field(default=5 * 1024**3, ge=1024)
    dataset_cache_bytes: int = Field(default=2 * 1024**3, ge=0)
    worker_restart_min_seconds: float = Field(default=1.0, gt=0)
    worker_restart_max_seconds: float = Field(default=60.0, gt=0)
    worker_status_file: Path | None = None
    # scale-out (issue 16): the engine of segment training and of the CLI's `kpis`, and the Spark master
    engine: Literal["local", "spark"] = "local"
    spark_master: str = Field(default="local[2]", min_length=1)

    def data_limits(self) -> DataLimits:
        """The limits on uploaded and configured data (rows, columns, cell size, decompressed bytes, YAML)."""
        from advisor.data.limits import DataLimits

        return DataLimits(
            max_rows=self.max_rows, max_columns=self.max_columns, max_field_chars=self.max_field_chars,
            max_decompressed_bytes=self.max_decompressed_bytes, max_expansion=self.max_expansion, max_yaml_bytes=self.max_yaml_bytes,
            max_yaml_depth=self.max_yaml_depth,
        )

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
