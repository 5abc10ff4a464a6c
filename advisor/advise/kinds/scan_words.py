"""Words and number formats shared by the ``why``, ``attention`` and ``off_target`` answers (English and Russian).

The general vocabulary (KPI names, statuses, funnel stages) is :mod:`advisor.core.words`; this module adds
what these three kinds name besides: diagnosis checks, verdicts, SHAP driver features, channel budget problems,
and the formats of rates, KPI values and money (every number at a rounding the narrative verifier accepts).
"""

from __future__ import annotations

from advisor.core import words
from advisor.narrative.template import num, pct, sig

#: diagnosis checks (``Finding.check``) in each language
CHECKS: dict[str, dict[str, str]] = {
    "en": {
        "creative_fatigue": "creative fatigue", "ctr_drop": "click-through drop",
        "conversion_rate_drop": "conversion-rate drop: landing page, checkout or tracking",
        "audience_change": "audience change", "creative_type_change": "creative type change",
        "objective_change": "objective change", "region_change": "region change", "aov_drop": "order value drop",
        "cpm_increase": "media price rise", "diminishing_returns": "diminishing returns on extra spend",
        "net_drop": "a drop beyond what the spend rise explains: landing page, checkout or tracking",
        "saturation": "saturation", "over_funded": "over-funded", "under_funded": "under-funded",
    },
    "ru": {
        "creative_fatigue": "выгорание креатива", "ctr_drop": "падение кликабельности",
        "conversion_rate_drop": "падение конверсии: посадочная страница, оформление заказа или трекинг",
        "audience_change": "смена аудитории", "creative_type_change": "смена типа креатива",
        "objective_change": "смена цели кампании", "region_change": "смена региона", "aov_drop": "падение среднего чека",
        "cpm_increase": "рост стоимости показов", "diminishing_returns": "убывающая отдача от роста расходов",
        "net_drop": "падение сильнее, чем объясняет рост расходов: посадочная страница, оформление заказа или трекинг",
        "saturation": "насыщение", "over_funded": "избыточный бюджет", "under_funded": "недостаточный бюджет",
    },
}

#: ``Verdict`` values (``words.STATUS`` has failing / unknown; the rest are here)
VERDICTS: dict[str, dict[str, str]] = {
    "en": {"failing": "failing", "under_performing": "under-performing", "on_track": "on track",
           "succeeding": "succeeding", "insufficient_data": "not enough data to judge"},
    "ru": {"failing": "есть проблема", "under_performing": "ниже ожиданий", "on_track": "в норме",
           "succeeding": "успешно", "insufficient_data": "данных недостаточно для оценки"},
}

#: driver-model features (``Driver.feature``; categorical levels are ``column=value``)
FEATURES: dict[str, dict[str, str]] = {
    "en": {"campaign_age": "campaign age", "audience": "audience", "creative_type": "creative type",
           "objective": "objective", "region": "region", "channel": "channel", "month": "season (month)",
           "weekday": "day of week", "day_of_week": "day of week", "spend": "spend level",
           "spend_adstock": "accumulated spend", "trend": "trend"},
    "ru": {"campaign_age": "возраст кампании", "audience": "аудитория", "creative_type": "тип креатива",
           "objective": "цель кампании", "region": "регион", "channel": "канал", "month": "сезон (месяц)",
           "weekday": "день недели", "day_of_week": "день недели", "spend": "уровень расходов",
           "spend_adstock": "накопленные расходы", "trend": "тренд"},
}

#: KPIs written as percentages (fractions in the data)
PERCENT_KPIS = frozenset({"roi", "ctr", "conversion_rate", "engagement_rate", "repeat_rate"})


def w(table: dict[str, dict[str, str]], key: str, lang: str) -> str:
    """``table[lang][key]``, English as fallback, the key itself when unknown."""
    return table.get(lang, table["en"]).get(key, table["en"].get(key, key))


def check_word(check: str, lang: str) -> str:
    return w(CHECKS, check, lang)


def verdict_word(verdict: str, lang: str) -> str:
    if verdict in VERDICTS["en"]:
        return w(VERDICTS, verdict, lang)
    return words.status_word(verdict, lang)


def quoted(value: str, lang: str) -> str:
    """A data value quoted as data: ``"broad"`` / ``«broad»``."""
    return f"«{value}»" if lang == "ru" else f'"{value}"'


def feature_word(feature: str, lang: str) -> str:
    """A driver feature in words: ``audience=broad`` → ``audience "broad"``; unknown features are quoted."""
    col, _, level = feature.partition("=")
    name = FEATURES.get(lang, FEATURES["en"]).get(col)
    if name is None:
        return quoted(feature, lang)
    return f"{name} {quoted(level, lang)}" if level else name


def rate(x: float, lang: str, digits: int = 2) -> str:
    """A fraction as a percentage with ``digits`` decimals: 0.006793 → ``0.68%`` (``0,68%`` in Russian)."""
    return num(x * 100.0, lang, digits) + "%"


def money(x: float, lang: str) -> str:
    """Whole currency units, unsigned: ``12,345`` / ``12 345``."""
    return num(abs(x), lang)


def kpi_value(kpi: str, x: float, lang: str) -> str:
    """A KPI value as written in answers: rates as percentages (1 decimal from 10 %), others to 4 significant
    digits."""
    if kpi in PERCENT_KPIS:
        return rate(x, lang, 1 if abs(x) >= 0.1 else 2)
    return sig(x, lang)


def change(x: float, lang: str) -> str:
    """A relative change as a signed whole percentage (``+43%``)."""
    return pct(x, lang)


__all__ = [
    "CHECKS", "FEATURES", "PERCENT_KPIS", "VERDICTS", "change", "check_word", "feature_word", "kpi_value", "money",
    "quoted", "rate", "verdict_word", "w",
]
