"""The action catalog: ``actions.yaml`` (built in) plus optional user files merged over it by ``id``.

Preconditions are declarative: a finding must match ``check`` (and optionally ``kind``, ``stage``, ``kpi``,
``status``) and its ``where`` filter, a row filter in the safe expression language of
:mod:`advisor.kpis.expr` (parsed against a whitelist, never ``eval``). Templates use ``{name}`` or
``{name:format}`` placeholders only; attribute access and indexing are rejected when the catalog is loaded.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from advisor.kpis.expr import ExpressionError, Filter, parse_filter
from models.yamlio import YamlLimitError, read_yaml

DEFAULT_PATH = Path(__file__).with_name("actions.yaml")
LANGS = ("en", "ru")
METHODS = ("restore_loss", "reallocate", "cac_to_clv", "target_gap", "none")


class ActionCatalogError(ValueError):
    """An action file that does not follow the catalog shape; the message names the action and field."""


@dataclass(frozen=True)
class Condition:
    """A precondition over one finding. Empty tuples match anything; ``where`` may be None."""

    check: tuple[str, ...]
    kind: tuple[str, ...] = ()
    stage: tuple[str, ...] = ()
    kpi: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    where: Filter | None = None


@dataclass(frozen=True)
class ActionSpec:
    """One corrective action: preconditions (``when``: any of them; ``pair``: another finding must meet it),
    impact method and parameters, prior confidence in [0, 1], and per-language ``text`` / ``rationale``
    templates."""

    id: str
    when: tuple[Condition, ...]
    pair: Condition | None
    impact_method: str
    impact_params: Mapping[str, float] = field(default_factory=dict)
    confidence: float = 0.5
    text: Mapping[str, str] = field(default_factory=dict)
    rationale: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ActionCatalog:
    """Actions in file order (built-in first, then user additions)."""

    actions: tuple[ActionSpec, ...]

    def __getitem__(self, action_id: str) -> ActionSpec:
        for a in self.actions:
            if a.id == action_id:
                return a
        raise KeyError(action_id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.actions)


def _tuple(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ActionCatalogError(f"{where}: expected a string or a list of strings, got {value!r}")


def _condition(raw: Any, where: str) -> Condition:
    if not isinstance(raw, Mapping) or "check" not in raw:
        raise ActionCatalogError(f"{where}: needs a mapping with at least `check`")
    unknown = set(raw) - {"check", "kind", "stage", "kpi", "status", "where"}
    if unknown:
        raise ActionCatalogError(f"{where}: unknown key(s) {sorted(unknown)}")
    flt = None
    if raw.get("where") is not None:
        try:
            flt = parse_filter(str(raw["where"]))
        except ExpressionError as exc:
            raise ActionCatalogError(f"{where}.where: {exc}") from None
    return Condition(
        _tuple(raw["check"], f"{where}.check"),
        _tuple(raw.get("kind"), f"{where}.kind"),
        _tuple(raw.get("stage"), f"{where}.stage"),
        _tuple(raw.get("kpi"), f"{where}.kpi"),
        _tuple(raw.get("status"), f"{where}.status"),
        flt,
    )


def _conditions(raw: Any, where: str) -> tuple[Condition, ...]:
    """One condition or a list of alternatives (any may match)."""
    if isinstance(raw, list):
        if not raw:
            raise ActionCatalogError(f"{where}: an empty list of conditions")
        return tuple(_condition(c, f"{where}[{i}]") for i, c in enumerate(raw))
    return (_condition(raw, where),)


def _templates(raw: Any, where: str) -> dict[str, str]:
    if isinstance(raw, str):
        raw = {"en": raw}
    if not isinstance(raw, Mapping) or "en" not in raw:
        raise ActionCatalogError(f"{where}: needs at least an `en` template")
    out = {}
    for lang, text in raw.items():
        if lang not in LANGS or not isinstance(text, str):
            raise ActionCatalogError(f"{where}.{lang}: languages are {LANGS}, templates are strings")
        for _, name, _, _ in string.Formatter().parse(text):
            if name is not None and (not name.isidentifier() or name.startswith("_")):
                raise ActionCatalogError(f"{where}.{lang}: placeholder {{{name}}} must be a plain name")
        out[lang] = text
    return out


def _action(raw: Any) -> ActionSpec:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str):
        raise ActionCatalogError(f"every action needs a string `id`: {raw!r}")
    aid = raw["id"]
    impact = raw.get("impact") or {"method": "none"}
    method = impact.get("method", "none") if isinstance(impact, Mapping) else None
    if method not in METHODS:
        raise ActionCatalogError(f"action {aid}: impact.method must be one of {METHODS}, got {method!r}")
    params = {str(k): float(v) for k, v in impact.items() if k != "method"}
    conf = float(raw.get("confidence", 0.5))
    if not 0.0 <= conf <= 1.0:
        raise ActionCatalogError(f"action {aid}: confidence must be in [0, 1], got {conf}")
    return ActionSpec(
        aid,
        _conditions(raw.get("when"), f"action {aid}.when"),
        _condition(raw["pair"], f"action {aid}.pair") if raw.get("pair") is not None else None,
        str(method),
        params,
        conf,
        _templates(raw.get("text"), f"action {aid}.text"),
        _templates(raw.get("rationale", raw.get("text")), f"action {aid}.rationale"),
    )


def _read(path: Path) -> list[Any]:
    try:
        doc = read_yaml(path) or {}  # size and depth bounded; `on:` keys stay text
    except YamlLimitError as exc:
        raise ActionCatalogError(str(exc)) from None
    except yaml.YAMLError as exc:
        raise ActionCatalogError(f"{path}: not valid YAML: {exc}") from None
    actions = doc.get("actions") if isinstance(doc, Mapping) else None
    if not isinstance(actions, list):
        raise ActionCatalogError(f"{path}: expected a top-level `actions:` list")
    return actions


def load_actions(*user_files: str | Path) -> ActionCatalog:
    """The built-in catalog with each user file merged over it: an action whose ``id`` exists replaces it,
    ``{id: X, enabled: false}`` removes X, new ids are appended. Raises :class:`ActionCatalogError`."""
    merged: dict[str, Any] = {}
    for path in (DEFAULT_PATH, *map(Path, user_files)):
        for raw in _read(path):
            if isinstance(raw, Mapping) and raw.get("enabled") is False:
                merged.pop(str(raw.get("id")), None)
                continue
            spec = _action({k: v for k, v in raw.items() if k != "enabled"} if isinstance(raw, Mapping) else raw)
            merged[spec.id] = spec
    return ActionCatalog(tuple(merged.values()))


_DEFAULT: ActionCatalog | None = None


def default_actions() -> ActionCatalog:
    """The built-in catalog (parsed once)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_actions()
    return _DEFAULT
