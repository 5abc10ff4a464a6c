"""What one request reads: a workspace's :class:`Snapshot` (dataset + served models), immutable and swapped whole,
and :class:`NotReadyError` for a workspace that cannot answer yet.

The field types are the real classes, imported only for type checking, so importing this module loads neither
pandas nor the model libraries.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from api.settings import DEFAULT_WORKSPACE

if TYPE_CHECKING:
    from advisor.data import Dataset
    from models.drivers import DriverModelSet
    from models.response import ResponseBundle


class NotReadyError(RuntimeError):
    """The workspace has no dataset or no trained models yet; the message says what to do."""


@dataclass(frozen=True)
class Snapshot:
    """Everything a request reads, swapped as a whole.

    ``workspace``: its name; ``dataset_id`` / ``dataset``: the active dataset or None; ``bundle``: the served
    response models or None; ``model_version``: their registry version (``v0003``); ``drivers``: the driver models
    for diagnostics or None; ``problems``: why something is missing, one sentence each; ``models_dir``: the registry
    the models come from.
    """

    workspace: str = DEFAULT_WORKSPACE
    dataset_id: str | None = None
    dataset: Dataset | None = None
    bundle: ResponseBundle | None = None
    model_version: str | None = None
    drivers: DriverModelSet | None = None
    problems: tuple[str, ...] = ()
    models_dir: Path | None = None

    @property
    def ready(self) -> bool:
        """Both a dataset and response models are served."""
        return self.dataset is not None and self.bundle is not None

    def key(self) -> tuple[str, str, str]:
        """Cache key part: the workspace, the data fingerprint and the model version this snapshot answers from."""
        fp = self.dataset.fingerprint if self.dataset is not None else ""
        return self.workspace, fp, self.model_version or ""

    def require(self, *, models: bool = False, dataset: bool = True) -> Snapshot:
        """This snapshot; :class:`NotReadyError` (saying what to do) when the dataset or the models are missing."""
        if dataset and self.dataset is None:
            raise NotReadyError("no dataset is loaded: upload one with POST /v1/datasets")
        if models and self.bundle is None:
            raise NotReadyError("no trained models are served: start training with POST /v1/train, then poll the job")
        return self
