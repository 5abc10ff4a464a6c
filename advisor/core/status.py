"""Statuses: the one vocabulary for how well something is going, shared by checks, findings, targets and verdicts.

One :class:`Status` holds two families of words on one severity scale (0 fine, 1 no judgement, 2 watch it,
3 act now):

==========  =====================  =============================================  ===============
severity    diagnostic checks      KPI against a target (SPEC §3)                 meaning
==========  =====================  =============================================  ===============
0           ``ok``                 ``on_track``                                   fine
1           ``info``,              ``no_data``, ``no_target``                     nothing to judge
            ``insufficient_data``
2           ``warning``            ``at_risk`` (misses by ≤ the tolerance)        watch it
3           ``failing``            ``off_track``                                  act now
==========  =====================  =============================================  ===============

Checks speak the first family, targets the second (the words users and the SPEC see); code that only needs
"is this a problem?" asks :attr:`Status.is_problem` instead of listing words. :class:`Verdict` is the overall
judgement of a diagnosed scope.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Outcome of a check or of a KPI against its target (a ``str``: compares equal to its value)."""

    OK = "ok"
    INFO = "info"
    WARNING = "warning"
    FAILING = "failing"
    INSUFFICIENT = "insufficient_data"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"
    NO_TARGET = "no_target"

    @property
    def severity(self) -> int:
        """0 fine, 1 nothing to judge, 2 watch it, 3 act now (see the module table)."""
        return _SEVERITY[self]

    @property
    def is_problem(self) -> bool:
        """True for ``warning``/``at_risk`` and ``failing``/``off_track``: findings actions are sought for."""
        return self.severity >= 2


_SEVERITY = {
    Status.OK: 0,
    Status.ON_TRACK: 0,
    Status.INFO: 1,
    Status.INSUFFICIENT: 1,
    Status.NO_DATA: 1,
    Status.NO_TARGET: 1,
    Status.WARNING: 2,
    Status.AT_RISK: 2,
    Status.FAILING: 3,
    Status.OFF_TRACK: 3,
}

#: The statuses that ask for action, worst first.
PROBLEM_STATUSES: tuple[Status, ...] = (Status.FAILING, Status.OFF_TRACK, Status.WARNING, Status.AT_RISK)


def as_status(value: str | Status) -> Status:
    """``value`` as a :class:`Status`; ``ValueError`` listing the valid words for anything else."""
    try:
        return Status(value)
    except ValueError:
        words = ", ".join(s.value for s in Status)
        raise ValueError(f"unknown status {value!r}; use one of {words}") from None


def status_of_shortfall(shortfall: float, band: float) -> Status:
    """Status of a KPI that misses its target by ``shortfall`` (KPI units, ≤ 0 = meets it) when a miss of up
    to ``band`` (≥ 0, KPI units) is tolerated: ``on_track``, ``at_risk`` or ``off_track``."""
    if shortfall <= 0:
        return Status.ON_TRACK
    return Status.AT_RISK if shortfall <= band else Status.OFF_TRACK


class Verdict(StrEnum):
    """Overall verdict for a diagnosed scope and period."""

    SUCCEEDING = "succeeding"
    ON_TRACK = "on_track"
    UNDER_PERFORMING = "under_performing"
    FAILING = "failing"
    INSUFFICIENT = "insufficient_data"


__all__ = ["PROBLEM_STATUSES", "Status", "Verdict", "as_status", "status_of_shortfall"]
