"""How a CLI command builds the :class:`advisor.ops.context.OpsContext` of an operation from its options.

``--data`` (and ``--config``) give the dataset, ``--models`` / ``--version`` the model set
(``advisor.ops.modelset.load_model_set``), ``api.settings.Settings`` (``KPI_ADVISOR_*``) the limits the service
uses too (``max_horizon_days``, ``forecast_sims``). Everything heavy is imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from api.cli.output import fail, stderr

if TYPE_CHECKING:
    from advisor.ops.context import OpsContext
    from advisor.ops.modelset import ModelSet

#: The registry the CLI reads when --models is not given (used when the folder exists).
DEFAULT_MODELS = Path("data/models")


def model_set(
    models: Path | None,
    version: str | None = None,
    *,
    parts: Collection[str] = ("response", "drivers", "clv"),
    required: bool = False,
    default: bool = False,
    segment: str | None = None,
) -> ModelSet:
    """The model set of ``models`` (``version``, default the latest). Without ``models``: the default registry
    ``data/models`` when ``default`` and it exists, else no models. A registry that cannot be read stops the
    command when ``required`` (exit 2 with the reason), else the command goes on without models (noted on stderr).
    ``segment``: the models of that segment's registry under ``models`` (``train --segment-by``).
    """
    from advisor.ops.modelset import EMPTY, load_model_set
    from models.registry import RegistryError

    root = models
    if root is None and default and DEFAULT_MODELS.is_dir():
        root = DEFAULT_MODELS
    if root is None:
        if required:
            fail("give the model registry with --models (train one with `kpi-advisor train`)")
        return EMPTY
    try:
        return load_model_set(root, version, parts=parts, segment=segment)
    except (RegistryError, FileNotFoundError) as exc:
        if required or models is not None:
            fail(f"no models in {root}: {exc}")
        stderr.print(f"no models in {root} ({exc}); going on without them", highlight=False)
        return EMPTY


def cli_context(
    data: Path | None,
    config: Path | None = None,
    models: ModelSet | None = None,
    **extra: Any,
) -> OpsContext:
    """The context of one CLI command: the dataset of ``data`` (None: none), ``models``, the settings' limits."""
    from advisor.ops.context import OpsContext
    from advisor.ops.modelset import EMPTY
    from api.settings import get_settings

    settings = get_settings()
    dataset = None
    if data is not None:
        from advisor.data import load_dataset

        dataset = load_dataset(data, config, limits=settings.data_limits())
    extra.setdefault("llm_timeout_s", settings.llm_timeout_s)
    return OpsContext(
        dataset, settings.max_horizon_days, settings.forecast_sims,
        dataset_id=str(data) if data is not None else None, models=models if models is not None else EMPTY, **extra,
    )


def spark_cli_context(data: Path, config: Path | None = None) -> OpsContext:
    """The context of ``kpis --engine spark``: campaign_daily of ``data`` read by Spark
    (``advisor.data.spark_source``, on ``KPI_ADVISOR_SPARK_MASTER``), the other tables by the usual readers."""
    from advisor.data.spark_source import load_spark_dataset
    from advisor.ops.context import OpsContext
    from api.settings import get_settings
    from models.spark_session import spark_session

    settings = get_settings()
    with stderr.status(f"starting Spark ({settings.spark_master})"):
        try:
            spark = spark_session(settings.spark_master)
        except Exception as exc:  # no Java, a master that does not answer ...: say so, no traceback
            fail(f"cannot start Spark on {settings.spark_master} (KPI_ADVISOR_SPARK_MASTER): {exc}")
    ds = load_spark_dataset(data, spark, config, limits=settings.data_limits())
    return OpsContext(
        None, settings.max_horizon_days, settings.forecast_sims, dataset_id=str(data), spark_dataset=ds,
        llm_timeout_s=settings.llm_timeout_s,
    )
