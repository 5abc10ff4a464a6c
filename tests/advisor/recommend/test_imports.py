"""Importing the recommender loads no model library: LightGBM (driver models) and SciPy (response models) are
imported where an impact needs them, so commands without models start faster."""

from __future__ import annotations

import subprocess
import sys


def test_recommend_imports_no_model_library() -> None:
    code = (
        "import sys, advisor.recommend\n"
        "print(sorted(m for m in ('lightgbm', 'models.response', 'models.forecast', 'scipy') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
