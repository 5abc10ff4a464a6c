"""`advise`: a question in natural language (SPEC §5)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.app import app
from api.cli.output import FORMAT_OPTION, OutputFormat, domain_errors, print_json, print_records, stderr, stdout


def _models(models: Path | None) -> tuple[Any, Any]:
    """(response bundle, driver models) from a model registry; either None when absent."""
    if models is None:
        return None, None
    from api.cli.diagnose import _load_models
    from models.registry import RegistryError
    from models.response import ResponseBundle

    drivers, _ = _load_models(models)
    try:
        bundle = ResponseBundle.load(models)
    except (RegistryError, FileNotFoundError, KeyError, ValueError) as exc:
        stderr.print(f"no response models in {models} ({exc}); forecast and optimize are unavailable")
        bundle = None
    return bundle, drivers


def _clv_model(models: Path | None) -> Any:
    """The CLV model of the registry's latest version (model CLV:CAC for CLV questions), or None."""
    if models is None:
        return None
    from advisor.customers import clv_model_from_registry
    from models.registry import RegistryError

    try:
        found = clv_model_from_registry(models)
    except RegistryError:
        return None
    return found[0] if found is not None else None


@app.command("advise")
@domain_errors
def advise(
    question: Annotated[str, typer.Option("--question", "-q", help="The question, in English or Russian.")],
    data: Annotated[Path, typer.Option("--data", "-d", help="Data folder (campaign_daily.csv, ...).")] = Path(
        "data/demo"
    ),
    models: Annotated[Path | None, typer.Option("--models", "-m", help="Model registry (for forecasts).")] = None,
    lang: Annotated[str, typer.Option("--lang", help="Answer language: en or ru.")] = "en",
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
    from advisor.advise import advise as run_advise
    from advisor.data import load_dataset
    from advisor.recommend import load_actions
    from api.llm import chat_model_of
    from api.settings import get_settings

    if lang not in ("en", "ru"):
        raise typer.BadParameter("use en or ru", param_hint="--lang")
    ds = load_dataset(data, config)
    bundle, drivers = _models(models)
    clv_model = _clv_model(models)
    catalog = load_actions(actions) if actions else None
    try:
        llm = chat_model_of(get_settings())
    except (ImportError, ValueError) as exc:
        stderr.print(f"LLM not available ({exc}); using the built-in narrator")
        llm = None
    with stderr.status("analysing"):
        result = run_advise(
            question, dataset=ds, bundle=bundle, driver_models=drivers, lang=lang, llm=llm, catalog=catalog,
            clv_model=clv_model, timeout_s=get_settings().llm_timeout_s,
        )
    doc = result.to_dict()
    if fmt is OutputFormat.json:
        print_json(doc)
        return
    stdout.print(doc["answer"], highlight=False)
    recs = [{k: r[k] for k in ("action", "expected_impact", "impact_units", "confidence")} for r in doc["recommendations"]]
    if recs:
        print_records(recs, fmt, title=f"Recommendations ({doc['narrative_source']}, verified={doc['verified']})")
