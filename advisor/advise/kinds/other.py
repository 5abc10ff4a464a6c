"""``other``: a question the advisor does not analyse. The answer says what it can answer — each kind of
question with one example, in the question's language — and runs nothing (no analyses, no recommendations).

The text depends only on the language and the dataset's names (the examples name a channel and a campaign of
the data, quoted), never on the question's words: instructions inside a question change nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from advisor.advise.kinds.base import Answer, Env
from advisor.advise.question import Question

#: the kinds the answer lists, in this order (``other`` itself is not one)
LISTED = ("why", "attention", "off_target", "what_if", "split", "funding", "forecast", "trend", "segment", "trust",
          "contribution", "overview", "customers")

T: dict[str, dict[str, str]] = {
    "en": {
        "lead": "This question is outside what I analyse: I answer questions about your marketing data — campaigns, "
                "channels, budgets, KPIs and customers. For example:",
        "why": "why a campaign or channel under-performed: “Why did {campaign} drop last month?”",
        "attention": "what needs attention: “Which campaigns need attention?”",
        "off_target": "which KPIs are off target and why: “Which KPIs are off target?”",
        "what_if": "what a change of spend would do: “What happens to conversions if we cut {channel} by a third?”",
        "split": "how to split a budget across channels: “How should we split next month's budget?”",
        "funding": "which channel deserves more or less budget: “Is {channel} under-funded?”",
        "forecast": "what to expect next month: “What revenue do we expect next month?”",
        "trend": "how a KPI changed over time: “How has ROI changed by month?”",
        "segment": "which segment performs worst or best: “Which audience has the worst conversion rate?”",
        "trust": "whether the platforms' numbers can be trusted: “Can we trust the platforms' conversions?”",
        "contribution": "what a channel added: “How much revenue did {channel} bring last quarter?”",
        "overview": "how the business is doing against its targets: “How are we doing?”",
        "customers": "customer value and satisfaction: “What is our CLV:CAC by channel?”",
        "item": "- {text}",
        "campaign": "campaign {name}",
        "channel": "channel {name}",
        "generic_campaign": "a campaign",
        "generic_channel": "search",
    },
    "ru": {
        "lead": "Этот вопрос вне того, что я анализирую: я отвечаю на вопросы о маркетинговых данных — кампаниях, "
                "каналах, бюджетах, KPI и клиентах. Например:",
        "why": "почему кампания или канал просели: «Почему {campaign} просела в прошлом месяце?»",
        "attention": "что требует внимания: «Какие кампании требуют внимания?»",
        "off_target": "какие KPI вне цели и почему: «Какие KPI не выполняются?»",
        "what_if": "что даст изменение расходов: «Что будет с конверсиями, если сократить {channel} на треть?»",
        "split": "как распределить бюджет по каналам: «Как распределить бюджет следующего месяца?»",
        "funding": "какому каналу нужно больше или меньше бюджета: «Недофинансирован ли {channel}?»",
        "forecast": "чего ждать в следующем месяце: «Какую выручку ждать в следующем месяце?»",
        "trend": "как менялся KPI со временем: «Как менялся ROI по месяцам?»",
        "segment": "какой сегмент работает хуже или лучше всех: «У какой аудитории самая низкая конверсия?»",
        "trust": "можно ли доверять цифрам площадок: «Можно ли верить конверсиям площадок?»",
        "contribution": "что принёс канал: «Сколько выручки принёс {channel} в прошлом квартале?»",
        "overview": "как дела относительно целей: «Как у нас дела?»",
        "customers": "ценность и удовлетворённость клиентов: «Какой CLV:CAC по каналам?»",
        "item": "- {text}",
        "campaign": "кампания {name}",
        "channel": "канал {name}",
        "generic_campaign": "кампания",
        "generic_channel": "поиск",
    },
}


#: a name plain enough to show in an example (a long or odd campaign name is data, but no example)
PLAIN = re.compile(r"[\w][\w .-]{0,39}")


def _first(names: Mapping[str, Sequence[str]], column: str) -> str | None:
    """The first (sorted) plain name of ``column``, or None."""
    return next((v for v in sorted(str(v) for v in names.get(column, ())) if PLAIN.fullmatch(v)), None)


def capabilities(lang: str, names: Mapping[str, Sequence[str]] | None = None) -> tuple[str, ...]:
    """The lines of the answer: the lead, then one line per kind with an example question (naming the data's
    first channel and campaign, quoted, when ``names`` has them)."""
    t = T.get(lang, T["en"])
    q = ("«", "»") if lang == "ru" else ('"', '"')
    campaign, channel = _first(names or {}, "campaign_id"), _first(names or {}, "channel")
    fill = {
        "campaign": t["campaign"].format(name=f"{q[0]}{campaign}{q[1]}") if campaign else t["generic_campaign"],
        "channel": t["channel"].format(name=f"{q[0]}{channel}{q[1]}") if channel else t["generic_channel"],
    }
    return (t["lead"], *(t["item"].format(text=t[k].format(**fill)) for k in LISTED))


def handle(question: Question, env: Env) -> Answer:
    """What the advisor can answer; runs no analysis."""
    lang = question.lang if question.lang in T else "en"
    return Answer((), capabilities(lang, env.names))
