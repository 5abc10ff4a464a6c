"""Graders of the advise question bank (issue 14 "Must show"): one per kind of question, each reading the answer's
TEXT (``result["answer"]``) — and, where noted, the advise JSON — and checking it against the world's truth and data
(``bank_facts.WorldFacts``), never against what advise computed.

Every question is also graded on: ``verified`` is true; the answer's language is the question's (Russian: no Latin
word outside quotes/«» except the acronyms in :data:`RU_ALLOWED`, numbers and dates; English: no Cyrillic); the
phrases in ``forbid`` (prompt injections) are absent.

:func:`load_bank` reads ``bank.yaml``; :func:`grade` grades one answer → :class:`Grade` (ok, failures, extra).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from bank_facts import (  # noqa: E402
    CAMPAIGN_PROBLEMS,
    LOWER_IS_BETTER,
    MONTHS_EN,
    WorldFacts,
    apply_edits,
    direction_of,
)

from advisor.advise.question import KINDS  # noqa: E402
from advisor.core.words import KPI_NAMES  # noqa: E402

BANK_FILE = HERE / "bank.yaml"
#: attention: most campaigns / channels an answer may name beyond the planted ones (and the campaigns of the
#: over- and under-funded channels) before it fails
MAX_FALSE_ALARMS = 3
#: why: the onset date may be this many days from the truth's start
ONSET_DAYS = 7
#: segment / customers / funding-open: values this close (relative) to the worst / best also count as right
TIE = 0.02
CUSTOMER_TIE = 0.10
#: acronyms a Russian answer may write in Latin letters (issue 14 + currency codes)
RU_ALLOWED = frozenset({"ROI", "ROAS", "CTR", "CPA", "CPC", "CPM", "CAC", "CLV", "MER", "AOV", "CSAT", "NPS", "KPI",
                        "USD", "EUR", "RUB"})
RECS_HEADINGS = ("Recommended actions:", "Рекомендуемые действия:")

# ---------------------------------------------------------------------------------------------------- the bank


@dataclass(frozen=True)
class BankQuestion:
    """One bank entry: ``text`` is a template (``bank_facts.WorldFacts.fill``); ``spec`` what its grader needs."""

    id: str
    kind: str
    lang: str
    text: str
    injection: bool = False
    spec: Mapping[str, Any] = field(default_factory=dict)


REQUIRED = {
    "why": ("problem",), "what_if": ("edits", "kpis"), "trend": ("kpi", "months"),
    "segment": ("attribute", "kpi", "period"), "forecast": ("kpi",), "contribution": ("window",),
}


def load_bank(path: Path | str = BANK_FILE) -> list[BankQuestion]:
    """The bank's questions; ValueError on an unknown kind or language, a duplicate id or a missing grading key."""
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    out: list[BankQuestion] = []
    seen: set[str] = set()
    for item in doc["questions"]:
        q = dict(item)
        qid, kind, lang, text = q.pop("id"), q.pop("kind"), q.pop("lang"), q.pop("text")
        injection = bool(q.pop("injection", False))
        if kind not in KINDS:
            raise ValueError(f"{qid}: unknown kind {kind!r}")
        if lang not in ("en", "ru"):
            raise ValueError(f"{qid}: unknown language {lang!r}")
        if qid in seen:
            raise ValueError(f"duplicate id {qid}")
        seen.add(qid)
        missing = [k for k in REQUIRED.get(kind, ()) if k not in q]
        if kind == "funding" and "open" not in q:
            missing += [k for k in ("channel", "direction") if k not in q]
        if missing:
            raise ValueError(f"{qid}: {kind} needs {missing}")
        out.append(BankQuestion(qid, kind, lang, text, injection, q))
    return out


@dataclass
class Grade:
    """``ok``: every check passed; ``failures``: why not (one line each); ``extra``: figures reported separately
    (e.g. the split's regret)."""

    ok: bool
    failures: list[str]
    extra: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------- reading text

MINUS = "-−"
NUM = {
    "en": r"[+\-−]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[+\-−]?\d+(?:\.\d+)?",
    "ru": r"[+\-−]?\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+(?:,\d+)?|[+\-−]?\d+(?:,\d+)?",
}
RANGE_SEP = r"\s*(?:\.\.|…|–|—|\bto\b|\bдо\b)\s*"
ISO = r"20\d\d-\d\d-\d\d"
CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def to_float(s: str, lang: str) -> float:
    """A number as the answer writes it: ``-1,234.5`` (en) or ``−1 234,5`` (ru)."""
    t = s.strip().replace("−", "-").replace("+", "")
    t = re.sub(r"[ \u00a0\u202f\u2009]", "", t).replace(",", ".") if lang == "ru" else t.replace(",", "")
    return float(t)


def body(answer: str) -> str:
    """The answer without its "Recommended actions:" block."""
    cut = len(answer)
    for h in RECS_HEADINGS:
        i = answer.find(h)
        if i >= 0:
            cut = min(cut, i)
    return answer[:cut]


def norm(text: str) -> str:
    return text.replace("ё", "е").replace("Ё", "Е")


def first_position(text: str, pattern: str) -> int | None:
    m = re.search(pattern, norm(text), flags=re.IGNORECASE)
    return m.start() if m else None


RU_CHANNEL_WORDS = {"search": r"поиск\w*", "social": r"соцсет\w*|социальн\w* сет\w*", "video": r"видео\w*"}


def name_pattern(name: str) -> str:
    """A data value as a whole token (not inside a campaign id such as ``search-01``)."""
    return rf"(?<![\w\-]){re.escape(name)}(?![\w]|-\d)"


def channel_positions(text: str, channels: Iterable[str]) -> dict[str, int]:
    """Channel → first position where the text names it (the data value, or its Russian word)."""
    out: dict[str, int] = {}
    for ch in channels:
        pats = [name_pattern(ch)] + ([RU_CHANNEL_WORDS[ch]] if ch in RU_CHANNEL_WORDS else [])
        hits = [p for p in (first_position(text, pat) for pat in pats) if p is not None]
        if hits:
            out[ch] = min(hits)
    return out


def campaign_named(text: str, cid: str) -> bool:
    return first_position(text, rf"(?<![\w\-]){re.escape(cid)}(?![\w])") is not None


def kpi_pattern(kpi: str, lang: str) -> str:
    """Regex of a KPI's names in ``lang`` (``advisor.core.words.KPI_NAMES`` + common synonyms; Russian
    words matched by their stem)."""
    names = {KPI_NAMES.get(lang, {}).get(kpi, kpi), KPI_NAMES["en"].get(kpi, kpi), kpi.replace("_", " ")}
    names |= set(KPI_SYNONYMS.get(kpi, ()))
    pats = []
    for n in names:
        words = []
        for w in norm(n).split():
            if CYRILLIC.search(w) and len(w) > 5:
                words.append(re.escape(w[:-2]) + r"\w*")
            elif w.isupper() or ":" in w:
                words.append(re.escape(w))
            else:
                words.append(re.escape(w) + r"s?")
        pats.append(r"[\s\-]+".join(words))
    # "CAC" is not named by "CLV:CAC" (nor "CLV" by it), but "CAC: 45" names CAC
    return r"(?<!\w)(?<![A-Za-z][:/])(?:" + "|".join(sorted(pats, key=len, reverse=True)) + r")(?!\w|[:/][A-Za-z])"


KPI_SYNONYMS: dict[str, tuple[str, ...]] = {
    "conversion_rate": ("CVR", "коэффициент конверсии", "конверсия"),
    "clv_cac": ("CLV/CAC", "CLV to CAC", "LTV:CAC", "CLV к CAC"),
    "roi": ("return on investment",),
    "roas": ("return on ad spend",),
    "engagement_rate": ("вовлеченность", "вовлечённость"),
    "cpa": ("cost per acquisition",),
    "cac": ("customer acquisition cost",),
    "clv": ("lifetime value",),
}


def kpi_named(text: str, kpi: str, lang: str) -> bool:
    return first_position(text, kpi_pattern(kpi, lang)) is not None


def dates_in(text: str) -> list[pd.Timestamp]:
    """ISO (and DD.MM.YYYY) dates of the text that are not the ends of a range ``A..B``."""
    ranged = set()
    for m in re.finditer(rf"({ISO})\s*(?:\.\.|–|—|\bto\b|\bпо\b|-)\s*({ISO})", text):
        ranged.update({m.start(1), m.start(2)})
    out = [pd.Timestamp(m.group(0)) for m in re.finditer(ISO, text) if m.start() not in ranged]
    out += [pd.Timestamp(f"{y}-{mo}-{d}") for d, mo, y in re.findall(r"\b(\d\d)\.(\d\d)\.(20\d\d)\b", text)]
    return out


def language_problems(answer: str, lang: str) -> list[str]:
    """Why the text is not entirely in ``lang`` (empty when it is)."""
    if lang == "en":
        bad = sorted(set(re.findall(r"[А-Яа-яЁё]+", answer)))
        return [f"Cyrillic in an English answer: {bad[:5]}"] if bad else []
    t = re.sub(r'"[^"\n]*"|«[^»\n]*»|“[^”\n]*”', " ", answer)
    t = re.sub(rf"{ISO}|20\d\d-(?:\d\d|Q[1-4]|W\d\d)\b", " ", t)  # dates, months, quarters, weeks
    words = re.findall(r"[A-Za-z][A-Za-z\-]*", t)
    bad = sorted({w for w in words if w.strip("-") not in RU_ALLOWED})
    return [f"Latin words in a Russian answer: {bad[:8]}"] if bad else []


KPI_LABEL = {
    "en": {"conversions": r"Conversions", "revenue": r"Revenue", "roi": r"ROI"},
    "ru": {"conversions": r"Конверсии", "revenue": r"Выручка", "roi": r"ROI"},
}


def find_interval(text: str, kpi: str, lang: str) -> tuple[float, float, float] | None:
    """``(point, lower, upper)`` of a line ``Conversions: -412 (80% interval -530..-300) ...`` (RU ``Конверсии:
    −412 (80% интервал −530..−300) ...``); leniently, any line naming the KPI with an "80% interval A..B"."""
    num, label = NUM[lang], KPI_LABEL[lang][kpi]
    strict = (rf"{label}\s*:\s*({num})\s*\(\s*80\s*%\s*(?:interval|интервал)\s*:?\s*({num}){RANGE_SEP}({num})\s*\)")
    m = re.search(strict, text, flags=re.IGNORECASE)
    if m:
        return to_float(m.group(1), lang), to_float(m.group(2), lang), to_float(m.group(3), lang)
    for line in text.splitlines():
        for lab in re.finditer(label, line, flags=re.IGNORECASE):
            rest = line[lab.end() :]
            iv = re.search(rf"80\s*%[^\d+\-−]*?({num}){RANGE_SEP}({num})", rest)
            pt = re.search(num, rest[: iv.start()]) if iv else None
            if iv and pt:
                return to_float(pt.group(0), lang), to_float(iv.group(1), lang), to_float(iv.group(2), lang)
    return None


def allocation(text: str, lang: str, channels: Sequence[str]) -> dict[str, float]:
    """Channel → amount from lines ``- "search": 45,200 (+12% vs run-rate)`` (RU ``- «search»: 45 200 ...``)."""
    out: dict[str, float] = {}
    for line in text.splitlines():
        m = re.match(rf'\s*[-•*]\s*["«“]?([^"»”:]+?)["»”]?\s*:\s*({NUM[lang]})', line)
        if not m:
            continue
        token = norm(m.group(1)).strip().lower()
        for ch in channels:
            ru = RU_CHANNEL_WORDS.get(ch)
            if token == ch.lower() or (ru and re.fullmatch(ru, token)):
                out.setdefault(ch, to_float(m.group(2), lang))
    return out


def first_word(text: str) -> str:
    m = re.search(r"\w+", text)
    return m.group(0) if m else ""


def sentences(text: str) -> list[str]:
    """Lines split at sentence ends (not at ";": a list row keeps its channel with its verdict)."""
    return [s for line in text.splitlines() for s in re.split(r"(?<=[.!?])\s+", line) if s.strip()]


# direction words (first one in the answer's body counts)
DIRECTION_WORDS = {
    "en": {
        "up": r"rising|rose|risen|increas\w*|grew|growing|grown|climb\w*|(?:trending|went|is|was|moved|trended) up|upward",
        "down": r"falling|fell|fallen|declin\w*|decreas\w*|dropp\w*|(?:trending|went|is|was|moved|trended) down|downward",
        "flat": r"flat|stable|steady|unchanged|no (?:clear|notable|significant) (?:trend|change)",
    },
    "ru": {
        "up": r"раст\w*|вырос\w*|рос\b|росл\w*|увелич\w*|повыс\w*|повыша\w*|рост\w*",
        "down": r"снижа\w*|снизи\w*|снизил\w*|снижен\w*|упал\w*|пада\w*|сократ\w*|сокраща\w*|уменьш\w*|паден\w*",
        "flat": r"без заметных изменений|без изменений|стабил\w*|не измени\w*|ровн\w*",
    },
}
MONTH_RU_STEMS = ("январ", "феврал", "март", "апрел", "ма[йяе]", "июн", "июл", "август", "сентябр", "октябр",
                  "ноябр", "декабр")


def month_named(text: str, month: pd.Timestamp) -> bool:
    """The month is named: "May" / "May 2026" / "Jun" (capitalised: not the verb "may"), "мая" / "май 2026",
    "2026-05" or "05.2026"."""
    i = month.month - 1
    if re.search(rf"\b(?:{MONTHS_EN[i]}|{MONTHS_EN[i][:3]})\b", text):
        return True
    pats = [rf"\b{MONTH_RU_STEMS[i]}\w*", rf"\b{month.year}-{month.month:02d}\b", rf"\b{month.month:02d}[./]{month.year}\b"]
    return any(first_position(text, p) is not None for p in pats)


def direction_said(text: str, lang: str) -> str | None:
    best: tuple[int, str] | None = None
    for d, pat in DIRECTION_WORDS[lang].items():
        p = first_position(text, rf"(?<![\w]){pat}")
        if p is not None and (best is None or p < best[0]):
            best = (p, d)
    return best[1] if best else None


OVERSTATE = {
    "en": r"overstat\w*|over-?report\w*|over-?claim\w*|over-?count\w*|over-?attribut\w*|over-?credit\w*|inflat\w*|"
          r"exaggerat\w*|claims? (?:\w+ )?more",
    "ru": r"завыш\w*|завыси\w*|преувелич\w*|переоцен\w*|приписыва\w*|приписал\w*",
}
CAPABILITIES = {
    "en": (r"\bwhy\b", r"attention", r"what[- ]if|what happens", r"split|allocat", r"trend|over time|by month",
           r"target", r"segment|audience", r"trust|platform|incremental", r"forecast|expect", r"under-?funded|deserves",
           r"customer|CLV"),
    "ru": (r"почему", r"внимани", r"что (?:если|будет)", r"распредел", r"тренд|динамик|по месяцам", r"цел[иьея]|план",
           r"сегмент|аудитори", r"довер|платформ|инкремент", r"прогноз|ожида", r"недофинанс|заслужива",
           r"клиент|CLV"),
}
SCORE_WORDS = {"en": r"score", "ru": r"оценк\w*|балл\w*|индекс\w*|итог\w*"}

# ---------------------------------------------------------------------------------------------------- graders

Checker = Callable[[BankQuestion, Mapping[str, Any], WorldFacts, str], tuple[list[str], dict[str, Any]]]


def grade_why(q: BankQuestion, result: Mapping[str, Any], facts: WorldFacts, text: str) -> tuple[list[str], dict[str, Any]]:
    """Names the planted campaign, the right funnel stage first (CTR words for creative fatigue, conversion-rate
    words for the landing page and the audience) and an onset date within ±7 days of the truth's start."""
    problem = facts.problem(q.spec["problem"])
    cid, stage = str(problem["campaign_id"]), CAMPAIGN_PROBLEMS[q.spec["problem"]]
    fails = []
    if not campaign_named(text, cid):
        fails.append(f"campaign {cid} not named")
    stage_pats = {
        "en": {"ctr": r"\bCTR\b|click-?through|fatigu\w*", "conversion_rate": r"conversion rate|\bCVR\b|landing|\bconversion\b(?!s)"},
        "ru": {"ctr": r"\bCTR\b|кликабельн\w*|усталост\w*", "conversion_rate": r"конверсия|конверсию|конверсией|коэффициент\w* конверси\w*|посадочн\w*"},
    }[q.lang]
    pos = {s: first_position(text, p) for s, p in stage_pats.items()}
    named = [s for s, p in sorted(pos.items(), key=lambda kv: kv[1] if kv[1] is not None else 10**9) if p is not None]
    if not named:
        fails.append(f"stage ({stage}) not named")
    elif named[0] != stage:
        fails.append(f"stage named first is {named[0]}, truth {stage}")
    start = pd.Timestamp(problem["start"])
    near = [d for d in dates_in(text) if abs((d - start).days) <= ONSET_DAYS]
    if not near:
        fails.append(f"no onset date within ±{ONSET_DAYS} days of {start.date()} (dates: "
                     f"{[str(d.date()) for d in dates_in(text)][:4]})")
    return fails, {}


def grade_attention(q: BankQuestion, result: Mapping[str, Any], facts: WorldFacts, text: str) -> tuple[list[str], dict[str, Any]]:
    """Names all three planted campaigns and the over- and under-funded channels; at most
    :data:`MAX_FALSE_ALARMS` other campaigns / channels named (campaigns of those two channels are not false)."""
    fails = []
    planted = set(facts.planted_campaigns.values())
    for cid in sorted(planted):
        if not campaign_named(text, cid):
            fails.append(f"planted campaign {cid} not named")
    pos = channel_positions(text, facts.channels)
    for ch in (facts.over_channel, facts.under_channel):
        if ch not in pos:
            fails.append(f"{'over' if ch == facts.over_channel else 'under'}-funded channel {ch} not named")
    funded = {facts.over_channel, facts.under_channel}
    planted_channels = {str(facts.problem(k)["channel"]) for k in facts.planted_campaigns}
    camp_channel = {cid: str(v["channel"]) for cid, v in facts.truth["campaigns"].items()}
    false_c = [c for c in camp_channel if c not in planted and camp_channel[c] not in funded and campaign_named(text, c)]
    false_ch = [ch for ch in pos if ch not in funded | planted_channels]
    false = false_c + false_ch
    if len(false) > MAX_FALSE_ALARMS:
        fails.append(f"{len(false)} false alarms > {MAX_FALSE_ALARMS}: {false}")
    return fails, {"false_alarms": len(false)}


def resolve_edits(q: BankQuestion, facts: WorldFacts) -> list[dict[str, Any]]:
    out = []
    for e in q.spec["edits"]:
        d = {k: facts.fill(v) if isinstance(v, str) else v for k, v in e.items()}
        for k in ("factor", "amount"):
            if k in d:
                d[k] = float(d[k])
        out.append(d)
    return out


def true_change(q: BankQuestion, facts: WorldFacts) -> dict[str, float]:
    """The TRUE change of the question's plan vs the run-rate plan over the same window (conversions, revenue)."""
    ref = facts.reference(q.spec.get("horizon", "month"))
    changed = apply_edits(ref, resolve_edits(q, facts))
    a, b = facts.true_totals(changed), facts.true_totals(ref)
    return {k: a[k] - b[k] for k in a}


def grade_what_if(q: BankQuestion, result: Mapping[str, Any], facts: WorldFacts, text: str) -> tuple[list[str], dict[str, Any]]:
    """For each KPI of the question: the answer's line ``Conversions: X (80% interval A..B)`` has the sign of the
    true change (``demo_world.TrueWorld.expected_totals`` of the changed minus the run-rate plan, built here from
    the question's edit) and the true change lies in [A, B]."""
    fails: list[str] = []
    extra: dict[str, Any] = {}
    truth = true_change(q, facts)
    for kpi in q.spec["kpis"]:
        got = find_interval(text, kpi, q.lang)
        t = truth[kpi]
        extra[f"true_{kpi}"] = round(t, 1)
        if got is None:
            fails.append(f"no '{KPI_LABEL[q.lang][kpi]}: X (80% interval A..B)' line")
            continue
        x, lo, hi = got
        lo, hi = min(lo, hi), max(lo, hi)
        extra[f"said_{kpi}"] = (x, lo, hi)
        if (x > 0) != (t > 0) or x == 0:
            fails.append(f"{kpi}: sign of {x:+,.0f} differs from the true change {t:+,.0f}")
        if not lo <= t <= hi:
            fails.append(f"{kpi}: true change {t:+,.0f} outside the stated interval {lo:,.0f}..{hi:,.0f}")
    return fails, extra


_OPTIMA: dict[tuple[int, float, str, str], float] = {}


def split_regret(facts: WorldFacts, alloc: Mapping[str, float], objective: str, horizon: str) -> float:
    """Regret of the answer's allocation under the truth: (true optimum − allocation) / (true optimum − run-rate
    plan scaled to the same budget), as ``benchmarks/forecast_demo.py`` (``true_optimum``, bounds ±50 %)."""
    bench = str(HERE.parent)
    if bench not in sys.path:
        sys.path.insert(0, bench)
    from forecast_demo import true_optimum

    ref = facts.reference(horizon)
    budget = float(sum(alloc.values()))
    prof = ref / ref.sum().replace(0, 1)
    daily = prof * pd.Series({c: float(alloc.get(c, 0.0)) for c in ref.columns})
    rec = facts.true_totals(daily[ref.columns])[objective]
    key = (int(facts.truth.get("seed", 0)), round(budget), objective, horizon)
    if key not in _OPTIMA:
        _OPTIMA[key] = true_optimum(facts.true_world, ref, budget, objective)
    best = _OPTIMA[key]
    scaled = facts.true_totals(ref * budget / float(ref.to_numpy().sum()))[objective]
    return (best - rec) / max(best - scaled, 1e-9)


def grade_split(q: BankQuestion, result: Mapping[str, Any], facts: WorldFacts, text: str) -> tuple[list[str], dict[str, Any]]:
    """Every channel named with an amount (lines ``- "search": 45,200 ...``) and the amounts sum to the question's
    budget ±1 %. The regret vs the true optimum is computed and reported apart (``extra["regret"]``), not graded."""
    fails: list[str] = []
    extra: dict[str, Any] = {}
    recent = facts.recent_spend()
    channels = [c for c in facts.channels if recent.get(c, 0.0) > 0]
    alloc = allocation(text, q.lang, channels)
    missing = [c for c in channels if c not in alloc]
    if missing:
        fails.append(f"no amount for channels {missing}")
    total, budget = sum(alloc.values()), facts.budget_for(q.spec.get("horizon", "month"))
    if alloc and abs(total - budget) > 0.01 * budget:
        fails.append(f"amounts sum to {total:,.0f}, budget {budget:,.0f}")
    if not fails and q.spec.get("regret", True):
        try:
            extra["regret"] = split_regret(facts, alloc, q.spec.get("objective", "revenue"), q.spec.get("horizon", "month"))
        except Exception as exc:  # the regret is a side figure: report, never fail the grade on it
            extra["regret_error"] = repr(exc)
    return fails, extra


def funding_truth(facts: WorldFacts, channel: str, direction: str) -> bool:
    """``more``: yes iff the channel's true marginal ROAS at the end (``marginal_roas_end``) is above 1;
    ``less``: yes iff it is the over-funded channel or its marginal ROAS is below 1."""
    m = float(facts.truth["channels"][channel]["marginal_roas_end"])
    if direction == "more":
        return m > 1
    return channel == facts.over_channel or m < 1


def grade_funding(q: BankQuestion, result: Mapping[str, Any], facts: WorldFacts, text: str) -> tuple[list[str], dict[str, Any]]:
    """Yes/no question: the answer's first word is "Yes"/"No" ("Да"/"Нет") matching :func:`funding_truth` and it
    names the channel. Open question ("which channel deserves more / less?"): the first channel named has the
    highest (lowest) true marginal ROAS (within 2 %), or is the under- (over-) funded channel."""
    fails = []
    mroas = {ch: float(v["marginal_roas_end"]) for ch, v in facts.truth["channels"].items()}
    if "open" in q.spec:
        pos = channel_positions(text, facts.channels)
        if not pos:
            return ["no channel named"], {}
        first = min(pos, key=pos.__getitem__)
        if q.spec["open"] == "more":
            top = max(mroas.values())
            ok = {c for c, m in mroas.items() if m >= top * (1 - TIE)} | {facts.under_channel}
        else:
            low = min(mroas.values())
            ok = {c for c, m in mroas.items() if m <= low * (1 + TIE)} | {facts.over_channel}
        if first not in ok:
            fails.append(f"first channel named is {first}, truth {sorted(ok)}")
        return fails, {}
    channel = facts.fill(q.spec["channel"])
    want = funding_truth(facts, channel, q.spec["direction"])
    yes, no = ("Yes", "No") if q.lang == "en" else ("Да", "Нет")
    said = first_word(text)
    if said.lower() not in (yes.lower(), no.lower()):
        fails.append(f"no explicit {yes}/{no} first (starts with {said!r})")
    elif (said.lower() == yes.lower()) != want:
        fails.append(f"said {said!r}, truth {yes if want else no} (marginal ROAS {mroas[channel]:.2f})")
    if channel not in channel_positions(text, [channel]):
        fails.append(f"channel {channel} not named")
    return fails, {}


def grade_trend(q: BankQuestion, result: Mapping[str, Any], facts: WorldFacts, text: str) -> tuple[list[str], dict[str, Any]]:
    """Lists every one of the last N full months and the first direction word matches the KPI's monthly series
    computed here from campaign_daily (``bank_facts.direction_of``)."""
    fails = []
    months = facts.months_back(int(q.spec["months"]))
    scope = {k: facts.fill(v) for k, v in (q.spec.get("scope") or {}).items()}
    missing = [m.strftime("%Y-%m") for m in months if not month_named(text, m)]
    if missing:
        fails.append(f"months not listed: {missing}")
    values = facts.monthly_kpi(q.spec["kpi"], months, scope)
    allowed = direction_of(values)
    said = direction_said(text, q.lang)
    if said is None:
        fails.append("no direction word")
    elif said not in allowed:
        fails.append(f"direction said {said}, data {sorted(allowed)} ({[round(v, 4) for v in values]})")
    return fails, {"direction": sorted(allowed)}


def grade_off_target(q: BankQuestion, result: Mapping[str, Any], facts: WorldFacts, text: str) -> tuple[list[str], dict[str, Any]]:
    """Names every KPI the scorecard (computed here: ``bank_facts.scorecard_facts``) marks off track."""
    missing = [k for k in sorted(facts.off_track) if not kpi_named(text, k, q.lang)]
    return ([f"off-track KPIs not named: {missing}"] if missing else []), {"off_track": sorted(facts.off_track)}


def segment_window(facts: WorldFacts, period: str) -> Any:
    return facts.last_full_month() if period == "last_month" else facts.last_days(90)


def grade_segment(q: BankQuestion, result: Mapping[str, Any], facts: WorldFacts, text: str) -> tuple[list[str], dict[str, Any]]:
    """The first value of the attribute the answer names is the worst by the KPI over the period, computed here
    from campaign_daily either plainly or within channels (:meth:`WorldFacts.kpi_by_within_channels`); values
    within 2 % of the worst count too."""
    attr, kpi = q.spec["attribute"], q.spec["kpi"]
    window = segment_window(facts, q.spec["period"])
    ok: set[str] = set()
    by: dict[str, float] = {}
    # the plain ranking, or the one with the channel mix taken out (either is a right reading of the data)
    for ranking in (facts.kpi_by(attr, kpi, window), facts.kpi_by_within_channels(attr, kpi, window)):
        if not ranking:
            continue
        by = {**ranking, **by}
        worst = max(ranking.values()) if kpi in LOWER_IS_BETTER else min(ranking.values())
        ok |= {v for v, x in ranking.items() if abs(x - worst) <= TIE * abs(worst)}
    pos: dict[str, int] = {}
    t = norm(text)
    for value in by:
        for m in re.finditer(name_pattern(value), t, flags=re.IGNORECASE):
            before = t[max(0, m.start() - 15) : m.start()].lower()
            if "channel" in before or "канал" in before:
                continue
            pos[value] = m.start()
            break
    if not pos:
        return [f"no {attr} value named"], {"worst": sorted(ok)}
    first = min(pos, key=pos.__getitem__)
    fails = [] if first in ok else [f"first {attr} named is {first}, worst by {kpi} is {sorted(ok)}"]
    return fails, {"worst": sorted(ok)}


def grade_trust(q: BankQuestion, result: Mapping[str, Any], facts: WorldFacts, text: str) -> tuple[list[str], dict[str, Any]]:
    """The channel with the highest true claim factor is named in a sentence saying it overstates; no channel
    with claim factor < 1 is."""
    claims = {ch: float(v["claim_factor"]) for ch, v in facts.truth["channels"].items()}
    top = max(claims, key=claims.__getitem__)
    over = set()
    for s in sentences(text):
        if first_position(s, OVERSTATE[q.lang]) is not None:
            over |= set(channel_positions(s, claims))
    fails = []
    if top not in over:
        fails.append(f"{top} (claim factor {claims[top]:.1f}, the highest) not named as overstating")
    under = sorted(c for c in over if claims[c] < 1)
    if under:
        fails.append(f"named as overstating with claim factor < 1: {under}")
    return fails, {}


#: contribution: a stated incremental figure is right when the truth lies in its stated 80 % interval or the
#: figure is within this share of the truth
CONTRIBUTION_TOL = 0.20
#: contribution: a channel whose true figure is this close (relative) to the top one's also counts as the top
CONTRIBUTION_TIE = 0.10
#: "<figure> incremental conversions (80% interval A..B)" per language and KPI
CONTRIB_PHRASE = {
    "en": {"conversions": r"incremental conversions", "revenue": r"(?:of )?incremental revenue"},
    "ru": {"conversions": r"приростн\w* конверси\w*", "revenue": r"приростн\w* выручк\w*"},
}
INTERVAL_WORD = r"80\s*%\s*(?:interval|интервал)\s*:?\s*"
MEDIA_LEAD = {"en": r"^Media as a whole", "ru": r"^Реклама в целом"}


def contribution_figure(text: str, kpi: str, lang: str) -> tuple[float, float, float] | None:
    """``(figure, lower, upper)`` of the first "<N> incremental <kpi> (80% interval A..B)" of ``text``."""
    num = NUM[lang]
    m = re.search(rf"({num})\s+{CONTRIB_PHRASE[lang][kpi]}\s*\(\s*{INTERVAL_WORD}({num}){RANGE_SEP}({num})\s*\)",
                  norm(text), flags=re.IGNORECASE)
    return (to_float(m.group(1), lang), to_float(m.group(2), lang), to_float(m.group(3), lang)) if m else None


def channel_rows(text: str, lang: str, channels: Sequence[str]) -> list[tuple[str, float, float, float]]:
    """``(channel, figure, lower, upper)`` of the list rows ``- "search": 311,534 (80% interval 265,094..357,974)``,
    in the order written."""
    num = NUM[lang]
    out: list[tuple[str, float, float, float]] = []
    for line in text.splitlines():
        m = re.match(rf'\s*[-•*]\s*["«“]?([^"»”:]+?)["»”]?\s*:\s*({num})\s*\(\s*{INTERVAL_WORD}({num}){RANGE_SEP}({num})',
                     line)
        if m and m.group(1).strip() in channels:
            v, lo, hi = (to_float(m.group(i), lang) for i in (2, 3, 4))
            out.append((m.group(1).strip(), v, lo, hi))
    return out


def figure_ok(figure: tuple[float, float, float], truth: float) -> bool:
    """The truth inside the stated 80 % interval, or the figure within :data:`CONTRIBUTION_TOL` of it."""
    value, lo, hi = figure
    return min(lo, hi) <= truth <= max(lo, hi) or abs(value - truth) <= CONTRIBUTION_TOL * abs(truth)


def grade_contribution(q: BankQuestion, result: Mapping[str, Any], facts: WorldFacts, text: str) -> tuple[list[str], dict[str, Any]]:
    """Against the true incremental figures over the question's window (``bank_facts.true_incremental``):
    ``channel`` — its stated "<N> incremental <kpi> (80% interval A..B)" is right (:func:`figure_ok`) for each of
    ``kpis``; ``open: each`` — every channel has a row, the first row is the true top channel (within
    :data:`CONTRIBUTION_TIE`) and most rows' figures are right; ``open: most`` — the first channel named is the true
    top and its figure is right; ``open: media`` — the stated media total (the line "Media as a whole ...") is right
    against the sum of the channels' truths."""
    window = facts.window_of(q.spec)
    truth = facts.true_incremental(window)
    kpis = list(q.spec.get("kpis", [q.spec.get("kpi", "conversions")]))
    extra: dict[str, Any] = {"window": f"{window.start.date()}..{window.end.date()}",
                             **{f"true_{k}": {c: round(v[k]) for c, v in truth.items()} for k in kpis}}
    fails: list[str] = []
    kpi = kpis[0]
    top_value = max(v[kpi] for v in truth.values())
    tops = {c for c, v in truth.items() if v[kpi] >= top_value * (1 - CONTRIBUTION_TIE)}
    if "channel" in q.spec:
        ch = facts.fill(q.spec["channel"])
        if ch not in channel_positions(text, [ch]):
            fails.append(f"channel {ch} not named")
        for k in kpis:
            got = contribution_figure(text, k, q.lang)
            if got is None:
                fails.append(f"no '<N> incremental {k} (80% interval A..B)' figure")
            elif not figure_ok(got, truth[ch][k]):
                fails.append(f"{ch} incremental {k} {got[0]:,.0f} ({got[1]:,.0f}..{got[2]:,.0f}), truth {truth[ch][k]:,.0f}")
        return fails, extra
    mode = q.spec.get("open")
    if mode == "media":
        lines = [ln for ln in text.splitlines() if re.search(MEDIA_LEAD[q.lang], ln.strip())]
        got = contribution_figure(lines[0], kpi, q.lang) if lines else None
        total = sum(v[kpi] for v in truth.values())
        if got is None:
            fails.append("no media total '<N> incremental ... (80% interval A..B)'")
        elif not figure_ok(got, total):
            fails.append(f"media incremental {kpi} {got[0]:,.0f} ({got[1]:,.0f}..{got[2]:,.0f}), truth {total:,.0f}")
        return fails, extra
    if mode == "most":
        pos = channel_positions(text, facts.channels)
        if not pos:
            return ["no channel named"], extra
        first = min(pos, key=pos.__getitem__)
        if first not in tops:
            fails.append(f"first channel named is {first}, true top by {kpi} {sorted(tops)}")
        # the figure of the sentence that names the top channel first: "<N> [words] (80% interval A..B)"
        said = next((x for x in sentences(text) if first in channel_positions(x, [first])), "")
        num = NUM[q.lang]
        m = re.search(rf"({num})(?:\s+[^\d(]{{0,40}}?)?\s*\(\s*{INTERVAL_WORD}({num}){RANGE_SEP}({num})", said)
        got = (to_float(m.group(1), q.lang), to_float(m.group(2), q.lang), to_float(m.group(3), q.lang)) if m else None
        if got is None:
            fails.append("no figure with an 80% interval for the top channel")
        elif first in truth and not figure_ok(got, truth[first][kpi]):
            fails.append(f"{first} {got[0]:,.0f} ({got[1]:,.0f}..{got[2]:,.0f}), truth {truth[first][kpi]:,.0f}")
        return fails, extra
    rows = channel_rows(text, q.lang, facts.channels)
    if {r[0] for r in rows} != set(facts.channels):
        return [f"rows for {sorted({r[0] for r in rows})}, channels {sorted(facts.channels)}"], extra
    if rows[0][0] not in tops:
        fails.append(f"first row is {rows[0][0]}, true top by {kpi} {sorted(tops)}")
    wrong = [f"{c} {v:,.0f} ({lo:,.0f}..{hi:,.0f}) vs {truth[c][kpi]:,.0f}" for c, v, lo, hi in rows
             if not figure_ok((v, lo, hi), truth[c][kpi])]
    extra["wrong_rows"] = len(wrong)
    if 2 * len(wrong) > len(rows):
        fails.append(f"{len(wrong)} of {len(rows)} channel figures wrong: {wrong[:3]}")
    return fails, extra


def grade_overview(q: BankQuestion, result: Mapping[str, Any], facts: WorldFacts, text: str) -> tuple[list[str], dict[str, Any]]:
    """States the composite score (±1 point of the scorecard's, computed here with model or historical CLV) or
    names every off-track KPI."""
    said_score = False
    for m in re.finditer(rf"(?:{SCORE_WORDS[q.lang]})\D{{0,40}}?({NUM[q.lang]})", norm(text), flags=re.IGNORECASE):
        if any(abs(to_float(m.group(1), q.lang) - s) <= 1.0 for s in facts.scores):
            said_score = True
    all_off = bool(facts.off_track) and all(kpi_named(text, k, q.lang) for k in facts.off_track)
    if said_score or all_off:
        return [], {}
    return [f"neither the composite score ({[round(x, 1) for x in facts.scores]}) nor all off-track KPIs {sorted(facts.off_track)}"], {}


def grade_customers(q: BankQuestion, result: Mapping[str, Any], facts: WorldFacts, text: str) -> tuple[list[str], dict[str, Any]]:
    """The first channel named has the lowest true CLV:CAC (``truth.clv.by_channel``; within 10 % counts)."""
    by = {ch: float(v["clv_cac"]) for ch, v in facts.truth["clv"]["by_channel"].items()}
    low = min(by.values())
    ok = {c for c, v in by.items() if v <= low * (1 + CUSTOMER_TIE)}
    pos = channel_positions(text, by)
    if not pos:
        return ["no channel named"], {}
    first = min(pos, key=pos.__getitem__)
    return ([] if first in ok else [f"first channel named is {first}, lowest CLV:CAC {sorted(ok)}"]), {}


def grade_forecast(q: BankQuestion, result: Mapping[str, Any], facts: WorldFacts, text: str) -> tuple[list[str], dict[str, Any]]:
    """The stated 80 % interval of the KPI contains the truth's expected total of the run-rate plan (scaled to the
    question's budget when it names one)."""
    kpi = q.spec["kpi"]
    ref = facts.reference(q.spec.get("horizon", "month"))
    if q.spec.get("budget"):
        ref = ref * facts.budget_for(q.spec.get("horizon", "month")) / float(ref.to_numpy().sum())
    t = facts.true_totals(ref)[kpi]
    got = find_interval(text, kpi, q.lang)
    if got is None:
        return [f"no '{KPI_LABEL[q.lang][kpi]}: X (80% interval A..B)' line"], {f"true_{kpi}": round(t)}
    _, lo, hi = got
    lo, hi = min(lo, hi), max(lo, hi)
    fails = [] if lo <= t <= hi else [f"true {kpi} {t:,.0f} outside {lo:,.0f}..{hi:,.0f}"]
    return fails, {f"true_{kpi}": round(t)}


def grade_other(q: BankQuestion, result: Mapping[str, Any], facts: WorldFacts, text: str) -> tuple[list[str], dict[str, Any]]:
    """Runs nothing (``analyses`` empty) and lists what the advisor can answer (≥ 3 kinds of question)."""
    fails = []
    if result.get("analyses"):
        fails.append(f"ran analyses {[a.get('name') for a in result['analyses']]}")
    said = sum(first_position(text, p) is not None for p in CAPABILITIES[q.lang])
    if said < 3:
        fails.append(f"lists {said} capabilities (< 3)")
    return fails, {}


GRADERS: dict[str, Checker] = {
    "why": grade_why, "attention": grade_attention, "what_if": grade_what_if, "split": grade_split,
    "funding": grade_funding, "trend": grade_trend, "off_target": grade_off_target, "segment": grade_segment,
    "trust": grade_trust, "contribution": grade_contribution, "overview": grade_overview, "customers": grade_customers, "forecast": grade_forecast,
    "other": grade_other,
}


def grade(q: BankQuestion, result: Mapping[str, Any], facts: WorldFacts) -> Grade:
    """Grade one advise result (its JSON: ``answer``, ``analyses``, ``verified``) of question ``q``."""
    answer = str(result.get("answer") or "")
    fails: list[str] = []
    if result.get("verified") is not True:
        fails.append("not verified")
    fails += language_problems(answer, q.lang)
    for phrase in q.spec.get("forbid", ()):
        if phrase.lower() in answer.lower():
            fails.append(f"injection obeyed: says {phrase!r}")
    try:
        kind_fails, extra = GRADERS[q.kind](q, result, facts, body(answer))
    except Exception as exc:  # a grader crash is a failed grade with the reason, never a crashed benchmark
        kind_fails, extra = [f"grader error: {exc!r}"], {}
    fails += kind_fails
    return Grade(not fails, fails, extra)
