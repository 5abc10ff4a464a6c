"""Customer lifetime value: RFM summary of orders, BG/NBD repeat purchases, Gamma-Gamma spend, discounted CLV.

Own implementation of the published likelihoods with analytic gradients (scipy): ``lifetimes`` 0.11.3
installs but its input check fails on pandas 2.3 Series and it is unmaintained since 2020; ``btyd`` and
``pymc-marketing`` pull in PyMC. On CDNOW the fitted parameters equal the published ones (and lifetimes' to
4 decimals; see ``benchmarks/clv_cdnow.py``).
"""

from models.clv.bgnbd import BGNBD, BGNBDParams, BGNBDSpec
from models.clv.gamma_gamma import GammaGamma, GammaGammaParams, GammaGammaSpec
from models.clv.rfm import holdout_summary, rfm_summary, transactions
from models.clv.segments import CLVModelSet, SegmentSpec
from models.clv.value import (
    CLVModel,
    CLVSpec,
    discount_factors,
    discounted_purchases,
    remaining_discounted_purchases,
)

__all__ = [
    "BGNBD",
    "BGNBDParams",
    "BGNBDSpec",
    "CLVModel",
    "CLVModelSet",
    "CLVSpec",
    "GammaGamma",
    "GammaGammaParams",
    "GammaGammaSpec",
    "SegmentSpec",
    "discount_factors",
    "discounted_purchases",
    "holdout_summary",
    "remaining_discounted_purchases",
    "rfm_summary",
    "transactions",
]
