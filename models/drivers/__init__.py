"""LightGBM driver models of campaign-day funnel outcomes (SPEC §4 "Attribution and drivers")."""

import importlib
import sys


def _import_lightgbm() -> None:
    """Import LightGBM without scikit-learn unless something imported scikit-learn already.

    ``lightgbm.compat`` imports scikit-learn (and with it ``scipy.stats``, about 1 s of CPU at every start of the
    CLI) only for LightGBM's scikit-learn estimators (``LGBMRegressor``, ...); the driver models use the Booster
    API alone (``lgb.train``, ``lgb.Booster``, ``predict(pred_contrib=True)``), which does not touch it. So
    ``import sklearn`` is made to fail while LightGBM is first imported (its documented "scikit-learn not
    installed" path); scikit-learn itself stays importable afterwards, only ``lightgbm.LGBMRegressor`` and
    friends are then unavailable in the process (nothing here uses them).
    """
    if "lightgbm" in sys.modules or "sklearn" in sys.modules:
        return
    sys.modules["sklearn"] = None  # type: ignore[assignment]  # a None entry makes `import sklearn` raise ImportError
    try:
        importlib.import_module("lightgbm")
    finally:
        del sys.modules["sklearn"]


_import_lightgbm()

# after LightGBM's import above (E402)
from models.drivers.features import FeatureSpec, build_features, geometric_adstock, infer_feature_spec  # noqa: E402
from models.drivers.io import (  # noqa: E402
    driver_model_files,
    driver_models_from_files,
    load_driver_models,
    save_driver_models,
)
from models.drivers.model import DEFAULT_TARGETS, DriverModel, DriverModelSet, DriverParams, DriverTarget  # noqa: E402

__all__ = [
    "DEFAULT_TARGETS",
    "DriverModel",
    "DriverModelSet",
    "DriverParams",
    "DriverTarget",
    "FeatureSpec",
    "build_features",
    "driver_model_files",
    "driver_models_from_files",
    "geometric_adstock",
    "infer_feature_spec",
    "load_driver_models",
    "save_driver_models",
]
