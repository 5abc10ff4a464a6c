import inspect

from advisor.core import thresholds
from advisor.customers import clv_cac_findings, clv_cac_status
from advisor.kpis.targets import assess, target_status


def test_thresholds_are_the_defaults_of_their_users() -> None:
    assert inspect.signature(clv_cac_findings).parameters["threshold"].default == 3.0
    assert inspect.signature(target_status).parameters["tolerance"].default == 0.10
    assert (thresholds.CLV_CAC_TARGET, thresholds.TARGET_TOLERANCE) == (3.0, 0.10)


def test_clv_cac_status_follows_the_thresholds() -> None:
    assert clv_cac_status(thresholds.CLV_CAC_BREAKEVEN - 0.01) == "off_track"
    assert clv_cac_status(thresholds.CLV_CAC_TARGET - 0.01) == "at_risk"
    assert clv_cac_status(thresholds.CLV_CAC_TARGET) == "on_track"


def test_target_tolerance_is_the_at_risk_band() -> None:
    target = 100.0
    assert assess(target * (1 - thresholds.TARGET_TOLERANCE), target, "higher").status == "at_risk"
    assert assess(target * (1 - thresholds.TARGET_TOLERANCE) - 0.01, target, "higher").status == "off_track"
