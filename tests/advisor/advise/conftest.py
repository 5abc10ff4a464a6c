"""Fixtures shared by the advise tests: the seed-1 demo world of 400 days, its datasets with and without targets
and its response bundle (one each per session: every module asked for the same), the scripted OpenAI-compatible
server and the chat model pointed at it; and the shared helper modules ``answers.py`` and ``openai_server.py``."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel

from advisor.advise.kinds.base import Env
from advisor.advise.run import known_names
from advisor.data import Dataset
from demo_world import generate_world
from models.response import ResponseBundle, ResponseSpec
from training.response import fit_bundle, prepare_history

# importlib import mode: load the helper modules once under fixed names so every test module shares them
_spec = importlib.util.spec_from_file_location("kpi_advise_answers", Path(__file__).parent / "answers.py")
assert _spec and _spec.loader
answers = sys.modules.setdefault("kpi_advise_answers", importlib.util.module_from_spec(_spec))
if not hasattr(answers, "load_helper"):
    _spec.loader.exec_module(answers)
oai = answers.load_helper("kpi_test_openai_server", Path(__file__).parent / "openai_server.py")


@pytest.fixture(scope="session")
def world400() -> Any:
    """The demo world of seed 1, 400 days (read only: build a copy to change it)."""
    return generate_world(1, days=400)


@pytest.fixture(scope="session")
def targets_dataset(world400: Any) -> Dataset:
    return Dataset.from_frames(**world400.tables, targets=world400.targets)


@pytest.fixture(scope="session")
def plain_dataset(world400: Any) -> Dataset:
    """The same world without targets."""
    return Dataset.from_frames(**world400.tables)


@pytest.fixture(scope="session")
def bundle400(world400: Any) -> ResponseBundle:
    """The response models of the world (any country, one start)."""
    hist, ch, camp, freq = prepare_history(world400.tables)
    return fit_bundle(hist, ch, camp, freq, ResponseSpec(country=None, n_starts=1))


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    """The scripted OpenAI-compatible server on 127.0.0.1 (``openai_server.py``)."""
    with oai.scripted_llm() as s:
        yield s


@pytest.fixture
def llm(server: Any, monkeypatch: pytest.MonkeyPatch) -> BaseChatModel:
    """The chat model the application builds from its settings, pointed at the scripted server (reset)."""
    from api.llm import chat_model_of
    from api.settings import Settings

    server.reset()
    monkeypatch.setenv("KPI_ADVISOR_LLM_MODEL", "test-model")
    monkeypatch.setenv("KPI_ADVISOR_LLM_BASE_URL", server.base_url)
    monkeypatch.setenv("KPI_ADVISOR_LLM_API_KEY", "test-key")
    model = chat_model_of(Settings())
    assert model is not None and type(model).__name__ == "ChatOpenAI"
    return model


@pytest.fixture(scope="session")
def targets_env(targets_dataset: Dataset) -> Env:
    """The dataset with targets and the names it holds (no models)."""
    return Env(targets_dataset, names=known_names(targets_dataset))
