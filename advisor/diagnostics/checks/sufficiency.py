"""Data sufficiency: enough days, clicks and conversions in the period to diagnose anything."""

from __future__ import annotations

from advisor.diagnostics.base import DiagnoseConfig, Finding, Status
from advisor.diagnostics.scope import ScopeFrame


def check_sufficiency(frame: ScopeFrame, cfg: DiagnoseConfig) -> Finding:
    """``insufficient_data`` when the period has fewer than ``min_days`` days with data, ``min_clicks`` clicks
    or ``min_conversions`` conversions; else ``ok`` with the counts as evidence."""
    p = frame.period
    days = int(p["date"].nunique())
    clicks = float(p["clicks"].sum())
    conv = float(p["conversions"].sum())
    history = int(frame.rows["date"].nunique())
    evidence = {"days": days, "clicks": clicks, "conversions": conv, "history_days": history}
    short = []
    if days < cfg.min_days:
        short.append(f"{days} days (need {cfg.min_days})")
    if clicks < cfg.min_clicks:
        short.append(f"{clicks:.0f} clicks (need {cfg.min_clicks})")
    if conv < cfg.min_conversions:
        short.append(f"{conv:.0f} conversions (need {cfg.min_conversions})")
    if short:
        msg = f"Too little data for {frame.scope.label} in {frame.start}..{frame.end}: " + ", ".join(short)
        return Finding("data_sufficiency", Status.INSUFFICIENT, msg + "; no diagnosis made.", evidence=evidence)
    msg = f"{days} days, {clicks:.0f} clicks and {conv:.0f} conversions in the period."
    return Finding("data_sufficiency", Status.OK, msg, evidence=evidence)
