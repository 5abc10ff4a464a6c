"""User YAML files (targets.yaml, kpi-advisor.yaml, KPI catalog, actions) read within ``DataLimits``.

A thin layer over ``models.yamlio`` (shared with ``models.plan``) that turns its ``YamlLimitError`` into the
``LimitExceeded`` the service answers with 413.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from advisor.data.limits import DEFAULT_LIMITS, DataLimits, LimitExceeded
from models.yamlio import YamlLimitError, read_yaml


def read_user_yaml(path: str | Path, table: str, limits: DataLimits = DEFAULT_LIMITS) -> Any:
    """Parsed content of the YAML file ``path`` (None when empty); ``table`` names the file's role in errors
    (``targets``, ``config``, ``catalog``, ``actions``).

    Raises ``LimitExceeded`` (``max_yaml_bytes`` / ``max_yaml_depth``) before the file is read or built,
    ``yaml.YAMLError`` for malformed YAML and ``OSError`` when it cannot be read.
    """
    try:
        return read_yaml(path, max_bytes=limits.max_yaml_bytes, max_depth=limits.max_yaml_depth)
    except YamlLimitError as exc:
        raise LimitExceeded(table, exc.rule, exc.limit, exc.actual, f"{table}: {exc}") from exc
