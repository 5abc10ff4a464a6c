"""Closest-name matching: the one rule every "did you mean …?" in the product follows.

Lives in ``models`` (the lowest layer that needs it: plan files name channels) and is re-exported by
``advisor.core.names``. Policy, for a ``name`` against known ``choices``:

1. an exact match wins;
2. else the choices equal to it after :func:`normalize` (case-folded; runs of spaces, hyphens and underscores
   read as one ``_``): ``"Paid Search"`` is ``paid_search``;
3. else suggestions: :func:`difflib.get_close_matches` on the normalised forms with :data:`CUTOFF`, best
   first, at most ``n``.

:data:`CUTOFF` is 0.6 (difflib's own default; similarity = 2 × matching characters / total characters). It
keeps a one- or two-letter typo of a 4+ letter name (``serach`` → ``search`` 0.83, ``video-2`` → ``video-02``
0.93) and drops unrelated names (``social`` vs ``search`` 0.33, ``email`` vs ``display`` 0.17). It replaces three cutoffs
(0.75, 0.5 and 0.4) that let the same typo be suggested in one place and not in another.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

CUTOFF = 0.6
_SEPARATORS = re.compile(r"[\s\-_]+")


def normalize(name: object) -> str:
    """``name`` as compared: stripped, case-folded, separators (spaces, ``-``, ``_``) as one ``_``."""
    return _SEPARATORS.sub("_", str(name).strip().casefold())


def resolve_name(name: object, choices: Iterable[str]) -> str | None:
    """The choice ``name`` means: itself when known, else the one choice equal to it after :func:`normalize`;
    None when there is none or several."""
    known = [str(c) for c in choices]
    if str(name) in known:
        return str(name)
    same = [c for c in known if normalize(c) == normalize(name)]
    return same[0] if len(same) == 1 else None


def closest_names(name: object, choices: Iterable[str], n: int = 3, cutoff: float = CUTOFF) -> list[str]:
    """Up to ``n`` known choices ``name`` most likely means, best first (the policy of the module docstring);
    ``[]`` when nothing is close. ``cutoff`` is for tests and special cases only: callers use the default."""
    known = sorted({str(c) for c in choices})
    exact = resolve_name(name, known)
    if exact is not None:
        return [exact]
    by_form: dict[str, list[str]] = {}
    for c in known:
        by_form.setdefault(normalize(c), []).append(c)
    forms = difflib.get_close_matches(normalize(name), list(by_form), n=n, cutoff=cutoff)
    return [c for f in forms for c in by_form[f]][:n]


__all__ = ["CUTOFF", "closest_names", "normalize", "resolve_name"]
