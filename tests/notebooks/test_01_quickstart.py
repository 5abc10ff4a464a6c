"""notebooks/01-quickstart.ipynb runs top to bottom."""

import pytest


@pytest.mark.slow
def test_quickstart_notebook_executes(run_notebook) -> None:  # type: ignore[no-untyped-def]
    nb = run_notebook("01-quickstart.ipynb")
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert any(o.get("output_type") == "display_data" and "image/png" in o.get("data", {}) for o in outputs)
