"""`worker`: run training jobs queued in the service database (outside the web server)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from api.cli.app import app


@app.command("worker")
def worker(
    once: Annotated[bool, typer.Option("--once", help="Run at most one queued job, then exit.")] = False,
    poll_seconds: Annotated[
        float, typer.Option("--poll-seconds", min=0.05, help="Wait between polls of an empty queue (seconds).")
    ] = 1.0,
    database_url: Annotated[
        str | None, typer.Option("--database-url", help="Service database URL (env KPI_ADVISOR_DATABASE_URL).")
    ] = None,
) -> None:
    """Run training jobs (POST /v1/train) until stopped with Ctrl+C or SIGTERM.

    Each job runs in its own child process; progress, result and the new model version go to the database.

    A successful job activates its model version; running servers pick it up.

    Stopping the worker puts a running job back in the queue.

    A killed worker's job is marked failed; the previous model keeps serving.

    Settings come from KPI_ADVISOR_* variables (database, folders, log format). The schema is upgraded first.

    Examples:

      KPI_ADVISOR_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/kpi kpi-advisor worker

      kpi-advisor worker --once --database-url sqlite:///data/kpi-advisor.db
    """
    from api.settings import Settings
    from api.worker.main import run_worker

    overrides: dict[str, Any] = {"database_url": database_url} if database_url else {}
    settings = Settings(**overrides)  # environment (KPI_ADVISOR_*) first, the option overrides it
    raise typer.Exit(run_worker(settings, once=once, poll_seconds=poll_seconds))
