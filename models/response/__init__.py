"""Prophet baseline + media response models (adstock, saturation) per KPI."""

from models.response.bundle import KPIS, PlanningContext, ResponseBundle
from models.response.lift import LiftTest
from models.response.model import ResponseModel, ResponseSpec, Simulation

__all__ = ["KPIS", "LiftTest", "PlanningContext", "ResponseBundle", "ResponseModel", "ResponseSpec", "Simulation"]
