"""The facts a narrative may quote: every number, date and name in a structured result (JSON-like)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from advisor.narrative.numbers import NUMBER, parse_number

#: keys whose string values name campaigns, channels or other scope values
NAME_KEYS = frozenset({"campaign_id", "channel", "to_channel", "value", "label", "campaign", "from", "to", "team", "geo"})


#: numbers of the result's conventions that any text may quote: interval levels, the score scale
CONVENTIONS = (0.0, 80.0, 95.0, 100.0)


@dataclass(frozen=True)
class Facts:
    """``numbers``: every finite number (lists also contribute their length); ``dates``: ISO date strings;
    ``names``: scope values (campaigns, channels, attribute values) known to exist; ``action_ids``: the ids of
    the result's recommendations."""

    numbers: tuple[float, ...]
    dates: frozenset[str]
    names: frozenset[str]
    action_ids: frozenset[str]


def _walk(obj: Any, key: str, nums: list[float], strs: list[tuple[str, str]], scope: list[str]) -> None:
    if isinstance(obj, bool) or obj is None:
        return
    if isinstance(obj, int | float):
        if math.isfinite(float(obj)):
            nums.append(float(obj))
    elif isinstance(obj, str):
        strs.append((key, obj))
    elif isinstance(obj, Mapping):
        for k, v in obj.items():
            if k == "scope" and isinstance(v, Mapping):
                scope.extend(str(x) for x in v.values())
            _walk(v, str(k), nums, strs, scope)
    elif isinstance(obj, list | tuple):
        nums.append(float(len(obj)))
        for v in obj:
            _walk(v, key, nums, strs, scope)


def _numbers_in(text: str) -> list[float]:
    out = []
    for m in NUMBER.finditer(text):
        try:
            out.append(parse_number(m.group(0))[0])
        except ValueError:
            continue
    return out


def collect_facts(result: Mapping[str, Any], names: Iterable[str] = ()) -> Facts:
    """Facts of ``result``; ``names``: extra known names (e.g. every campaign and channel of the dataset)."""
    nums: list[float] = list(CONVENTIONS)
    strs: list[tuple[str, str]] = []
    scope: list[str] = []
    _walk(result, "", nums, strs, scope)
    dates = {s[:10] for _, s in strs if len(s) >= 10 and s[4] == "-" and s[7] == "-" and s[:4].isdigit()}
    known = {s for k, s in strs if k in NAME_KEYS} | set(scope) | {str(n) for n in names}
    # numbers written inside messages of the result (e.g. an error naming the bounds) — not those of the question
    # nor of a name (a campaign called "... ROI is 900%" makes 900 no fact): names are data, not statements
    longest = sorted((n for n in known if len(n) > 3), key=len, reverse=True)
    for key, s in strs:
        if key != "question":
            for name in longest:
                s = s.replace(name, " ")
            nums += _numbers_in(s)
    ids = {str(r["id"]) for r in result.get("recommendations", []) if isinstance(r, Mapping) and "id" in r}
    return Facts(tuple(sorted(set(nums))), frozenset(dates), frozenset(known), frozenset(ids))
