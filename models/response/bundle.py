"""A set of response models (one per KPI) plus what planning needs from the history."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from models.registry import Registry, RegistryError
from models.response.model import ResponseModel

KPIS = ("conversions", "revenue")


@dataclass(frozen=True)
class PlanningContext:
    """Facts about the training history used to build and check plans.

    ``channels``: every channel seen (sorted); ``campaigns``: campaign id → channel;
    ``weekday_share``: channel → 7 shares (Mon..Sun, sum 1) of spend over the last 8 weeks (daily data);
    ``run_rate``: channel → mean spend per period over the last 28 days (4 weeks on weekly data);
    ``last_date``: last period of history (ISO); ``freq``: ``"D"`` or ``"W"``.
    """

    channels: tuple[str, ...]
    campaigns: Mapping[str, str]
    weekday_share: Mapping[str, tuple[float, ...]]
    run_rate: Mapping[str, float]
    last_date: str
    freq: str

    @classmethod
    def from_history(
        cls, spend: pd.DataFrame, freq: str, campaigns: Mapping[str, str] | None = None
    ) -> PlanningContext:
        """``spend``: per-period spend by channel ``(T, C)`` on a DatetimeIndex."""
        idx = pd.DatetimeIndex(spend.index)
        recent = spend.iloc[-28:] if freq == "D" else spend.iloc[-4:]
        window = spend.iloc[-56:]
        share: dict[str, tuple[float, ...]] = {}
        for ch in spend.columns:
            by = window[ch].groupby(pd.DatetimeIndex(window.index).dayofweek).mean().reindex(range(7), fill_value=0.0)
            tot = float(by.sum())
            share[str(ch)] = tuple((by / tot).tolist()) if tot > 0 else tuple([1 / 7] * 7)
        return cls(
            channels=tuple(sorted(str(c) for c in spend.columns)),
            campaigns=dict(campaigns or {}),
            weekday_share=share,
            run_rate={str(c): float(recent[c].mean()) for c in spend.columns},
            last_date=str(idx[-1].date()),
            freq=freq,
        )

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["channels"] = list(self.channels)
        d["weekday_share"] = {k: list(v) for k, v in self.weekday_share.items()}
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, object]) -> PlanningContext:
        ws = d["weekday_share"]
        assert isinstance(ws, Mapping)
        return cls(
            channels=tuple(d["channels"]),  # type: ignore[arg-type]
            campaigns=dict(d["campaigns"]),  # type: ignore[call-overload]
            weekday_share={k: tuple(float(x) for x in v) for k, v in ws.items()},
            run_rate={k: float(v) for k, v in dict(d["run_rate"]).items()},  # type: ignore[call-overload]
            last_date=str(d["last_date"]),
            freq=str(d["freq"]),
        )


@dataclass(frozen=True)
class ResponseBundle:
    """Response models by KPI (``conversions``, ``revenue``) sharing one :class:`PlanningContext`."""

    models: Mapping[str, ResponseModel]
    context: PlanningContext

    PREFIX = "response/"

    def to_files(self) -> dict[str, str]:
        files = {self.PREFIX + "context.json": json.dumps(self.context.to_dict())}
        for kpi, m in self.models.items():
            files.update(m.to_files(f"{self.PREFIX}{kpi}/"))
        return files

    @classmethod
    def from_files(cls, files: Mapping[str, str]) -> ResponseBundle:
        ctx = PlanningContext.from_dict(json.loads(files[cls.PREFIX + "context.json"]))
        models = {}
        for kpi in KPIS:
            prefix = f"{cls.PREFIX}{kpi}/"
            if prefix + "params.json" in files:
                models[kpi] = ResponseModel.from_files(dict(files), prefix)
        return cls(models, ctx)

    @classmethod
    def load(cls, models_dir: str | Path, version: str | None = None) -> ResponseBundle:
        """The response models of the latest (or a named) registry version under ``models_dir``."""
        reg = Registry(models_dir)
        mv = reg.load(version) if version else reg.latest()
        files = mv.texts(cls.PREFIX)
        if cls.PREFIX + "context.json" not in files:
            raise RegistryError(f"model version {mv.version} holds no response models; run `kpi-advisor train`")
        return cls.from_files(files)

    def daily_reference(self, dates: pd.DatetimeIndex) -> pd.DataFrame:
        """Run-rate spend on ``dates`` by channel with the weekday pattern ``(H, C)``."""
        ctx = self.context
        out = {}
        for ch in ctx.channels:
            if ctx.freq == "D":
                share = np.asarray(ctx.weekday_share[ch])[dates.dayofweek]
                out[ch] = ctx.run_rate[ch] * 7 * share
            else:
                out[ch] = np.full(len(dates), ctx.run_rate[ch])
        return pd.DataFrame(out, index=dates)
