"""LightGBM driver models of campaign-day funnel outcomes (SPEC §4 "Attribution and drivers")."""

from models.drivers.features import FeatureSpec, build_features, geometric_adstock, infer_feature_spec
from models.drivers.io import (
    driver_model_files,
    driver_models_from_files,
    load_driver_models,
    save_driver_models,
)
from models.drivers.model import DEFAULT_TARGETS, DriverModel, DriverModelSet, DriverParams, DriverTarget

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
