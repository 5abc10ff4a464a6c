"""Without a configured model ``api.llm.chat_model_of`` is None and imports neither the narrator nor LangChain
(seconds of every CLI start)."""

from __future__ import annotations

import os
import subprocess
import sys


def test_no_model_imports_no_langchain() -> None:
    code = (
        "import sys\n"
        "from api.llm import chat_model_of\n"
        "from api.settings import Settings\n"
        "print(chat_model_of(Settings()), sorted(m for m in sys.modules if m.startswith(('langchain', 'advisor.narrative'))))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("KPI_ADVISOR_LLM")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "None []"
