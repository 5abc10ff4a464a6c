"""The data-folder config file ``kpi-advisor.yaml`` (pydantic models).

```yaml
tables:
  campaign_daily:
    path: my_export.csv              # relative to the data folder; or
    # url: postgresql+psycopg://postgres@127.0.0.1:5432/test   (${ENV_VAR}s are expanded)
    # table: campaign_daily          # or query: "select ..."
    columns: {Cost: spend, "Campaign name": campaign_id}   # user column -> contract column
    defaults: {channel: social}      # constant columns for exports without them
    attributes: [interest]           # extra columns to keep as text even if they look numeric
targets: targets.yaml                # optional, relative to the data folder
mmm:                                 # optional media-mix table (advisor.data.mmm, SPEC §2)
  file: weekly.csv
  date: week
  outcomes: {revenue: sales}
  channels: {tv: {spend: tv_cost}}
```
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from advisor.data.contract import TABLES
from advisor.data.limits import DEFAULT_LIMITS, DataLimits
from advisor.data.mmm import MmmConfig
from advisor.data.yamlfile import read_user_yaml

CONFIG_NAMES = ("kpi-advisor.yaml", "kpi-advisor.yml")


class TableSource(BaseModel):
    """Where one table comes from and how its columns map onto the contract."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str | None = Field(default=None, description="CSV/Parquet path relative to the data folder")
    url: str | None = Field(default=None, description="SQLAlchemy URL; ${VAR}s are expanded")
    table: str | None = Field(default=None, description="SQL table name (optionally schema.table)")
    query: str | None = Field(default=None, description="SQL query returning the table")
    columns: dict[str, str] = Field(default_factory=dict, description="user column -> contract column")
    defaults: dict[str, str | int | float] = Field(default_factory=dict, description="constant columns")
    attributes: tuple[str, ...] = Field(default=(), description="extra columns forced to text attributes")

    @model_validator(mode="after")
    def _one_source(self) -> TableSource:
        if (self.path is None) == (self.url is None):
            raise ValueError("give exactly one of 'path' or 'url'")
        if self.url is not None and (self.table is None) == (self.query is None):
            raise ValueError("a SQL source needs exactly one of 'table' or 'query'")
        if self.path is not None and (self.table or self.query):
            raise ValueError("'table'/'query' only apply to a 'url' source")
        return self

    def resolved_url(self) -> str | None:
        """The URL with environment variables expanded (secrets stay out of the file)."""
        return os.path.expandvars(self.url) if self.url else None


class DataConfig(BaseModel):
    """Contents of ``kpi-advisor.yaml``; ``tables`` keys must be contract table names."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tables: dict[str, TableSource] = Field(default_factory=dict)
    targets: str | None = Field(default=None, description="targets file, relative to the data folder")
    mmm: MmmConfig | None = Field(default=None, description="media-mix table (SPEC §2 media-mix layout)")

    @field_validator("tables")
    @classmethod
    def _known_tables(cls, v: dict[str, TableSource]) -> dict[str, TableSource]:
        unknown = sorted(set(v) - set(TABLES))
        if unknown:
            raise ValueError(f"unknown table(s) {unknown}; expected some of {list(TABLES)}")
        return v

    @classmethod
    def from_yaml(cls, path: Path, *, limits: DataLimits = DEFAULT_LIMITS) -> DataConfig:
        """Parse a config file; raises ``ValueError`` with a readable message on bad content."""
        try:
            raw: Any = read_user_yaml(path, "config", limits)
        except yaml.YAMLError as exc:
            raise ValueError(f"{path.name}: not valid YAML: {exc}") from exc
        try:
            return cls.model_validate(raw or {})
        except ValidationError as exc:
            raise ValueError(f"{path.name}: {_pydantic_summary(exc)}") from exc


def find_config(folder: Path, config_path: Path | None = None) -> Path | None:
    """The explicit ``config_path`` (must exist) or ``kpi-advisor.yaml``/``.yml`` in ``folder``, else None."""
    if config_path is not None:
        if not Path(config_path).is_file():
            raise ValueError(f"config file not found: {config_path}")
        return Path(config_path)
    for name in CONFIG_NAMES:
        if (folder / name).is_file():
            return folder / name
    return None


def _pydantic_summary(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        parts.append(f"{loc}: {err['msg']}" if loc else err["msg"])
    return "; ".join(parts)
