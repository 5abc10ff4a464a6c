"""The deterministic intent router: a question in English or Russian → the analyses to run, with parameters
read from the question (scope, budget amount, horizon). Keyword/regex rules, first match wins per analysis."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

ANALYSES = ("diagnose", "scorecard", "kpis", "clv", "returns", "forecast", "optimize")

RULES: dict[str, re.Pattern[str]] = {
    "diagnose": re.compile(
        r"\bwhy\b|\bmiss|wrong|under-?perform|\bproblem|diagnos|what happened|drop|fell|fall|"
        r"почему|не выполн|не достиг|провал|проблем|диагност|что случилось|упал|падени|просел",
        re.I,
    ),
    "scorecard": re.compile(
        r"how are we doing|how (is|are) (the )?(department|team|we)|scorecard|overall|against (our )?(kpis?|targets?)|"
        r"\bteam\b|research|creativ|collaborat|как (у нас )?дела|как мы|как работает|систем\w* kpi|итог|"
        r"команд|исследован|креатив|сотруднич|отдел",
        re.I,
    ),
    "forecast": re.compile(
        r"what if|if we spend|forecast|predict|expect|next (month|quarter|week)|что будет|если (мы )?(потрат|вложим)|"
        r"прогноз|ожида",
        re.I,
    ),
    "optimize": re.compile(
        r"best split|optimi[sz]|allocat|how (should|do) we split|distribut|best (budget|mix)|"
        r"оптимал|распредел|как (лучше )?(разделить|поделить)|лучш\w* (сплит|микс)",
        re.I,
    ),
    "kpis": re.compile(r"\bkpis?\b|\broi\b|\broas\b|\bctr\b|\bcpa\b|\bcpc\b|conversion rate|метрик|показател|конверси", re.I),
    "clv": re.compile(
        r"\bclv\b|\bltv\b|lifetime|\bcac\b|retention|repeat|csat|\bnps\b|satisf|customer|"
        r"пожизненн|удержан|повторн|удовлетвор|лояльн|клиент",
        re.I,
    ),
    "returns": re.compile(
        r"marginal|saturat|where (to|should we) (spend|invest)|budget|spend more|диминиш|предельн|насыщ|бюджет|"
        r"куда (вложить|тратить)",
        re.I,
    ),
}
AMOUNT = re.compile(r"(\d[\d\s,.]*\d|\d)\s*(k|m|тыс\.?|млн)?(?![\w%])", re.I)
MULT = {"k": 1e3, "m": 1e6, "тыс": 1e3, "тыс.": 1e3, "млн": 1e6}
HORIZON = {
    "quarter": re.compile(r"quarter|квартал", re.I),
    "month": re.compile(r"month|месяц", re.I),
    "week": re.compile(r"week|недел", re.I),
}
LAST_MONTH = re.compile(r"last month|previous month|прошл\w* месяц", re.I)


@dataclass(frozen=True)
class Intent:
    """One analysis to run with its parameters (JSON-safe)."""

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)


def find_scope(question: str, names: Mapping[str, Iterable[str]]) -> dict[str, str] | None:
    """The longest known value (campaign id, channel, ...) that occurs in the question as a whole word,
    case-insensitively; ``names``: column → values."""
    q = question.casefold()
    best: tuple[int, str, str] | None = None
    for col, values in names.items():
        for v in values:
            s = str(v)
            hit = bool(s) and re.search(r"(?<!\w)" + re.escape(s.casefold()) + r"(?!\w)", q) is not None
            if hit and (best is None or len(s) > best[0]):
                best = (len(s), col, s)
    return {best[1]: best[2]} if best else None


def find_amount(question: str) -> float | None:
    """The largest money-like amount in the question (``150k``, ``1.2m``, ``150 000``, ``150,000``)."""
    out = []
    for m in AMOUNT.finditer(question):
        raw, mult = m.group(1), (m.group(2) or "").lower()
        if re.fullmatch(r"(19|20)\d\d", raw) or re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", raw):
            continue
        digits = raw.replace(" ", "")
        if "," in digits and "." not in digits and len(digits.rsplit(",", 1)[1]) != 3:
            digits = digits.replace(",", ".")
        digits = digits.replace(",", "")
        try:
            out.append(float(digits) * MULT.get(mult, 1.0))
        except ValueError:
            continue
    big = [x for x in out if x >= 100]
    return max(big) if big else None


def find_horizon(question: str) -> str:
    for name, pat in HORIZON.items():
        if pat.search(question):
            return name
    return "month"


def route(question: str, names: Mapping[str, Iterable[str]] | None = None, scope: Mapping[str, str] | None = None) -> list[Intent]:
    """Analyses for ``question``, in a stable order. A named campaign/channel (or ``scope``) with a
    "why"-type question runs ``diagnose``; budget questions also run ``returns``; nothing recognised runs the
    overview (``scorecard`` + ``returns``)."""
    found = dict(scope) if scope else find_scope(question, names or {})
    hits = {name for name, pat in RULES.items() if pat.search(question)}
    if found and not hits & {"forecast", "optimize", "clv", "kpis", "scorecard"}:
        hits.add("diagnose")
    if "diagnose" in hits and not found:
        hits.discard("diagnose")
        hits |= {"scorecard", "returns"}
    if "optimize" in hits:
        hits.discard("forecast")  # the optimiser's result carries the forecast of its allocation
    if hits & {"optimize", "forecast", "scorecard", "diagnose", "kpis"}:
        hits.add("returns")
    if not hits:
        hits = {"scorecard", "returns"}
    amount, horizon = find_amount(question), find_horizon(question)
    out = []
    for name in ANALYSES:
        if name not in hits:
            continue
        params: dict[str, Any] = {}
        if name == "diagnose" and found:
            params = {"scope": found, "period": "last_month" if LAST_MONTH.search(question) else "last_90_days"}
        elif name in ("kpis", "clv") and found and "channel" in found:
            params = {"scope": found}
        elif name in ("forecast", "optimize"):
            params = {"horizon": horizon}
            if amount is not None:
                params["budget"] = amount
        out.append(Intent(name, params))
    return out
