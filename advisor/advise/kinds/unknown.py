"""A question about a campaign or channel the data does not have ("Why did tv under-perform?" on data without a TV
channel, "what about display-09?" when there is no such campaign): the answer says so, lists what the data has,
and runs nothing else (an answer about other campaigns would not be the one asked for).

Used by :func:`advisor.advise.run.advise` when the parser found such names (``Question.extra["unknown_ids"]``,
``extra["unknown_channels"]``) and no campaign or channel of the data; not a kind of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from advisor.advise.analyses import Analysis
from advisor.advise.kinds.base import Answer, Env
from advisor.advise.question import Question

#: at most this many of the data's campaigns are listed
MAX_LISTED = 8

T: dict[str, dict[str, str]] = {
    "en": {
        "channel": "The data has no channel {names}, so this question cannot be answered for it.",
        "channels": "The data has no channels {names}, so this question cannot be answered for them.",
        "campaign": "The data has no campaign {names}, so this question cannot be answered for it.",
        "campaigns": "The data has no campaigns {names}, so this question cannot be answered for them.",
        "has_channels": "Its channels: {names}.",
        "has_campaigns": "Its campaigns include {names}.",
        "ask": "Ask again about one of them, or without naming one (e.g. which campaigns need attention).",
        "attribute": "The data has no {names} column, so it cannot be broken down that way.",
        "has_attributes": "Columns it can be broken down by: {names}.",
        "no_attributes": "It has no column to break campaigns down by (such as audience or region); ask by channel "
                         "instead.",
    },
    "ru": {
        "channel": "В данных нет канала {names}, поэтому ответить на этот вопрос о нём нельзя.",
        "channels": "В данных нет каналов {names}, поэтому ответить на этот вопрос о них нельзя.",
        "campaign": "В данных нет кампании {names}, поэтому ответить на этот вопрос о ней нельзя.",
        "campaigns": "В данных нет кампаний {names}, поэтому ответить на этот вопрос о них нельзя.",
        "has_channels": "Каналы в данных: {names}.",
        "has_campaigns": "Среди кампаний: {names}.",
        "ask": "Спросите об одном из них или без названия (например, какие кампании требуют внимания).",
        "attribute": "В данных нет столбца {names}, поэтому такой разбивки не сделать.",
        "has_attributes": "Разбить можно по столбцам: {names}.",
        "no_attributes": "В данных нет столбцов для разбивки кампаний (например, аудитории или региона); спросите "
                         "по каналам.",
    },
}


#: attribute concept → its name in the answer (Russian: the column's name in the nominative)
ATTRIBUTE_NAMES = {
    "en": {"audience": "audience", "creative_type": "creative type", "region": "region", "age": "age group",
           "gender": "gender", "device": "device"},
    "ru": {"audience": "аудитории", "creative_type": "типа креатива", "region": "региона", "age": "возрастной группы",
           "gender": "пола", "device": "устройства"},
}


def unknown_names(question: Question) -> tuple[list[str], list[str]]:
    """(channels, campaign ids) the question names that the data does not have."""
    return ([str(c) for c in question.extra.get("unknown_channels", ())],
            [str(c) for c in question.extra.get("unknown_ids", ())])


def applies(question: Question) -> bool:
    """The question names only campaigns or channels the data lacks (and is not off-topic)."""
    channels, ids = unknown_names(question)
    if question.kind == "other":
        return False
    if question.extra.get("unknown_attributes") and question.attribute is None:
        return True
    return bool(channels or ids) and not question.campaigns and not question.channels


def _quoted(names: Sequence[str], lang: str) -> str:
    return ", ".join(f"«{n}»" if lang == "ru" else f'"{n}"' for n in names)


def handle(question: Question, env: Env) -> Answer:
    lang = question.lang if question.lang in T else "en"
    t = T[lang]
    channels, ids = unknown_names(question)
    have_channels = [str(c) for c in env.names.get("channel", ())]
    have_campaigns = [str(c) for c in env.names.get("campaign_id", ())]
    lines = []
    attrs = [str(a) for a in question.extra.get("unknown_attributes", ())] if question.attribute is None else []
    if attrs:
        words = ATTRIBUTE_NAMES[lang]
        lines.append(t["attribute"].format(names=", ".join(words.get(a, a) for a in attrs)))
        have = [str(c) for c in getattr(env.dataset, "attributes", ()) if str(c) in env.dataset.campaign_daily]
        lines.append(t["has_attributes"].format(names=", ".join(have)) if have else t["no_attributes"])
        if not (channels or ids):
            result: dict[str, Any] = {"unknown_attributes": attrs, "attributes": have, "kind_asked": question.kind}
            return Answer((Analysis("unknown_names", {"kind": question.kind}, result),), tuple(lines))
    if channels:
        lines.append(t["channels" if len(channels) > 1 else "channel"].format(names=_quoted(channels, lang)))
    if ids:
        lines.append(t["campaigns" if len(ids) > 1 else "campaign"].format(names=_quoted(ids, lang)))
    if have_channels:
        lines.append(t["has_channels"].format(names=_quoted(have_channels, lang)))
    listed = [c for c in have_campaigns if c not in have_channels][:MAX_LISTED]
    if ids and listed:
        lines.append(t["has_campaigns"].format(names=_quoted(listed, lang)))
    lines.append(t["ask"])
    result = {
        "unknown": [{"channel": c} for c in channels] + [{"campaign_id": c} for c in ids],
        "channels": [{"channel": c} for c in have_channels],
        "campaigns": [{"campaign_id": c} for c in listed],
        "kind_asked": question.kind,
    }
    return Answer((Analysis("unknown_names", {"kind": question.kind}, result),), tuple(lines))
