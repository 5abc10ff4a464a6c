"""The narrative verifier: every number in a text must match a fact of the structured result (same rounding
as written, or within 1 %), every date must be a date of the result, every campaign or channel it names must
exist, and it may not recommend budget moves the result does not contain.

Numbers are read in English (``87,552.5``) and Russian (``87 552,5``) notation; ``43%`` matches a fact 0.43
(a fraction) or 43 (points); signs are ignored (``fell 43%`` quotes a change of −0.43).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from advisor.narrative.facts import Facts
from advisor.narrative.numbers import NUMBER, parse_number

DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
PERIOD = re.compile(r"\b\d{4}-(?:\d{2}|Q[1-4]|W\d{2})\b")
IDENT = re.compile(r"\b[A-Za-z][A-Za-z]*[-_][A-Za-z0-9_-]*\d[A-Za-z0-9_-]*\b")
NAMED = re.compile(
    r"(?:campaign|channel|кампани[яиюей]|канал[аеу]?)\s+[\"«“']([^\"»”']{1,120})[\"»”']", re.IGNORECASE
)
#: budget instructions the result must back with a budget action
BUDGET_PHRASE = re.compile(
    r"\b(doubl\w*|tripl\w*|twice|удво\w*|утро\w*|(?:increase|raise|boost|cut|halve|увелич\w*|сократ\w*)"
    r"\s+(?:the\s+|its\s+)?(?:budget|spend)|(?:бюджет\w*)\s+(?:увелич\w*|удво\w*))",
    re.IGNORECASE,
)
BUDGET_ACTIONS = frozenset({"move_budget", "scale_back_spend", "cut_saturated_spend"})


@dataclass(frozen=True)
class Verification:
    """``ok`` when ``complaints`` is empty; each complaint names the offending token."""

    ok: bool
    complaints: tuple[str, ...]

    def message(self) -> str:
        return "; ".join(self.complaints)


def number_matches(value: float, decimals: int, pct: bool, facts: Sequence[float]) -> bool:
    """True when a fact (or, for a percentage, 100 × a fact) equals ``value`` at the written rounding or
    within 1 %. Signs are ignored."""
    v = abs(value)
    for f in facts:
        for cand in (abs(f) * 100.0, abs(f)) if pct else (abs(f),):
            if round(cand, decimals) == round(v, decimals) or abs(cand - v) <= 0.01 * abs(cand):
                return True
    return False


def verify(text: str, facts: Facts, action_ids: Sequence[str] = ()) -> Verification:
    """Check ``text`` against ``facts``; ``action_ids``: actions the narrative claims to recommend."""
    complaints: list[str] = []
    for d in DATE.findall(text):
        if d not in facts.dates:
            complaints.append(f"date {d} is not in the result")
    rest = PERIOD.sub(" ", DATE.sub(" ", text))
    for m in NAMED.finditer(rest):
        if m.group(1).strip() not in facts.names:
            complaints.append(f"name {m.group(1)!r} is not a campaign or channel of the result")
    for tok in IDENT.findall(rest):
        if tok not in facts.names:
            complaints.append(f"name {tok!r} is not a campaign or channel of the result")
    rest = NAMED.sub(" ", rest)
    rest = IDENT.sub(" ", rest).replace("..", " .. ")  # ranges "a..b": check both ends
    for m in NUMBER.finditer(rest):
        token = m.group(0)
        value, dec, pct = parse_number(token)
        ok = number_matches(value, dec, pct, facts.numbers)
        if not ok and re.fullmatch(r"[-+−]?\d{1,3},\d{3}\s?%?", token.strip()):
            # "1,900": thousands in English, a decimal comma in Russian — either reading may be meant
            ok = number_matches(value / 1000.0, 3, pct, facts.numbers)
        if not ok:
            complaints.append(f"number {m.group(0).strip()} is not in the result")
    for a in action_ids:
        if a not in facts.action_ids:
            complaints.append(f"action {a!r} is not among the result's recommendations")
    # names are data: a campaign called "... doubling the budget" quoted as a name is not an instruction
    unnamed = text
    for name in sorted(facts.names, key=len, reverse=True):
        if len(name) > 3:
            unnamed = unnamed.replace(name, " ")
    for m in BUDGET_PHRASE.finditer(unnamed):
        word = m.group(0).lower()
        if word.startswith(("doubl", "tripl", "twice", "удво", "утро")) or not (facts.action_ids & BUDGET_ACTIONS):
            complaints.append(f"budget instruction {m.group(0)!r} is not an action of the result")
    return Verification(not complaints, tuple(dict.fromkeys(complaints)))
