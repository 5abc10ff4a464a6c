"""The chat model the settings configure (``KPI_ADVISOR_LLM_*``, :class:`api.settings.Settings`), for the server
and the CLI. LangChain is imported only when a model is configured."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from api.settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger("kpi_advisor.api")


def chat_model_of(settings: Settings) -> BaseChatModel | None:
    """The chat model of ``settings`` (None: no ``llm_model``). Raises ImportError/ValueError when the provider
    package is missing or the model string is unknown."""
    if not settings.llm_model:  # no LLM: the narrator (and LangChain) need not be imported
        return None
    from advisor.narrative import chat_model

    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key is not None else None
    return chat_model(
        settings.llm_model, base_url=settings.llm_base_url, api_key=key, temperature=settings.llm_temperature,
        timeout_s=settings.llm_timeout_s,
    )


class SharedChatModel:
    """The chat model of ``settings``, built on first use and shared by every request of the process; None (and
    one warning in the log) when none is configured or it cannot be built, so the built-in narrator answers."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._built: tuple[BaseChatModel | None] | None = None
        self._lock = threading.Lock()

    def get(self) -> BaseChatModel | None:
        with self._lock:
            if self._built is None:
                try:
                    self._built = (chat_model_of(self.settings),)
                except (ImportError, ValueError) as exc:
                    log.warning("LLM not available (%s); the built-in narrator answers", exc)
                    self._built = (None,)
            return self._built[0]
