"""``api.settings``: every setting (the LLM's included) from ``KPI_ADVISOR_*`` variables, read once per process."""

from __future__ import annotations

import pytest

from api.llm import SharedChatModel, chat_model_of
from api.settings import Settings, get_settings


def test_llm_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KPI_ADVISOR_LLM_MODEL", "gpt-4o-mini")
    monkeypatch.setenv("KPI_ADVISOR_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("KPI_ADVISOR_LLM_API_KEY", "sk-test")
    monkeypatch.setenv("KPI_ADVISOR_LLM_TIMEOUT_S", "3.5")
    monkeypatch.setenv("KPI_ADVISOR_LLM_TEMPERATURE", "0.2")
    s = Settings()
    assert (s.llm_model, s.llm_base_url, s.llm_timeout_s, s.llm_temperature) == (
        "gpt-4o-mini", "http://127.0.0.1:9/v1", 3.5, 0.2,
    )
    assert s.llm_api_key is not None and s.llm_api_key.get_secret_value() == "sk-test"
    assert "sk-test" not in repr(s)  # the key is not printed with the settings
    model = chat_model_of(s)
    assert model is not None
    assert (model.model_name, model.request_timeout, model.temperature) == ("gpt-4o-mini", 3.5, 0.2)  # type: ignore[attr-defined]


def test_no_llm_model_means_no_llm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KPI_ADVISOR_LLM_MODEL", raising=False)
    assert chat_model_of(Settings()) is None
    assert SharedChatModel(Settings()).get() is None


def test_an_unknown_provider_falls_back_to_no_llm_once(caplog: pytest.LogCaptureFixture) -> None:
    shared = SharedChatModel(Settings(llm_model="no-such-provider:model"))
    with caplog.at_level("WARNING", logger="kpi_advisor.api"):
        assert shared.get() is None
        assert shared.get() is None
    assert sum("LLM not available" in r.getMessage() for r in caplog.records) == 1


def test_get_settings_reads_the_environment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    get_settings.cache_clear()
    monkeypatch.setenv("KPI_ADVISOR_CACHE_SIZE", "7")
    try:
        first = get_settings()
        monkeypatch.setenv("KPI_ADVISOR_CACHE_SIZE", "9")
        assert get_settings() is first and first.cache_size == 7
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize(("name", "value"), [("LLM_TIMEOUT_S", "0"), ("LLM_TEMPERATURE", "-1"), ("PORT", "0")])
def test_bad_values_are_refused_with_the_setting_named(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(f"KPI_ADVISOR_{name}", value)
    with pytest.raises(ValueError, match=name.lower()):
        Settings()
