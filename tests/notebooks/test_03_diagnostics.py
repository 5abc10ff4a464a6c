"""notebooks/03-diagnostics.ipynb runs top to bottom and draws the funnel chart and the SHAP waterfall."""

import pytest


@pytest.mark.slow
def test_diagnostics_notebook_executes(run_notebook) -> None:  # type: ignore[no-untyped-def]
    nb = run_notebook("03-diagnostics.ipynb")
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    errors = [o for o in outputs if o.get("output_type") == "error"]
    assert not errors
    pngs = [o for o in outputs if o.get("output_type") == "display_data" and "image/png" in o.get("data", {})]
    assert len(pngs) >= 2  # funnel chart, SHAP waterfall
    text = "".join(str(o.get("text", "")) for o in outputs)
    assert "not proven causes" in text
