"""``models.drivers`` imports LightGBM without scikit-learn (about 1 s of CPU at every CLI start); both stay usable."""

from __future__ import annotations

import subprocess
import sys


def run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_driver_models_load_lightgbm_without_sklearn() -> None:
    out = run("import sys, models.drivers; print(sorted(m for m in ('lightgbm', 'sklearn') if m in sys.modules))")
    assert out == "['lightgbm']"


def test_boosters_train_and_sklearn_imports_afterwards() -> None:
    out = run(
        "import models.drivers, numpy as np, lightgbm as lgb, sklearn.linear_model\n"
        "rng = np.random.default_rng(0); X = rng.random((60, 3))\n"
        "b = lgb.train({'verbose': -1, 'min_data_in_leaf': 5}, lgb.Dataset(X, X[:, 0] * 2), 5)\n"
        "print(b.predict(X, pred_contrib=True).shape, sklearn.linear_model.LinearRegression().fit(X, X[:, 0]).coef_.shape)"
    )
    assert out == "(60, 4) (3,)"


def test_sklearn_imported_first_keeps_lightgbm_sklearn_api() -> None:
    assert run("import sklearn, models.drivers, lightgbm.compat as c; print(c.SKLEARN_INSTALLED)") == "True"
