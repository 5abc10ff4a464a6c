"""The one JSON encoder: any result value -> plain JSON values (dict, list, str, int, float, bool, None).

NaN and ±inf become null; numpy scalars and arrays, pandas timestamps/NA/frames, dates, ``Path``, ``Enum``,
dataclasses, pydantic models and objects with ``to_dict()`` become their JSON form. Plain dicts, lists, strings
and numbers take a fast path (a KPI table of a few thousand rows is converted in about a millisecond), and numpy /
pandas are only looked at when they are already imported (this module imports neither, so the CLI starts fast).
"""

from __future__ import annotations

import dataclasses
import enum
import json
import math
import sys
from collections.abc import Mapping
from datetime import date, datetime, time
from pathlib import PurePath
from typing import Any


def to_jsonable(value: Any) -> Any:
    """A JSON-ready copy of ``value`` (NaN/inf -> None; dict keys become strings)."""
    t = type(value)
    if t is dict:
        return {k if type(k) is str else _key(k): to_jsonable(v) for k, v in value.items()}
    if t is list or t is tuple:
        return [to_jsonable(v) for v in value]
    if t is float:
        return value if math.isfinite(value) else None
    if value is None or t is str or t is int or t is bool:
        return value
    return _slow(value)


def _key(key: Any) -> str:
    converted = to_jsonable(key)
    return converted if isinstance(converted, str) else str(converted)


def _slow(value: Any) -> Any:
    """Everything that is not a plain JSON value or container."""
    np = sys.modules.get("numpy")
    pd = sys.modules.get("pandas")
    if pd is not None:
        if value is pd.NA or value is pd.NaT:
            return None
        if isinstance(value, pd.Timestamp):
            return value.date().isoformat() if value == value.normalize() else value.isoformat()
        if isinstance(value, pd.DataFrame):
            return to_jsonable(value.to_dict(orient="records"))
        if isinstance(value, pd.Series | pd.Index):
            return to_jsonable(value.tolist())
    if np is not None:
        if isinstance(value, np.ndarray):
            return to_jsonable(value.tolist())
        if isinstance(value, np.generic):
            return to_jsonable(value.item())
    if isinstance(value, bool | int | str):  # subclasses (IntEnum, StrEnum are handled as Enum below first)
        if isinstance(value, enum.Enum):
            return to_jsonable(value.value)
        return bool(value) if isinstance(value, bool) else int(value) if isinstance(value, int) else str(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, datetime | time):  # a moment keeps its time and zone
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Mapping):
        return {_key(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "model_dump") and callable(value.model_dump):  # pydantic v2
        return to_jsonable(value.model_dump(mode="json"))
    if hasattr(value, "to_dict") and callable(value.to_dict):
        return to_jsonable(value.to_dict())
    if hasattr(value, "to_json") and callable(value.to_json):  # an operation's result (``advisor.ops``)
        return to_jsonable(value.to_json())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    if isinstance(value, complex) or (np is not None and isinstance(value, np.complexfloating)):
        raise TypeError(f"cannot encode the complex number {value!r} as JSON")
    return value


def dumps(value: Any, *, indent: int | None = None) -> str:
    """``value`` as one JSON document (via :func:`to_jsonable`; UTF-8 text, no NaN)."""
    return json.dumps(to_jsonable(value), ensure_ascii=False, indent=indent, allow_nan=False)
