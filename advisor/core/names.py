"""Names: how the advisor matches a name a user typed to a known one, and how it names a scope in text.

Matching follows the one policy of :mod:`models.names` (re-exported here: ``closest_names``, ``resolve_name``,
``normalize``, ``CUTOFF``); it lives in ``models`` because plan files name channels there and ``models`` cannot
import ``advisor``.
"""

from __future__ import annotations

from collections.abc import Mapping

from models.names import CUTOFF, closest_names, normalize, resolve_name

_SCOPE_WORDS = {
    "en": {"campaign_id": "campaign", "channel": "channel", "": "all campaigns"},
    "ru": {"campaign_id": "кампании", "channel": "канала", "": "всех кампаний"},
}


def scope_word(column: str, lang: str = "en") -> str:
    """The word for a scope column in text: ``campaign_id`` → ``campaign``, ``channel`` → ``channel``, any
    other column as itself."""
    return _SCOPE_WORDS.get(lang, _SCOPE_WORDS["en"]).get(column, column)


def scope_label(scope: Mapping[str, str], lang: str = "en") -> str:
    """``campaign "x"`` / ``кампании «x»``: scope values quoted as data (``all campaigns`` for an empty scope)."""
    words = _SCOPE_WORDS.get(lang, _SCOPE_WORDS["en"])
    if not scope:
        return words[""]
    q = ("«", "»") if lang == "ru" else ('"', '"')
    return ", ".join(f"{words.get(k, k)} {q[0]}{v}{q[1]}" for k, v in scope.items())


__all__ = ["CUTOFF", "closest_names", "normalize", "resolve_name", "scope_label", "scope_word"]
