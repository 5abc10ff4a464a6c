"""The question parser's vocabulary in English and Russian (used by :mod:`advisor.advise.understand`).

Every entry is a regular expression over the *normalised* question (lower-cased, ``ё`` → ``е``, no-break spaces →
spaces). Russian words are written as stems followed by ``\\w*`` (``поиск\\w*`` matches поиск, поиска, поиску,
поиском, поисковой...), so inflections need no stemmer. Patterns are wrapped in word boundaries by the parser
(:func:`word`), so a stem never matches inside a longer word (``почт`` is written so it does not match ``почти``).

Nothing here knows the dataset: a channel synonym is used only when a channel of the data maps to its canonical
name (:data:`CHANNEL_ALIASES`), an attribute word only when the column exists.
"""

from __future__ import annotations

import re

#: Russian verb forms that are reflexive (``снизилась``, ``сократился``): a change that happened, not one asked for.
NOT_REFLEXIVE = r"(?!\w*(?:ся|сь)(?!\w))"


def word(pattern: str) -> str:
    """``pattern`` as a whole word (or phrase): not preceded or followed by a letter or digit."""
    return rf"(?<!\w)(?:{pattern})(?!\w)"


def rx(*patterns: str) -> re.Pattern[str]:
    """One compiled alternation of whole-word ``patterns``."""
    return re.compile("|".join(word(p) for p in patterns))


# --------------------------------------------------------------------------------------------- channels
#: canonical channel → the data channel names that are that channel (compared lower-case, ``-``/space → ``_``).
CHANNEL_ALIASES: dict[str, frozenset[str]] = {
    "search": frozenset({"search", "paid_search", "sem", "ppc", "google_ads", "search_ads", "context"}),
    "social": frozenset({"social", "paid_social", "social_media", "smm", "socials"}),
    "display": frozenset({"display", "programmatic", "banner", "banners", "display_ads"}),
    "video": frozenset({"video", "online_video", "olv", "video_ads"}),
    "email": frozenset({"email", "e_mail", "crm", "newsletter", "mail"}),
    "affiliate": frozenset({"affiliate", "affiliates", "partners", "partner", "cpa_networks"}),
    "tv": frozenset({"tv", "television", "ctv"}),
    "radio": frozenset({"radio"}),
    "print": frozenset({"print", "press"}),
    "ooh": frozenset({"ooh", "outdoor", "out_of_home", "dooh"}),
    "podcast": frozenset({"podcast", "podcasts", "audio"}),
    "native": frozenset({"native", "native_ads", "native_advertising"}),
    "influencer": frozenset({"influencer", "influencers", "influencer_marketing", "bloggers"}),
    "sms": frozenset({"sms", "text_messages", "messaging"}),
}

#: canonical channel → words for it in questions (EN and RU).
CHANNEL_WORDS: dict[str, tuple[str, ...]] = {
    "search": (
        r"search(?:es)?", r"paid search", r"sem", r"ppc", r"google ads", r"adwords", r"yandex direct",
        r"поиск\w*", r"контекст\w*", r"контекстн\w* реклам\w*", r"яндекс[ .]?директ\w*", r"директ\w*",
        r"гугл адс", r"поисков\w* реклам\w*",
    ),
    "social": (
        r"social(?: media| networks?| ads)?", r"paid social", r"facebook", r"instagram", r"vk", r"vkontakte",
        r"tiktok", r"smm", r"соцсет\w*", r"соц\.? сет\w*", r"социальн\w* сет\w*", r"вконтакте", r"вк",
        r"таргет(?!инг)\w*", r"смм", r"инстаграм\w*", r"тикток\w*", r"фейсбук\w*", r"фб", r"телеграм\w*",
    ),
    "display": (
        r"display(?: ads)?", r"banners?", r"programmatic", r"медийн\w*(?: реклам\w*)?", r"медийк\w*",
        r"баннер\w*", r"программатик\w*",
    ),
    "video": (r"videos?", r"youtube", r"olv", r"видео\w*", r"ютуб\w*"),
    "email": (
        r"e-?mails?", r"newsletters?", r"mailings?", r"имейл\w*", r"емейл\w*", r"e-?mail-рассылк\w*",
        r"почт(?:а|ы|е|у|ой|ов\w*)", r"электронн\w* почт\w*", r"рассылк\w*",
    ),
    "affiliate": (
        r"affiliates?", r"affiliate marketing", r"partners?(?: network)?", r"партн[её]рск\w*",
        r"партн[её]рк\w*", r"аффилиат\w*", r"cpa-сет\w*",
    ),
    "tv": (r"tv", r"television", r"ctv", r"тв", r"телевиз\w*", r"телевид\w*", r"телек\w*"),
    "radio": (r"radio", r"радио\w*"),
    "print": (r"print", r"press", r"newspapers?", r"magazines?", r"пресс\w*", r"печат(?:ь|и|ью|н\w*)", r"газет\w*",
              r"журнал\w*"),
    "ooh": (r"d?ooh", r"out[- ]of[- ]home", r"outdoor", r"billboards?", r"наружн\w*(?: реклам\w*)?", r"наружк\w*",
            r"билборд\w*"),
    "podcast": (r"podcasts?", r"подкаст\w*"),
    "native": (r"native(?: ads| advertising)?", r"нативн\w*(?: реклам\w*)?", r"натив\w*"),
    "influencer": (r"influencers?(?: marketing)?", r"bloggers?", r"инфлюенс\w*", r"блогер\w*", r"блоггер\w*"),
    "sms": (r"sms(?:es)?", r"text messages?", r"смс(?:-| )?(?:рассылк\w*)?", r"sms-рассылк\w*", r"эсэмэс\w*"),
}

# --------------------------------------------------------------------------------------------- KPIs
#: KPI catalog key → words for it (longest phrases win when several overlap: "conversion rate" over "conversions").
KPI_WORDS: dict[str, tuple[str, ...]] = {
    "clv_cac": (r"(?:clv|ltv)\s*(?::|/|to)\s*cac",),
    "blended_roas": (r"blended roas", r"сводн\w* roas"),
    "blended_cac": (r"blended cac", r"сводн\w* cac"),
    "business_revenue": (r"business revenue", r"выручк\w* бизнес\w*"),
    "business_conversions": (r"business conversions", r"конверси\w* бизнес\w*"),
    "roi": (r"roi", r"return on investment", r"окупаемост\w*", r"рентабельност\w*", r"доходност\w*"),
    "roas": (r"roas", r"return on ad spend"),
    "ctr": (r"ctr", r"click[- ]through(?: rate)?", r"кликабельност\w*"),
    "cpc": (r"cpc", r"cost per click", r"(?:стоимост|цен)\w* клик\w*", r"(?:expensive|cheap\w*|costly) clicks?",
            r"(?:дорог|деш[её]в)\w* клик\w*"),
    "cpm": (r"cpm", r"cost per (?:mille|thousand)", r"(?:стоимост|цен)\w* (?:тысяч\w* )?показ\w*"),
    "cpa": (r"cpa", r"cost per (?:acquisition|action|conversion|lead)", r"(?:expensive|cheap\w*|costly) (?:conversions?|leads?)",
            r"(?:дорог|деш[её]в)\w* (?:конверси|заявк|лид)\w*",
            r"(?:стоимост|цен)\w* (?:конверси|заявк|лид|действи)\w*"),
    "cac": (r"cac", r"customer acquisition costs?", r"acquisition costs?", r"cost to acquire(?: a)?(?: customers?)?",
            r"(?:стоимост|цен)\w* привлечени\w*(?: клиент\w*)?", r"стоит привлеч\w*(?: клиент\w*)?"),
    "conversion_rate": (
        r"conversion rates?", r"conv\.? rate", r"cvr", r"конверси(?:я|ю|ей)", r"convert(?:s|ing)?",
        r"конвертир\w*", r"конвертит\w*", r"конвертя\w*", r"(?:коэффициент|уровень|уровня|процент)\w* конверси\w*",
    ),
    "engagement_rate": (r"engagement rate", r"вовлеченност\w*"),
    "engagements": (r"engagements?", r"вовлечени\w*"),
    "new_customers": (r"new customers?", r"нов\w* клиент\w*", r"новых покупател\w*"),
    "aov": (r"aov", r"average order(?: value)?", r"avg\.? order(?: value)?", r"средн\w* чек\w*"),
    "mer": (r"mer", r"marketing efficiency(?: ratio)?"),
    "repeat_rate": (r"repeat(?: purchase)? rate", r"repeat purchases?", r"retention(?: rate)?",
                    r"повторн\w* покуп\w*", r"удержани\w*(?: клиент\w*)?"),
    "clv": (r"c?ltv", r"clv", r"(?:customer )?lifetime value", r"пожизненн\w* ценност\w*"),
    "csat": (r"csat", r"(?:customer )?satisfaction", r"удовлетворенност\w*"),
    "nps": (r"nps", r"net promoter(?: score)?", r"лояльност\w*", r"индекс\w* лояльност\w*"),
    "research_quality": (r"research quality", r"качеств\w* исследовани\w*"),
    "research_studies": (r"research(?: studies)?", r"исследовани\w*"),
    "creativity_score": (r"creativity(?: score)?", r"креативност\w*"),
    "cross_team_rating": (r"cross[- ]team(?: rating)?", r"collaboration", r"сотрудничеств\w*"),
    "revenue": (r"revenues?", r"sales", r"income", r"выручк\w*", r"доход\w*", r"продаж\w*"),
    "conversions": (r"conversions?", r"leads?(?! to)", r"purchases?", r"orders?(?! to)", r"конверси(?:й|и|ям|ями|ях)",
                    r"заявк\w*", r"лид(?:ы|ов|ам|ами|ах)?", r"покупк\w*", r"заказ(?:ы|ов|ам|ами|ах)?"),
    "impressions": (r"impressions?", r"показ(?:ы|ов|ам|ами|ах)"),
    "clicks": (r"clicks?", r"клик(?:и|ов|ам|ами|ах)?"),
    "spend": (r"(?<!we )(?<!to )(?<!i )(?<!should )(?<!could )(?<!would )(?<!will )spend(?! \d)",
              r"ad spend", r"spending", r"costs?", r"expenses?", r"расход\w*", r"затрат\w*"),
}

# --------------------------------------------------------------------------------------------- attributes
#: attribute concept → (column names that are it, words for it). A concept is used only for a column in the data.
ATTRIBUTE_WORDS: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "audience": (frozenset({"audience", "audience_type", "audience_segment", "targeting"}),
                 (r"audiences?", r"audience types?", r"targeting", r"аудитори\w*", r"таргетинг\w*")),
    "creative_type": (frozenset({"creative_type", "creative", "creative_format", "creatives"}),
                      (r"creatives?(?: types?)?", r"creative formats?", r"ad types?", r"креатив(?!ност)\w*",
                       r"тип\w* креатив\w*")),
    "objective": (frozenset({"objective", "campaign_objective", "goal", "campaign_goal"}),
                  (r"objectives?", r"campaign goals?", r"goal types?", r"цел(?:ь|и|ям|ями|ях) кампани\w*",
                   r"по цел(?:ям|и)", r"цел(?:ь|и) рекламы")),
    "region": (frozenset({"region", "geo", "country", "market", "city", "area"}),
               (r"regions?", r"geos?", r"geograph\w*", r"countr(?:y|ies)", r"markets?", r"cities", r"city",
                r"регион\w*", r"географи\w*", r"гео", r"стран\w*", r"город\w*")),
    "format": (frozenset({"format", "ad_format", "placement"}),
               (r"formats?", r"placements?", r"формат\w*", r"размещени\w*")),
    "age": (frozenset({"age", "age_group", "age_band", "age_range"}),
            (r"ages?", r"age groups?", r"age bands?", r"возраст\w*", r"возрастн\w* групп\w*")),
    "gender": (frozenset({"gender", "sex"}), (r"genders?", r"по полу", r"пол")),
    "device": (frozenset({"device", "device_type", "platform"}),
               (r"devices?", r"device types?", r"устройств\w*", r"девайс\w*")),
}

#: attribute values in Russian (value in the data, lower-case → words); used only for values that exist.
VALUE_WORDS: dict[str, tuple[str, ...]] = {
    "retargeting": (r"ретаргетинг\w*", r"ремаркетинг\w*", r"remarketing"),
    "lookalike": (r"look-?alikes?", r"лукалайк\w*", r"похож\w* аудитори\w*"),
    "prospecting": (r"проспектинг\w*", r"холодн\w* аудитори\w*"),
    "broad": (r"широк\w* аудитори\w*", r"широк\w* таргетинг\w*"),
    "carousel": (r"карусел\w*",),
    "static": (r"статичн\w*", r"статик\w*"),
    "text": (r"текстов\w*",),
    "awareness": (r"узнаваемост\w*", r"охватн\w*"),
    "traffic": (r"трафик\w*",),
    "mobile": (r"мобильн\w*",),
    "desktop": (r"десктоп\w*",),
}

#: attribute values that are also everyday KPI words: a value only next to its attribute's word ("objective traffic",
#: "traffic campaigns' objective"), not in "why did traffic drop?"
KPI_LIKE_VALUES = frozenset({"traffic", "conversions", "conversion", "awareness", "engagement", "sales", "leads",
                             "reach", "clicks", "revenue", "consideration"})

#: attribute values too vague to name a segment when they occur in a question.
VAGUE_VALUES = frozenset({"all", "other", "others", "none", "unknown", "n/a", "na", "mixed", "default", "general",
                          "various", "misc", "any", "total", "другое", "все", "прочее"})

# --------------------------------------------------------------------------------------------- spend changes
_NR = NOT_REFLEXIVE
#: verbs of a spend change, by class.
VERBS: dict[str, tuple[str, ...]] = {
    "off": (
        r"switch(?:ed|ing)? off", r"switch(?:ed|ing)? \ue001+ off", r"turn(?:ed|ing)? off", r"turn(?:ed|ing)? \ue001+ off",
        r"shut(?:ting)? (?:down|off)", r"paus(?:e|ed|es|ing)", r"stop(?:s|ped|ping)?(?! \w+ing)", r"kill(?:s|ed|ing)?",
        r"disabl(?:e|ed|es|ing)", r"eliminat(?:e|ed|es|ing)", r"remov(?:e|ed|es|ing)", r"without", r"cut (?:out|off)",
        r"get rid of", r"drop(?:ped|ping)? (?=\ue001)", r"no more",
        rf"отключ{_NR}\w*", rf"выключ{_NR}\w*", rf"остан[ао]в{_NR}\w*", rf"приостан[ао]в{_NR}\w*", r"убра(?:ть|ли|л)",
        r"убер(?:ем|ешь|ите|у)", r"отказа(?:ться|лись) от", r"откаж(?:емся|ешься|усь) от", r"без(?! уч[её]т)",
        rf"закр(?:ыть|оем|ыли|ой|ойте){_NR}", r"свернут\w*", r"свернем", r"выруб\w*",
    ),
    "cut": (
        r"cut(?:s|ting)?", r"reduc(?:e|ed|es|ing)", r"lower(?:ed|ing|s)?", r"decreas(?:e|ed|es|ing)",
        r"trim(?:s|med|ming)?", r"slash(?:ed|es|ing)?", r"scal(?:e|ed|ing) (?:back|down)", r"shrink(?:s|ing)?",
        r"less", rf"сократ{_NR}\w*", rf"сокращ{_NR}\w*", r"уреза\w*", r"урежем", r"урез(?:ать|али)",
        rf"уменьш{_NR}\w*", rf"сниз{_NR}\w*", rf"сниж{_NR}\w*", r"пореза\w*", r"порежем", r"срез(?:ать|аем|али)",
        r"убав\w*", r"меньше",
    ),
    "increase": (
        r"increas(?:e|ed|es|ing)", r"rais(?:e|ed|es|ing)", r"boost(?:s|ed|ing)?", r"scal(?:e|ed|ing) up",
        r"ramp(?:ed|ing)? up", r"add(?:s|ed|ing)?", r"more", rf"увелич{_NR}\w*", rf"подня{_NR}\w*", rf"подним{_NR}\w*",
        rf"повы{_NR}\w*", rf"нарасти{_NR}\w*", r"нарастим", rf"наращ{_NR}\w*", r"добав\w*", r"прибав\w*", r"больше",
    ),
    "double": (r"doubl(?![\w-]*count)\w*", r"удво\w*", r"удваив\w*"),
    "halve": (r"halv(?:e|ed|es|ing)",),
    "triple": (r"tripl(?:e|ed|es|ing)", r"утро(?:ить|им|или)", r"утраив\w*"),
    "move": (
        r"mov(?:e|ed|es|ing)", r"shift(?:s|ed|ing)?", r"re-?allocat\w*", r"transfer(?:s|red|ring)?", r"redirect\w*",
        r"перенес\w*", r"перенест\w*", r"перенос\w*", r"перекин\w*", r"перекид\w*", r"перевед\w*", r"перевест\w*",
        r"переложи\w*", r"перелож\w*", r"перебро\w*", r"перебрас\w*", r"перераспредел\w*", r"переправ\w*",
    ),
    "set": (
        r"set", r"cap", r"limit", r"spend", r"invest", r"put", r"allocate", r"установ\w*", r"постав\w*",
        r"ограничи\w*", r"выдели\w*", r"потрат\w*", r"вложи\w*", r"вложим",
    ),
}
#: a source (``from``) or destination (``to``) of a move, right before a channel.
FROM_WORDS = rx(r"from", r"out of", r"off", r"из", r"изо", r"с", r"со", r"от")
TO_WORDS = rx(r"to", r"into", r"towards?", r"onto", r"в", r"во", r"на", r"до")
#: multipliers: ``2x``, ``x2``, ``в 2 раза``, ``twice``, ``вдвое`` → ("mult", m); fractions ``half``, ``на треть``
#: → ("pct", p); "to zero" / "до нуля" → ("zero", 0): the channel is switched off.
MULT_WORDS: tuple[tuple[str, tuple[str, float]], ...] = (
    (r"(?:down )?to (?:zero|nothing|0)|до нуля|в ноль|до 0", ("zero", 0.0)),
    (r"twice|twofold|вдвое|в два раза", ("mult", 2.0)),
    (r"threefold|втрое|в три раза", ("mult", 3.0)),
    (r"fourfold|вчетверо|в четыре раза", ("mult", 4.0)),
    (r"(?:in |by )?half(?! a (?:million|thousand|billion))|наполовину", ("pct", 0.5)),
    (r"by (?:a|one) third|на треть", ("pct", 1 / 3)),
    (r"by (?:a|one) quarter|на четверть", ("pct", 0.25)),
)
MULT_NUM = re.compile(r"(?<![\w.,])(\d+(?:[.,]\d+)?)\s*(?:x|х|×|times|раза?)(?!\w)|(?<!\w)[x×х](\d+(?:[.,]\d+)?)(?![\w.,])")
ALL_WORDS = rx(r"all(?: of)?", r"everything", r"entire", r"whole", r"весь", r"всё", r"все", r"целиком", r"полностью")
#: the whole budget ("cut the budget by 20%"): a change of every channel.
BUDGET_WORDS = rx(r"budgets?", r"spend(?:ing)?", r"total", r"overall", r"everything", r"all channels", r"across the board",
                  r"бюджет\w*", r"расход\w*", r"затрат\w*", r"все каналы", r"всех каналах", r"вс[её]", r"общ\w*")

# --------------------------------------------------------------------------------------------- numbers
#: scale words after a number (lower-case).
SCALE_WORDS: tuple[tuple[str, float], ...] = (
    (r"k|к|тыс\.?|тысяч\w*|thousands?|grand", 1e3),
    (r"m|mm|mn|mln|million\w*|млн\.?|миллион\w*|лям\w*", 1e6),
    (r"bn|b|billion\w*|млрд\.?|миллиард\w*", 1e9),
)
#: number words before a scale word ("полтора миллиона", "двести пятьдесят тысяч", "half a million").
NUMBER_WORDS: dict[str, float] = {
    "полтора": 1.5, "полторы": 1.5, "один": 1, "одна": 1, "одну": 1, "два": 2, "две": 2, "три": 3, "четыре": 4,
    "пять": 5, "шесть": 6, "семь": 7, "восемь": 8, "девять": 9, "десять": 10, "двадцать": 20, "тридцать": 30,
    "сорок": 40, "пятьдесят": 50, "шестьдесят": 60, "семьдесят": 70, "восемьдесят": 80, "девяносто": 90,
    "сто": 100, "двести": 200, "триста": 300, "четыреста": 400, "пятьсот": 500, "шестьсот": 600, "семьсот": 700,
    "восемьсот": 800, "девятьсот": 900,
    "a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "half a": 0.5,
}
WORD_SCALES: dict[str, float] = {"тысяч": 1e3, "тысячи": 1e3, "тысяча": 1e3, "тысячу": 1e3, "миллион": 1e6,
                                 "миллиона": 1e6, "миллионов": 1e6, "млн": 1e6, "thousand": 1e3, "million": 1e6,
                                 "billion": 1e9, "миллиард": 1e9, "миллиарда": 1e9, "миллиардов": 1e9, "млрд": 1e9}
CURRENCY = (r"[$€£₽]|usd|eur|gbp|rub|руб\w*|р\.|dollars?|bucks|euros?|pounds?|rubles?|roubles?|долл\w*|евро|"
            r"фунт\w*")
PERCENT_AFTER = r"\s*(?:%|percent(?:age points?)?|per cent|pct|процент\w*|проц\.?|п\.п\.)"
#: units that make a number a count of periods or an ordinal, not money.
PERIOD_UNITS = (r"\s*(?:days?|weeks?|months?|quarters?|years?|дн\w*|день|недел\w*|месяц\w*|квартал\w*|год\w*|лет|"
                r"-?(?:й|ий|ый|ой|го|th|st|nd|rd)|campaigns?|channels?|кампани\w*|канал\w*)(?!\w)")

# --------------------------------------------------------------------------------------------- periods
MONTHS: dict[int, tuple[str, ...]] = {
    1: (r"january", r"jan", r"январ\w*"), 2: (r"february", r"feb", r"феврал\w*"), 3: (r"march", r"mar", r"март\w*"),
    4: (r"april", r"apr", r"апрел\w*"), 5: (r"may", r"ма[йяе]"), 6: (r"june", r"jun", r"июн\w*"),
    7: (r"july", r"jul", r"июл\w*"), 8: (r"august", r"aug", r"август\w*"),
    9: (r"september", r"sept?", r"сентябр\w*"), 10: (r"october", r"oct", r"октябр\w*"),
    11: (r"november", r"nov", r"ноябр\w*"), 12: (r"december", r"dec", r"декабр\w*"),
}
ORDINAL_QUARTER = {
    "1": 1, "i": 1, "first": 1, "1st": 1, "перв": 1, "2": 2, "ii": 2, "second": 2, "2nd": 2, "втор": 2,
    "3": 3, "iii": 3, "third": 3, "3rd": 3, "трет": 3, "4": 4, "iv": 4, "fourth": 4, "4th": 4, "четверт": 4,
}

# --------------------------------------------------------------------------------------------- kinds
#: signals of a kind of question (see the precedence in :mod:`advisor.advise.understand`).
SIGNALS: dict[str, re.Pattern[str]] = {
    "greeting": re.compile(
        r"^\W*(?:hi|hello|hey|good (?:morning|afternoon|evening)|thanks|thank you|привет\w*|здравствуй\w*|"
        r"добр\w* (?:день|утро|вечер)|спасибо|хай)\W*$"
    ),
    "trust": rx(
        r"trust\w*", r"believ\w*", r"reliab\w*", r"inflat\w*", r"overstat\w*", r"over-?report\w*", r"over-?count\w*",
        r"over-?claim\w*", r"exaggerat\w*", r"double[- ]count\w*", r"довер\w*", r"вер(?:ить|им|ят|ю|ишь)",
        r"завыш\w*", r"преувелич\w*", r"накруч\w*", r"накрут\w*", r"достоверн\w*",
        r"приписыва\w*", r"двойн\w* уч[её]т\w*", r"(?:take|taking|takes|claim\w*) (?:too much |more )?credit",
        r"over-?credit\w*", r"without (?:any )?(?:ads|advertising|marketing)", r"без рекламы",
    ),
    "trust_weak": rx(r"real(?:ly)?", r"reality", r"actual(?:ly)?", r"true", r"genuine", r"accura\w*", r"реальност\w*",
                     r"точн\w*", r"реальн\w*", r"на самом деле", r"правд\w*",
                     r"честн\w*"),
    "reported": rx(r"reported", r"platforms?", r"attribut\w*", r"атрибуци\w*", r"claimed", r"attributed", r"numbers", r"figures", r"площадк\w*",
                   r"платформ\w*", r"цифр\w*", r"отчет\w*", r"заявлен\w*", r"кабинет\w*", r"показыва\w*",
                   r"shows?", r"says?", r"report\w*"),
    # incremental figures: a contribution question unless the platforms' reported figures are named (then trust)
    "incremental": rx(r"incrementa\w*", r"инкремент\w*", r"приростн\w*"),
    # what a channel (each channel, media) added over a window
    "contribution": rx(
        r"contribut\w*", r"attribution", r"вклад(?:а|у|ом|е|ы|ов|ам|ах)?", r"атрибуц\w*",
        r"how (?:much|many) (?:\w+ ){0,3}?(?:did|does|do|has|have|had) (?!we |i |you )(?:\w+ ){0,4}?"
        r"(?:add|bring|brought|deliver|generat|drive|drove|driven|produc|earn|creat)\w*",
        r"(?:what|which \w+) (?:did|does|do|has|have) (?!we |i |you )(?:\w+ ){0,3}?"
        r"(?:add|bring|brought|deliver|generat|drive|drove|driven|produc|earn)\w*",
        r"(?:drove|drives|driven|driving|brought|brings|generated|generates|delivered|delivers|added|adds) "
        r"(?:\w+ ){0,2}?(?:most|least|biggest|largest|smallest)",
        r"(?:comes?|came|coming) from (?:our |the |paid )?(?:media|advertising|ads|marketing|channels)",
        r"(?:driven|generated|brought|created) by (?:our |the |paid )?(?:media|advertising|ads|marketing)",
        r"(?:due|thanks|owing) to (?:our |the |paid )?(?:media|advertising|ads|marketing)",
        r"сколько (?:\w+ ){0,4}?(?:принес|принос|дал|да[её]т|дают|добавил|сгенерир|обеспечил|привел|привод|прин[её]с)\w*",
        r"(?:больше|меньше) всего (?:\w+ ){0,2}?(?:принес|принос|дал|да[её]т|дают|привел|привод|обеспечи|прин[её]с)\w*",
        r"(?:принес|принос|дал|привел|обеспечил|прин[её]с)\w* (?:\w+ ){0,2}?(?:больше|меньше) всего",
        r"(?:что|какие|какую|какой|сколько) (?:\w+ ){0,2}?(?:принес|принос|прин[её]с)\w*",
        r"(?:за сч[её]т|благодаря) (?:\w+ )?(?:реклам|медиа|маркетинг)\w*", r"приходит\w* на (?:реклам|медиа)\w*",
        r"доля (?:\w+ ){0,3}?(?:реклам|медиа)\w*", r"(?:от|из) (?:реклам|медиа)\w*",
    ),
    #: a superlative of a contribution question ("which channel drove the most revenue?")
    "most": rx(r"most", r"biggest", r"largest", r"top", r"больше всего", r"наибольш\w*", r"крупнейш\w*", r"самый большой"),
    #: a contribution question about media as a whole
    "media": rx(r"(?:from|by|to) (?:our |the |paid )?(?:media|advertising|ads|marketing)", r"media[- ]driven",
                r"(?:реклам|медиа)\w*"),
    #: the whole history as a window
    "all_history": rx(r"(?:the |our )?(?:whole|entire|full) (?:history|period|data)", r"all[- ]time", r"ever",
                      r"since (?:the )?(?:start|beginning)", r"(?:за )?вс[юе] истори\w*", r"за вс[её] время",
                      r"за весь период", r"с самого начала"),
    "what_if": rx(
        r"what if", r"what happens", r"what would", r"what will happen", r"if we", r"if i", r"suppose\w*", r"scenario\w*",
        r"would happen", r"что будет", r"что если", r"а если", r"если", r"что произойд\w*", r"что станет",
        r"сценари\w*", r"допустим", r"предполож\w*",
    ),
    "why": rx(
        r"why", r"what went wrong", r"went wrong", r"what happened", r"what'?s wrong", r"what is wrong",
        r"what'?s going on", r"cause[sd]?", r"reasons?", r"root cause", r"почему", r"что случилось",
        r"что произошло", r"в ч[её]м причин\w*", r"причин\w*", r"из-за чего", r"отчего", r"что не так",
        r"с чем связан\w*",
    ),
    "drop": rx(
        r"under-?perform\w*", r"dropp?(?:ed|ing|s)?", r"fell", r"fall(?:ing|en|s)?", r"declin\w*", r"decreased",
        r"tank\w*", r"slump\w*", r"plummet\w*", r"worse", r"miss(?:ed|es|ing)?", r"bad(?:ly)?", r"poor(?:ly)?",
        r"weak\w*", r"просел\w*", r"просед\w*", r"упал\w*", r"упад\w*", r"паден\w*", r"пада(?:ет|ют|л|ла|ли|ть)", r"снизил\w*", r"снижени\w*",
        r"ухудш\w*", r"провал\w*", r"хуже", r"не дотяг\w*", r"обвал\w*", r"плох\w*", r"слаб\w*", r"не работает",
        r"stopp?(?:ed|s)? (?:working|converting|performing|selling)", r"перестал\w*",
    ),
    "attention": rx(
        r"attention", r"worr\w*", r"concern\w*", r"problems?", r"problematic", r"issues?", r"troubles?", r"red flags?",
        r"on fire", r"burning", r"alarm\w*", r"failing", r"broken", r"under-?perform\w*", r"look at first",
        r"priorit\w*", r"fix first", r"need(?:s)? fixing", r"worst", r"внимани\w*", r"проблем\w*", r"беспоко\w*",
        r"тревож\w*", r"гор(?:ят|ит|ящ\w*)", r"пожар\w*", r"не так", r"в первую очередь", r"приорите\w*",
        r"исправ\w*", r"хуже всего", r"худш\w*", r"drag\w* (?:us |\w+ )?down", r"los(?:e|es|ing) money", r"wast\w*",
        r"bleed\w*", r"broken?", r"сломал\w*", r"слома\w*", r"тян\w* (?:нас |\w+ )?вниз", r"тер(?:яем|яют|ять|яет) деньги", r"слива\w*", r"слив\w*",
    ),
    "off_target": rx(
        r"off[- ](?:target|track)\w*", r"(?:miss|missing|missed|below|under|behind|not meeting|not hitting|"
        r"falling short of|fall short of|short of)\s+(?:our |the |its |their |any )?(?:kpi )?(?:targets?|goals?|plans?)",
        r"targets? (?:are |were )?(?:missed|not met)", r"targets? (?:\w+ ){0,3}?(?:missing|missed|behind|off)",
        r"(?:which|what) (?:targets|goals)", r"not on track", r"against (?:our |the )?targets?",
        r"kpis? (?:are |is )?(?:off|missing|failing|red|below|behind)", r"which kpis", r"what kpis",
        r"не выполня\w*", r"не выполн\w*", r"не достига\w*", r"не достигнут\w*", r"не достигл\w*", r"вне цел\w*",
        r"отста\w* от (?:план|цел)\w*", r"ниже (?:цел|план)\w*", r"не дотяг\w* до (?:цел|план)\w*",
        r"какие kpi", r"какие показател\w*", r"план\w* не выполн\w*", r"не в цел\w*", r"мимо цел\w*",
        r"(?:are|is) (?:we|it|everything) on track", r"(?:hitting|meeting|reaching|hit|meet|reach) (?:our |the |all )?(?:\w+ )?(?:targets?|goals?|plans?)",
        r"выполня\w* ли (?:мы )?(?:\w+ )?план\w*", r"выполним ли", r"достига\w* ли (?:мы )?(?:\w+ )?цел\w*",
        r"в план\w* ли", r"идем ли (?:мы )?по плану",
    ),
    "funding_strong": rx(
        r"under-?fund\w*", r"over-?fund\w*", r"under-?invest\w*", r"over-?invest\w*", r"over-?spend\w*",
        r"under-?spend\w*", r"deserv\w*", r"starv\w*", r"saturat\w*", r"marginal\w*", r"diminishing", r"headroom",
        r"room to (?:grow|scale)", r"potential", r"потенциал\w*", r"extra", r"дополнительн\w*", r"недофинанс\w*", r"перефинанс\w*", r"недоинвест\w*", r"переинвест\w*",
        r"перекорм\w*", r"недокорм\w*", r"заслужива\w*", r"насыщ\w*", r"предельн\w*", r"перегрет\w*",
        r"потол(?:ок|ка|ке|ком)", r"уп[её]р(?:ся|лись|лась)", r"плато", r"plateau\w*", r"ceiling",
        r"недобюджет\w*", r"переплач\w*", r"переплат\w*", r"overpay\w*", r"overpaid",
    ),
    "funding_weak": rx(
        r"(?:more|less|extra|additional) (?:budget|money|spend|investment|funding)",
        r"(?:where|which channels?|what channels?) (?:should|could|can|to|do) (?:we |i )?(?:cut|trim|reduce|invest|add|"
        r"spend more|spend less|put more|scale|save)",
        r"where to (?:cut|invest|add|save)", r"(?:add|increase|raise|give) (?:more )?(?:budget|money|funding)",
        r"(?:куда|где|какому|каким|какой|какие|какого)\W+(?:\w+\W+){0,4}?(?:добав|вложи|увелич|нарасти|сократ|урез|"
        r"срез|сэконом|убав|перелож)\w*",
        r"(?:больше|меньше) (?:бюджет|денег|средств|тратить|вкладывать)\w*", r"добавить (?:бюджет|денег|средств)\w*",
        r"(?:should|do|must) we (?:increase|raise|add|grow|cut|reduce|trim|lower) (?:\w+ ){0,3}?(?:budget|spend\w*|investment)",
        r"(?:нужно|стоит|надо|следует|пора)(?: ли)? (?:\w+ ){0,2}?(?:увелич|добав|сократ|урез|нарасти|сниз|вкладыв|влож|инвестир|тратить больше|тратить меньше)\w*",
        r"how much (?:\w+ ){0,2}?(?:should|to|do|must|can) (?:we |i )?(?:spend|invest|put|allocate)",
        r"сколько (?:\w+ ){0,2}?(?:тратить|вкладывать|вложить|потратить|выделять|выделить)",
        r"worth (?:increas|rais|add|cut|reduc|spend|invest|scal|grow|trim)\w*",
        r"where (?:\w+ ){0,4}?(?:extra|additional|spare)", r"where (?:should|would|could|to|do) (?:\w+ ){0,4}?(?:go|put|spend|invest)",
        r"(?:growth|scaling) potential", r"potential to (?:grow|scale)", r"потенциал\w* (?:рост|масштаб)\w*",
        r"куда (?:\w+ ){0,2}?(?:направ|потрат|деть|отда|инвестир|пустить)\w*",
        r"(?:есть|имеет) (?:ли )?смысл (?:\w+ ){0,2}?(?:вложи|вкладыв|увелич|добав|сократ|урез|тратить|нарасти|сниз)\w*",
        r"(?:makes? sense|worth it) to (?:\w+ ){0,2}?(?:spend|invest|add|cut|increase|reduce)\w*",
    ),
    "split": rx(
        r"split\w*", r"allocat\w*", r"distribut\w*", r"divid\w*", r"budget mix", r"media mix", r"(?:best|optimal) mix",
        r"optimal (?:allocation|budget|split|plan)", r"optimi[sz]\w*",
        r"how (?:should|do|would|can|to) (?:we |i )?(?:spend|invest|use|deploy)", r"распредел\w*", r"раздел(?:ить|им|ите|и|ять|ение\w*)",
        r"подел(?:ить|им|ите|и)", r"разбить", r"разбивк\w*", r"оптимальн\w*", r"оптимиз\w*", r"микс\w*", r"сплит\w*",
        r"как (?:лучше )?(?:потратить|вложить|использовать|тратить)",
        r"best way to (?:spend|use|invest|allocate|deploy)", r"(?:how|where) (?:best )?to (?:spend|invest|allocate)",
        r"разлож\w*", r"раскид\w*", r"раскин\w*",
    ),
    "trend": rx(
        r"trend\w*", r"over time", r"by month", r"per month", r"month[- ]over[- ]month", r"mom", r"monthly",
        r"week[- ]over[- ]week", r"weekly", r"dynamics?", r"history", r"historical\w*", r"evolv\w*", r"trajector\w*",
        r"how (?:has|have|did) (?:\w+\W+){0,5}?(?:chang|develop|evolv|mov|trend|shift|grow|grew)\w*",
        r"how (?:does|do|is|are) (?:\w+\W+){0,5}?(?:chang|evolv|trend)\w*",
        r"going (?:up|down)", r"up or down", r"rising or falling", r"improving or (?:declining|worsening)",
        r"раст[её]т", r"растут", r"(?:улучша|ухудша)\w* или (?:ухудша|улучша)\w*",
        r"тренд\w*", r"динамик\w*", r"по месяцам", r"помесячн\w*", r"по неделям", r"понедельн\w*",
        r"с течением времени", r"как (?:\w+\s+){0,3}?(?:менял|изменял|изменил|развивал|росл|рос|падал|вел)\w*",
    ),
    "injection": rx(
        r"ignore (?:all |any |the |your )?(?:previous |prior |above |earlier )?(?:instructions|rules|prompts?)",
        r"system prompt", r"disregard (?:all |the |your )?(?:previous |prior )?(?:instructions|rules)",
        r"you are now", r"jailbreak\w*", r"игнорир\w* (?:\w+ )?(?:инструкц|правил)\w*",
        r"забудь (?:\w+ )?(?:инструкц|правил)\w*", r"системн\w* (?:промпт|подсказк|инструкц)\w*",
    ),
    "which_campaigns": rx(r"(?:which|what) (?:of (?:our|the) )?(?:\w+ )?campaigns", r"any (?:\w+ )?campaigns",
                          r"как(?:ие|их|им) (?:\w+ ){0,2}?кампани\w*", r"котор\w* (?:\w+ )?кампани\w*"),
    "segment": rx(r"segments?", r"сегмент\w*", r"breakdown by", r"в разрезе", r"по срезам"),
    "compare": rx(r"compare\w*", r"comparison", r"vs\.?", r"versus", r"against each other", r"сравни\w*",
                  r"сравнени\w*", r"сопостав\w*", r"против"),
    "customers": rx(
        r"clv", r"c?ltv", r"lifetime", r"cac", r"acquisition costs?", r"retention", r"retain\w*", r"churn\w*",
        r"repeat\w*", r"loyal\w*", r"satisf\w*", r"csat", r"nps", r"net promoter", r"customers?", r"cohorts?",
        r"клиент\w*", r"удержан\w*", r"отток\w*", r"лояльн\w*", r"удовлетвор\w*", r"повторн\w*", r"когорт\w*",
        r"пожизненн\w*", r"стоимост\w* привлечени\w*", r"покупател\w*",
    ),
    "forecast": rx(
        r"forecast\w*", r"predict\w*", r"projection\w*", r"project(?:ed)?", r"expect\w*", r"outlook", r"estimat\w*",
        r"will (?:we|it|be|get)", r"will (?:\w+ ){1,3}be", r"going to", r"next (?:week|month|quarter|year)", r"coming (?:week|month|quarter)",
        r"if we spend", r"at (?:a |the )?budget", r"прогноз\w*", r"спрогноз\w*", r"предскаж\w*", r"ожида\w*",
        r"будет", r"будут", r"следующ\w* (?:недел|месяц|квартал|год)\w*", r"ближайш\w* (?:недел|месяц|квартал)\w*",
        r"если (?:мы )?(?:потрат|вложи|инвестир|выдел)\w*", r"при бюджете",
    ),
    "overview": rx(
        r"how (?:are|is|am) (?:we|it|things|the (?:department|team|marketing|business))",
        r"how'?s it going", r"how (?:we'?re|we are) doing", r"overall", r"overview", r"summar\w*", r"status",
        r"scorecard", r"big picture", r"report card", r"performance (?:review|summary|report)", r"kpi system",
        r"how (?:did|do) we (?:do|perform)", r"how well", r"как (?:у нас |наши )?дела", r"как мы", r"как (?:идут|обстоят) дела",
        r"как (?:работает|работаем|справляемся)", r"в целом", r"общ\w* картин\w*", r"сводк\w*", r"итог\w*",
        r"обзор\w*", r"отчет\w*", r"состояни\w*", r"как (?:там|в целом)", r"health(?:[- ]?check)?", r"healthy",
        r"check-?up", r"здоров\w*",
        r"(?:which|what) channels? (?:is|are|has|have|performs?|works?|brings?|gives?)", r"best[- ]performing",
        r"how'?s (?:\w+ ){0,2}?going", r"how (?:is|are) (?:\w+ ){0,2}?going", r"how (?:is|are|'?s) (?:\w+ ){1,3}?(?:doing|performing)",
        r"most (?:effective|efficient|profitable)", r"как(?:ой|ие) канал\w*", r"сам\w* (?:эффективн|прибыльн|выгодн)\w*",
    ),
}
#: "best" / "worst" of a ranking question; "highest"/"lowest" name a value, so they flip for the KPIs where lower is
#: better (:data:`LOWER_IS_BETTER`, the catalog's ``direction: lower``)
ORDER_BEST = rx(r"best", r"top", r"strongest", r"most (?:effective|efficient|profitable)", r"outperform\w*",
                r"лучш\w*", r"лучше", r"сильн\w*", r"самы\w* эффективн\w*", r"эффективне\w*", r"выгодн\w*")
ORDER_WORST = rx(r"worst", r"weakest", r"bottom", r"under-?perform\w*", r"least (?:effective|efficient)",
                 r"хуж\w*", r"худш\w*", r"слаб\w*", r"провал\w*", r"отста\w*")
ORDER_HIGH = rx(r"highest", r"most expensive", r"самы\w* (?:высок|дорог)\w*", r"наибольш\w*", r"максимальн\w*", r"дорож\w*")
ORDER_LOW = rx(r"lowest", r"cheapest", r"самы\w* (?:низк|дешев)\w*", r"наименьш\w*", r"минимальн\w*", r"дешевл\w*")
LOWER_IS_BETTER = frozenset({"spend", "cpc", "cpm", "cpa", "cac", "blended_cac"})

#: funding direction: more budget (under-funded) or less (over-funded, where to cut).
DIRECTION_MORE = rx(
    r"under-?fund\w*", r"under-?invest\w*", r"under-?spend\w*", r"deserv\w* more", r"more", r"extra", r"additional",
    r"add(?:s|ed|ing)?", r"increas\w*", r"rais\w*", r"invest(?:s|ed|ing)?", r"scal\w* up", r"grow\w*", r"starv\w*", r"headroom", r"room to (?:grow|scale)",
    r"недофинанс\w*", r"недоинвест\w*", r"недокорм\w*", r"недобюджет\w*", r"добав\w*", r"больше", r"нарасти\w*",
    r"увелич\w*", r"вложи\w*", r"potential", r"потенциал\w*", r"дополнительн\w*", r"направ\w*",
)
DIRECTION_LESS = rx(
    r"over-?fund\w*", r"over-?invest\w*", r"over-?spend\w*", r"saturat\w*", r"cut\w*", r"trim\w*", r"reduc\w*", r"less", r"scal\w* (?:back|down)",
    r"save", r"waste\w*", r"перефинанс\w*", r"переинвест\w*", r"перекорм\w*", r"перегрет\w*", r"насыщ\w*",
    r"меньше", r"сократ\w*", r"урез\w*", r"срез\w*", r"сэконом\w*", r"убав\w*", r"лишн\w*",
    r"потол\w*", r"уп[её]р\w*", r"плато", r"plateau\w*", r"ceiling", r"переплач\w*", r"переплат\w*",
    r"overpay\w*", r"overpaid",
)
