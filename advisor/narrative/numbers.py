"""Numbers as written in a narrative, in English (``87,552.5``) or Russian (``87 552,5``) notation: the token
pattern and its parser, shared by the fact collector and the verifier."""

from __future__ import annotations

import re

NUMBER = re.compile(
    r"(?<![\w.,])[-+−]?(?:\d{1,3}(?:(?:,|[ \u00a0\u202f])\d{3})+|\d+)(?:[.,]\d+)?(?:\s?%)?(?![\w])"
)


def parse_number(token: str) -> tuple[float, int, bool]:
    """``(value, decimals written, is_percent)`` of a number token in English or Russian notation."""
    t = token.strip().replace("−", "-").replace("\u00a0", " ").replace("\u202f", " ")
    pct = t.endswith("%")
    t = t.rstrip("%").strip().replace(" ", "")
    if "," in t and "." in t:
        t = t.replace(",", "")
    elif "," in t:
        head, _, tail = t.rpartition(",")
        thousands = len(tail) == 3 and re.fullmatch(r"[+-]?\d{1,3}(?:,\d{3})*", head) is not None
        t = t.replace(",", "") if thousands else head.replace(",", "") + "." + tail
    decimals = len(t.split(".")[1]) if "." in t else 0
    return float(t), decimals, pct


__all__ = ["NUMBER", "parse_number"]
