"""notebooks/02-budget-planning.ipynb runs top to bottom and draws its charts."""

import pytest


@pytest.mark.slow
def test_budget_planning_notebook_executes(run_notebook) -> None:  # type: ignore[no-untyped-def]
    nb = run_notebook("02-budget-planning.ipynb")
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    pngs = [o for o in outputs if o.get("output_type") == "display_data" and "image/png" in o.get("data", {})]
    assert len(pngs) >= 3  # forecast bands, response curves, allocation
    errors = [o for o in outputs if o.get("output_type") == "error"]
    assert not errors
