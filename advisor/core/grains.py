"""Time grains: the one list of period lengths every KPI, customer and interface table is cut by.

``Grain`` is the type (for signatures, pydantic and Typer); ``GRAINS`` the same words in order, shortest first.
"""

from __future__ import annotations

from typing import Literal, get_args

Grain = Literal["day", "week", "month", "quarter"]
GRAINS: tuple[str, ...] = get_args(Grain)


def check_grain(grain: str | None, *, allow_none: bool = True, allowed: tuple[str, ...] = GRAINS) -> None:
    """Raise ``ValueError`` naming the valid grains unless ``grain`` is one of ``allowed`` (or None when
    ``allow_none``: the whole range as one period)."""
    if grain is None and allow_none:
        return
    if grain not in allowed:
        whole = " (or None for the whole range)" if allow_none else ""
        raise ValueError(f"grain must be one of {', '.join(allowed)}{whole}, got {grain!r}")


__all__ = ["GRAINS", "Grain", "check_grain"]
