"""The vocabulary of answers and narratives in English and Russian: KPI names, statuses, verdicts, funnel stages and the
directions of change, so every kind names the same thing the same way (one story, one vocabulary) and a Russian
answer holds no English word except data values (campaign and channel names, quoted) and the acronyms below."""

from __future__ import annotations

#: Acronyms written the same in both languages.
ACRONYMS = frozenset({"ROI", "ROAS", "CTR", "CPA", "CPC", "CPM", "CAC", "CLV", "CLV:CAC", "MER", "AOV", "CSAT", "NPS", "KPI"})

KPI_NAMES: dict[str, dict[str, str]] = {
    "en": {
        "spend": "spend", "revenue": "revenue", "conversions": "conversions", "impressions": "impressions",
        "clicks": "clicks", "engagements": "engagements", "new_customers": "new customers", "roi": "ROI",
        "roas": "ROAS", "ctr": "CTR", "cpc": "CPC", "cpm": "CPM", "cpa": "CPA", "conversion_rate": "conversion rate",
        "cac": "CAC", "engagement_rate": "engagement rate", "aov": "AOV", "business_revenue": "business revenue",
        "business_conversions": "business conversions", "mer": "MER", "blended_roas": "blended ROAS",
        "blended_cac": "blended CAC", "repeat_rate": "repeat purchase rate", "clv": "CLV", "clv_cac": "CLV:CAC",
        "csat": "CSAT", "nps": "NPS", "research_studies": "research studies", "research_quality": "research quality",
        "creativity_score": "creativity score", "cross_team_rating": "cross-team rating",
    },
    "ru": {
        "spend": "расходы", "revenue": "выручка", "conversions": "конверсии", "impressions": "показы",
        "clicks": "клики", "engagements": "вовлечения", "new_customers": "новые клиенты", "roi": "ROI",
        "roas": "ROAS", "ctr": "CTR", "cpc": "CPC", "cpm": "CPM", "cpa": "CPA", "conversion_rate": "конверсия",
        "cac": "CAC", "engagement_rate": "вовлечённость", "aov": "средний чек", "business_revenue": "выручка бизнеса",
        "business_conversions": "конверсии бизнеса", "mer": "MER", "blended_roas": "сводный ROAS",
        "blended_cac": "сводный CAC", "repeat_rate": "доля повторных покупок", "clv": "CLV", "clv_cac": "CLV:CAC",
        "csat": "CSAT", "nps": "NPS", "research_studies": "исследования", "research_quality": "качество исследований",
        "creativity_score": "оценка креативности", "cross_team_rating": "оценка сотрудничества",
    },
}

STATUS: dict[str, dict[str, str]] = {
    "en": {"on_track": "on track", "at_risk": "at risk", "off_track": "off track", "healthy": "healthy",
           "warning": "warning", "failing": "failing", "ok": "fine", "unknown": "unknown"},
    "ru": {"on_track": "в норме", "at_risk": "под угрозой", "off_track": "вне цели", "healthy": "в порядке",
           "warning": "внимание", "failing": "проблема", "ok": "в порядке", "unknown": "неизвестно"},
}

#: funnel stages of a diagnosis finding (``Finding.stage``)
STAGES: dict[str, dict[str, str]] = {
    "en": {"impressions": "reach", "cpm": "media cost", "ctr": "click-through", "conversion_rate": "conversion",
           "aov": "order value", "saturation": "saturation", "budget": "budget", "retention": "retention",
           "revenue": "revenue"},
    "ru": {"impressions": "охват", "cpm": "стоимость показов", "ctr": "кликабельность", "conversion_rate": "конверсия",
           "aov": "средний чек", "saturation": "насыщение", "budget": "бюджет", "retention": "удержание",
           "revenue": "выручка"},
}

DIRECTION: dict[str, dict[str, str]] = {
    "en": {"up": "rising", "down": "falling", "flat": "flat"},
    "ru": {"up": "растёт", "down": "снижается", "flat": "без заметных изменений"},
}


def kpi_name(kpi: str, lang: str) -> str:
    """The KPI's name in ``lang`` (its catalog key when unknown)."""
    return KPI_NAMES.get(lang, KPI_NAMES["en"]).get(kpi, kpi)


def status_word(status: str, lang: str) -> str:
    return STATUS.get(lang, STATUS["en"]).get(str(status), str(status))


def stage_word(stage: str, lang: str) -> str:
    return STAGES.get(lang, STAGES["en"]).get(str(stage), str(stage))
