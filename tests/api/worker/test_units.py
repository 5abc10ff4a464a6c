"""Fast checks of the worker's pieces: params, exit messages, settings hand-over, CLI, empty queue, bad jobs."""

from __future__ import annotations

import signal
from typing import Any

import pytest


def test_check_params_defaults_and_errors() -> None:
    from api.worker.train_job import check_params

    assert check_params({"dataset_id": "d1"}) == ("d1", 0, False, True)
    assert check_params({"dataset_id": "d1", "seed": 3, "backtest": True, "activate": False}) == ("d1", 3, True, False)
    with pytest.raises(ValueError, match="dataset_id"):
        check_params({"seed": 1})
    with pytest.raises(ValueError, match="seed"):
        check_params({"dataset_id": "d1", "seed": "x"})


def test_json_ready_unwraps_numpy_and_drops_non_finite() -> None:
    import json

    import numpy as np

    from api.worker.train_job import json_ready

    doc = json_ready({"a": np.float64(1.5), "b": [np.int64(2), float("nan")], 3: np.array([1.0, np.inf])})
    assert doc == {"a": 1.5, "b": [2, None], "3": [1.0, None]}
    json.dumps(doc, allow_nan=False)


def test_exit_message_names_the_code_and_signal() -> None:
    from api.worker import exit_message

    assert "exited with code 3" in exit_message(3)
    killed = exit_message(-signal.SIGKILL)
    assert "exited with code -9" in killed and "SIGKILL" in killed
    assert "without finishing" in exit_message(0)


def test_settings_env_round_trips_through_the_environment(service: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from api.settings import Settings
    from api.worker import settings_env

    env = settings_env(service.settings)
    assert env["KPI_ADVISOR_DATABASE_URL"] == service.settings.database_url
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert Settings() == service.settings


def test_cli_help_lists_the_options() -> None:
    from typer.testing import CliRunner

    from api.cli import app

    out = CliRunner().invoke(app, ["worker", "--help"])
    assert out.exit_code == 0, out.output
    for option in ("--once", "--poll-seconds", "--database-url", "KPI_ADVISOR_DATABASE_URL"):
        assert option in out.output


def test_run_once_on_an_empty_queue_returns_none(service: Any) -> None:
    from api.worker import Worker

    assert Worker(service.settings, service.store).run_once() is None


def test_cli_once_upgrades_an_empty_database_and_exits_0(tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from api.cli import app
    from api.store import Store

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    before = signal.getsignal(signal.SIGINT)
    out = CliRunner().invoke(app, ["worker", "--once", "--database-url", url])
    assert out.exit_code == 0, out.output
    assert signal.getsignal(signal.SIGINT) is before  # the worker's stop handler is removed again
    store = Store(url)
    assert store.current_revision() is not None
    store.dispose()


def test_unknown_dataset_fails_the_job_with_a_helpful_error(service: Any) -> None:
    from api.worker.child import ChildConfig, run_job

    submitted = service.store.submit_job("acme", "train", {"dataset_id": "nope"})
    job = service.store.claim_job("test-worker", ("train",))
    assert job is not None and job.id == submitted.id
    assert run_job(ChildConfig.for_job(service.settings, "acme"), service.store, job) == "failed"
    final = service.store.job("acme", job.id)
    assert final.status == "failed"
    assert final.error and "nope" in final.error
    assert service.store.active_model("acme") is None


def test_child_config_is_bound_to_its_workspace(service: Any) -> None:
    from api.worker.child import ChildConfig

    config = ChildConfig.for_job(service.settings, "acme")
    assert config.models_root("acme") == service.settings.models_root("acme")
    with pytest.raises(ValueError, match="acme"):
        config.models_root("other")


def test_heartbeat_must_beat_the_stale_timeout(service: Any) -> None:
    from api.worker import Worker

    with pytest.raises(ValueError, match="job_stale_seconds"):
        Worker(service.settings, service.store, heartbeat_seconds=service.settings.job_stale_seconds)
