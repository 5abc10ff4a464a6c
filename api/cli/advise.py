"""`advise`: a question in natural language (SPEC §5)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.app import app
from api.cli.context import cli_context, model_set
from api.cli.output import FORMAT_OPTION, OutputFormat, domain_errors, print_json, print_records, stderr, stdout


@app.command("advise")
@domain_errors
def advise(
    question: Annotated[str, typer.Option("--question", "-q", help="The question, in English or Russian.")],
    data: Annotated[Path, typer.Option("--data", "-d", help="Data folder (campaign_daily.csv, ...).")] = Path(
        "data/demo"
    ),
    models: Annotated[Path | None, typer.Option("--models", "-m", help="Model registry (for forecasts).")] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help="Answer language: en or ru (default: the question's language).")
    ] = None,
    actions: Annotated[
        Path | None, typer.Option("--actions", help="Extra actions YAML merged over the built-in catalog.")
    ] = None,
    config: Annotated[Path | None, typer.Option("--config", help="Data config YAML.")] = None,
    fmt: OutputFormat = FORMAT_OPTION,
) -> None:
    """Answer a question with the analyses it needs, ranked corrective actions and a short narrative whose
    numbers are checked against the results. An LLM is used when KPI_ADVISOR_LLM_MODEL is set.

    Example: kpi-advisor advise --question "Why did video-02 miss its targets last month?" --data data/demo
    --format json
    """
    from advisor.ops.advise import advise as run_advise
    from advisor.ops.requests import AdviseRequest
    from advisor.recommend import load_actions
    from api.llm import chat_model_of
    from api.settings import get_settings

    req = AdviseRequest(question=question, lang=lang)  # type: ignore[arg-type]
    found = model_set(models)
    for problem in found.problems:
        stderr.print(f"{problem}; the analyses that need it are unavailable", highlight=False)
    try:
        llm = chat_model_of(get_settings())
    except (ImportError, ValueError) as exc:
        stderr.print(f"LLM not available ({exc}); using the built-in narrator")
        llm = None
    ctx = cli_context(data, config, found, llm=llm, actions=load_actions(actions) if actions else None)
    with stderr.status("analysing"):
        doc = run_advise(req, ctx).to_json()
    if fmt is OutputFormat.json:
        print_json(doc)
        return
    stdout.print(doc["answer"], highlight=False)
    recs = [{k: r[k] for k in ("action", "expected_impact", "impact_units", "confidence")} for r in doc["recommendations"]]
    if recs:
        print_records(recs, fmt, title=f"Recommendations ({doc['narrative_source']}, verified={doc['verified']})")
