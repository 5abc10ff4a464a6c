"""notebooks/04-customer-value.ipynb runs top to bottom: model CLV:CAC near the demo truth, the scorecard's CLV
lines from the model, and three charts (CLV:CAC by channel vs 3×, retention heat map, CSAT/NPS trend)."""

import pytest


@pytest.mark.slow
def test_customer_value_notebook_executes(run_notebook) -> None:  # type: ignore[no-untyped-def]
    nb = run_notebook("04-customer-value.ipynb", timeout=120)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    pngs = [o for o in outputs if o.get("output_type") == "display_data" and "image/png" in o.get("data", {})]
    assert len(pngs) >= 3
    text = "".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert "undiscounted" in text and "catalog (historical)" in text  # the basis line and the comparison table
    worst = float(text.split("CLV:CAC within ")[1].split("%")[0])
    assert worst <= 25  # per-channel model CLV:CAC within 25 % of the generator's truth
