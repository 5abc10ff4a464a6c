"""Column-name matching: contract names, ad-platform export aliases and user mappings.

Header names are compared by ``header_key``: trimmed, lower-case, runs of spaces/underscores/hyphens folded to
one space — so ``"Campaign ID"``, ``" campaign_id "`` and ``"CAMPAIGN-ID"`` all match ``campaign_id``.
Precedence: user mapping (config ``columns``) > exact contract name > built-in alias.
Unmatched columns are kept as extras, renamed to snake_case (``"Creative Type"`` → ``creative_type``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from advisor.data.contract import TableContract

_FOLD = re.compile(r"[\s_\-]+")
_CURRENCY_SUFFIX = re.compile(r"\s*\((?:[a-z]{3}|[$€£¥₽])\)$")


def header_key(name: str) -> str:
    """Canonical comparison key of a header cell (see module docstring)."""
    return _FOLD.sub(" ", str(name).replace("\ufeff", "").strip().lower()).strip()


def snake(name: str) -> str:
    """snake_case identifier for an extra column (``"Conv. rate (%)"`` → ``conv_rate``)."""
    out = re.sub(r"[^0-9a-z]+", "_", header_key(name)).strip("_")
    return out or "column"


# Aliases seen in Google Ads and Meta Ads Manager exports plus common spellings; keys are header_key()s.
_COMMON: dict[str, str] = {
    # Google Ads
    "day": "date",
    "campaign": "campaign_id",
    "cost": "spend",
    "impr.": "impressions",
    "interactions": "engagements",
    "conv. value": "revenue",
    "conversion value": "revenue",
    "all conv. value": "revenue",
    "campaign type": "channel",
    "advertising channel type": "channel",
    # Meta Ads Manager
    "reporting starts": "date",
    "campaign name": "campaign_id",
    "amount spent": "spend",
    "link clicks": "clicks",
    "results": "conversions",
    "purchases": "conversions",
    "purchases conversion value": "revenue",
    "website purchases conversion value": "revenue",
    "post engagement": "engagements",
    "post engagements": "engagements",
    # generic spellings
    "campaign id": "campaign_id",
    "campaign name id": "campaign_id",
    "spent": "spend",
    "ad spend": "spend",
    "impression": "impressions",
    "click": "clicks",
    "conversion": "conversions",
    "conv.": "conversions",
    "sales": "revenue",
    "conversion revenue": "revenue",
    "new customer": "new_customers",
    "platform": "channel",
    "order date": "order_date",
    "customer": "customer_id",
    "customer id": "customer_id",
    "order value": "revenue",
}

#: Meta exports repeat the period end on every row; it is dropped rather than kept as an attribute.
DROPPED: frozenset[str] = frozenset({"reporting ends"})
#: Aliases that give way (and are dropped) when another header claims the same column: Meta's
#: "Reporting starts" is the report's start, not the day, when a "Day" breakdown column is present.
WEAK: frozenset[str] = frozenset({"reporting starts"})


def alias_target(key: str, contract: TableContract) -> str | None:
    """The contract column a header key is an alias of in ``contract``, or None."""
    names = contract.names
    for k in (key, _CURRENCY_SUFFIX.sub("", key)):
        direct = k.replace(" ", "_")
        if direct in names:
            return direct
        target = _COMMON.get(k)
        if target in names:
            return target
    return None


@dataclass(frozen=True)
class ColumnResolution:
    """How raw headers map to output names.

    rename: raw header → output name (contract name or snake_case extra); dropped: raw headers discarded;
    conflicts: contract column → the raw headers that all claim it (an error).
    """

    rename: Mapping[str, str]
    dropped: tuple[str, ...]
    conflicts: Mapping[str, tuple[str, ...]]


def resolve_columns(
    headers: Sequence[str], contract: TableContract, mapping: Mapping[str, str] | None = None
) -> ColumnResolution:
    """Map raw ``headers`` onto ``contract`` names (user ``mapping`` first, then names, then aliases)."""
    user = {header_key(k): header_key(v).replace(" ", "_") for k, v in (mapping or {}).items()}
    claims: dict[str, list[str]] = {}
    rename: dict[str, str] = {}
    dropped: list[str] = []
    extras: list[str] = []
    for raw in headers:
        key = header_key(raw)
        target = user.get(key) or alias_target(key, contract)
        if target is None and key in DROPPED:
            dropped.append(raw)
            continue
        if target is None:
            extras.append(raw)
            continue
        claims.setdefault(target, []).append(raw)
    conflicts: dict[str, tuple[str, ...]] = {}
    for target, raws in claims.items():
        if len(raws) == 1:
            rename[raws[0]] = target
            continue
        # an exact contract-name or user-mapped header wins over aliases (e.g. "Impressions" vs "Impr.")
        preferred = [r for r in raws if header_key(r) in user or header_key(r).replace(" ", "_") == target]
        strong = [r for r in raws if header_key(r) not in WEAK]
        if not preferred and len(strong) == 1:
            rename[strong[0]] = target
            dropped.extend(r for r in raws if r != strong[0])
        elif len(preferred) == 1:
            rename[preferred[0]] = target
            extras.extend(r for r in raws if r != preferred[0] and header_key(r) not in WEAK)
            dropped.extend(r for r in raws if r != preferred[0] and header_key(r) in WEAK)
        else:
            conflicts[target] = tuple(raws)
    taken = set(rename.values()) | set(conflicts)
    for raw in extras:
        name = snake(raw)
        while name in taken:
            name += "_x"
        taken.add(name)
        rename[raw] = name
    return ColumnResolution(rename=rename, dropped=tuple(dropped), conflicts=conflicts)
