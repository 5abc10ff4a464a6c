"""Warming a newly activated model version before it is served.

After a retraining every dashboard asks its questions again at once; so a workspace remembers its most recent
distinct requests (:class:`RecentRequests`) and, when the database names a new model version, answers them from
the new snapshot (through a :class:`PinnedWorkspace`) into the result cache before it swaps the snapshot in.
:func:`warm_up_models` does the one-off work of the request paths (lazy imports) at load time.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from api.http.snapshot import Snapshot
    from models.drivers import DriverModelSet


class RecentRequests:
    """The ``size`` most recent distinct requests of a workspace (``size`` = 0: none are kept), newest last.

    A request is ``call(workspace, *args)`` under a key naming it (operation + canonical request); remembering a
    key again moves it to the newest end. ``seconds``: how long :meth:`warm` may take in all; ``clock``: seconds,
    monotonic (tests pass a fake one)."""

    def __init__(self, size: int, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.size = size
        self.seconds = seconds
        self.clock = clock
        self._calls: OrderedDict[str, tuple[Callable[..., Any], tuple[Any, ...]]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, key: str, call: Callable[..., Any], *args: Any) -> None:
        """Note the request ``call(workspace, *args)`` under ``key``, dropping the oldest beyond ``size``."""
        if self.size <= 0:
            return
        with self._lock:
            self._calls[key] = (call, args)
            self._calls.move_to_end(key)
            while len(self._calls) > self.size:
                self._calls.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._calls)

    def warm(self, target: Any) -> int:
        """Answer the remembered requests against ``target`` (a :class:`PinnedWorkspace`), newest first, until
        ``seconds`` have passed; returns how many were answered. A request that fails is skipped: it is answered
        (as an error) when it is asked."""
        with self._lock:
            calls = list(reversed(self._calls.values()))
        deadline = self.clock() + self.seconds
        done = 0
        for call, args in calls:
            if self.clock() > deadline:
                break
            try:
                call(target, *args)
            except Exception:
                continue
            done += 1
        return done


class PinnedWorkspace:
    """A view of a workspace (``api.http.workspace.Workspace``) that answers from ``snapshot`` (one not served
    yet); everything else is the workspace's. Requests it answers are not remembered again."""

    def __init__(self, workspace: Any, snapshot: Snapshot) -> None:
        self._workspace = workspace
        self.snapshot = snapshot

    def __getattr__(self, name: str) -> Any:
        return getattr(self._workspace, name)

    def remember(self, *_: Any) -> None:
        return None

    def require(self, *, models: bool = False, dataset: bool = True) -> Snapshot:
        return self.snapshot.require(models=models, dataset=dataset)


def warm_up_models(drivers: DriverModelSet | None) -> None:
    """Do the one-off work of the request paths before serving: import the modules the services import lazily
    (the diagnostics, the forecaster, the advisor's parser and every kind handler), so that the first request is
    as fast as the next ones. ``drivers``: the loaded driver models (their SHAP values come from LightGBM's own
    TreeSHAP, which needs no preparation)."""
    import importlib

    import advisor.advise.run
    import advisor.advise.understand
    import advisor.diagnostics  # noqa: F401
    import models.forecast  # noqa: F401
    from advisor.advise.kinds import MODULES

    for module in MODULES.values():
        importlib.import_module(f"advisor.advise.kinds.{module}")
