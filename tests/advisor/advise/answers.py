"""Helpers shared by the kind tests of this folder: the answer's text, its verification against the result, the
Latin words of a Russian answer, numbers read back from the lines.

The test folders are not packages: ``conftest.py`` loads this file once under the fixed name ``kpi_advise_answers``
and the test modules take it from ``sys.modules``."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from advisor.advise.kinds.base import Answer, Env
from advisor.core.words import ACRONYMS
from advisor.data import Dataset
from advisor.narrative.facts import collect_facts
from advisor.narrative.verify import Verification, verify

#: quoted data values: «…», "…" and “…”
QUOTED = re.compile(r"«[^»]*»|\"[^\"]*\"|“[^”]*”")
LATIN = re.compile(r"[A-Za-z][A-Za-z:]*")
#: quoted data values without the English curly quotes: «…» and "…"
QUOTED_DATA = re.compile(r"«[^»]*»|\"[^\"]*\"")
WORD = re.compile(r"[A-Za-z]+(?::[A-Za-z]+)*")


def latin_words(text: str) -> list[str]:
    """Latin words outside quotes («…», "…", “…”) that are not acronyms of ``words.ACRONYMS`` (a trailing colon
    is no part of the word)."""
    return [w for w in LATIN.findall(QUOTED.sub(" ", text)) if w.rstrip(":") not in ACRONYMS]


def english_words(text: str) -> list[str]:
    """Latin-script words outside quoted data values («…», "…"; “…” counts) that are not acronyms; ``CLV:CAC``
    is one word."""
    return [w for w in WORD.findall(QUOTED_DATA.sub(" ", text)) if w not in ACRONYMS]


def text_of(ans: Answer, recommendations: int = 0) -> str:
    """The answer's lines, its first ``recommendations`` recommendations as ``- action``, its notes."""
    recs = [f"- {r.action}" for r in ans.recommendations[:recommendations]]
    return "\n".join([*ans.lines, *recs, *ans.notes])


def rendered(ans: Answer) -> str:
    """The text as the advisor prints it: lines, the top recommendations, the notes."""
    return text_of(ans, 3)


def names_of(env: Env) -> list[str]:
    """Every name the environment knows (campaigns, channels, …), for ``collect_facts``."""
    return [n for vs in env.names.values() for n in vs]


def campaign_channel_names(dataset: Dataset) -> dict[str, list[str]]:
    """The campaign ids and channels of the dataset's ``campaign_daily``, sorted."""
    cd = dataset.campaign_daily
    return {c: sorted(cd[c].astype(str).unique()) for c in ("campaign_id", "channel")}


def verification(
    ans: Answer,
    text: str | None = None,
    names: Iterable[str] = (),
    *,
    recommendations: bool = True,
    action_ids: Sequence[str] = (),
) -> Verification:
    """``verify`` of ``text`` (default: lines and notes) against the facts of the answer's analyses (and its
    recommendations unless ``recommendations=False``) and the known ``names``."""
    result: dict[str, Any] = {"analyses": [a.to_dict() for a in ans.analyses]}
    if recommendations:
        result["recommendations"] = [r.to_dict() for r in ans.recommendations]
    return verify(text_of(ans) if text is None else text, collect_facts(result, names), action_ids)


def assert_verified(ans: Answer, env: Env) -> None:
    """The rendered text (lines, top recommendations, notes) verifies against the result and the env's names."""
    v = verification(ans, rendered(ans), names_of(env))
    assert v.ok, (v.complaints, rendered(ans))


def num(s: str) -> float:
    """A number as the lines write it: ``1,500,000`` (en), ``1 500 000`` and ``−5`` (ru)."""
    return float(s.replace(",", "").replace(" ", "").replace("−", "-"))


def verified(ans: Answer, env: Env) -> tuple[bool, tuple[str, ...]]:
    """``(ok, complaints)`` of the lines and notes against the result and the env's names."""
    v = verification(ans, names=names_of(env))
    return v.ok, v.complaints


def assert_lines_verified(ans: Answer, *, recommendations: bool = True) -> None:
    """The lines and notes verify against the answer's analyses (and recommendations unless
    ``recommendations=False``), with no names beyond the result's."""
    v = verification(ans, recommendations=recommendations)
    assert v.ok, v.message()


def load_helper(name: str, path: Path) -> ModuleType:
    """A helper module of the test folders (not packages) under a fixed name, loaded once (importlib mode)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
