"""The deterministic narrator does not load LangChain (about 0.5 s of every CLI start): it is imported only when a
chat model is configured."""

from __future__ import annotations

import subprocess
import sys


def test_narrative_without_a_model_imports_no_langchain() -> None:
    code = (
        "import sys\n"
        "from advisor.narrative import narrate\n"
        "story = narrate({'analyses': []}, question='q', lang='en', llm=None, fallback='Nothing to report.')\n"
        "print(story.source, sorted(m for m in sys.modules if m.startswith(('langchain', 'langsmith'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "template []"
