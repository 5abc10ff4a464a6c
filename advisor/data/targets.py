"""``targets.yaml``: KPI targets and composite-score weights (structure only; KPI ids are checked later).

```yaml
targets:
  - {kpi: roi, target: 1.5}
  - {kpi: cpa, target: 25, scope: {channel: search}, period: 2024-06}
weights: {outcome: 0.5, customer: 0.3, process: 0.2}
```
Periods: ``YYYY``, ``YYYY-MM``, ``YYYY-Qn``, ``YYYY-Www`` or an ISO date range ``YYYY-MM-DD..YYYY-MM-DD``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from advisor.data.limits import DEFAULT_LIMITS, DataLimits
from advisor.data.yamlfile import read_user_yaml

_PERIOD = re.compile(
    r"\d{4}(-(0[1-9]|1[0-2])|-Q[1-4]|-W(0[1-9]|[1-4]\d|5[0-3]))?"
    r"|\d{4}-\d{2}-\d{2}\.\.\d{4}-\d{2}-\d{2}"
)


class TargetSpec(BaseModel):
    """One target: ``kpi`` id, ``target`` (KPI units), optional ``scope`` {column: value} and ``period``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kpi: str = Field(min_length=1)
    target: float
    scope: dict[str, str | int | float] = Field(default_factory=dict)
    period: str | None = None

    @field_validator("kpi")
    @classmethod
    def _kpi_id(cls, v: str) -> str:
        return v.strip().lower()

    @field_validator("period", mode="before")
    @classmethod
    def _period(cls, v: Any) -> Any:
        if v is None:
            return None
        s = str(v).strip()
        if not _PERIOD.fullmatch(s):
            raise ValueError(f"period {s!r} is not YYYY, YYYY-MM, YYYY-Qn, YYYY-Www or D..D")
        return s


class TargetsFile(BaseModel):
    """Parsed ``targets.yaml``: ``targets`` list and optional ``weights`` {group or kpi id: weight ≥ 0}."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    targets: tuple[TargetSpec, ...] = ()
    weights: dict[str, float] = Field(default_factory=dict)

    @field_validator("weights")
    @classmethod
    def _non_negative(cls, v: dict[str, float]) -> dict[str, float]:
        bad = [k for k, w in v.items() if w < 0]
        if bad:
            raise ValueError(f"weights must be ≥ 0 (negative for {bad})")
        return v

    @classmethod
    def from_yaml(cls, path: Path, *, limits: DataLimits = DEFAULT_LIMITS) -> TargetsFile:
        """Parse a targets file; raises ``ValueError`` naming the offending entry."""
        try:
            raw: Any = read_user_yaml(Path(path), "targets", limits)
        except yaml.YAMLError as exc:
            raise ValueError(f"{Path(path).name}: not valid YAML: {exc}") from exc
        try:
            return cls.model_validate(raw or {})
        except ValidationError as exc:
            msgs = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
            raise ValueError(f"{Path(path).name}: {msgs}") from exc
