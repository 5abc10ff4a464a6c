"""`serve` (HTTP API with docs and the MCP endpoint) and `mcp` (MCP over stdio) (SPEC §5)."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from api.cli.app import app

if TYPE_CHECKING:
    from api.settings import Settings


def _settings(data: Path | None, models: Path | None, host: str | None = None, port: int | None = None) -> Settings:
    from api.settings import Settings

    overrides: dict[str, Any] = {
        k: v for k, v in {"data_dir": data, "models_dir": models, "host": host, "port": port}.items() if v is not None
    }
    return Settings(**overrides)  # environment (KPI_ADVISOR_*) first, options override it


ENV_PREFIX = "KPI_ADVISOR_"
# uvicorn's supervisor (--workers > 1) kills a web process that does not answer its ping within this many seconds;
# its default (5 s) is shorter than a spawned process takes to import the CLI and the model libraries (~10 s on a
# busy 2-core machine), which made it restart the web processes forever
WORKER_HEALTHCHECK_SECONDS = 60
HEADER_SLACK_BYTES = 8 * 1024
"""Header bytes uvicorn buffers beyond ``max_header_bytes`` (request line, separators), so that the app can answer
headers just over the limit with a 431 problem+json rather than the server cutting the connection."""


def _export(overrides: dict[str, Any]) -> None:
    """Put option values into ``KPI_ADVISOR_*`` variables, so every web process and the worker read the same."""
    for name, value in overrides.items():
        if value is None:
            continue
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        os.environ[ENV_PREFIX + name.upper()] = text


class _WorkerSubprocess:
    """Fallback when ``api.worker.WorkerProcess`` is missing: ``python -m api.worker`` as a child process."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "api.worker"])

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _start_worker(settings: Settings, status_file: Path | None = None) -> Any:
    """Start the one training worker of this server (``api.worker.WorkerProcess``, restarted with backoff when it
    dies; its state written to ``status_file`` for the web processes' ``/readyz``); returns it (``stop(timeout)``)."""
    try:
        from api.worker import WorkerProcess
    except ImportError:
        worker: Any = _WorkerSubprocess()
    else:
        worker = WorkerProcess(settings, status_file=status_file)
    worker.start()
    return worker


def _exit_without_lingering_threads(log: logging.Logger) -> None:
    """After the graceful shutdown, do not wait for request threads still computing (a CPU-bound request can run
    for minutes; the interpreter would join them): exit now if any is left, so that the shutdown keeps its bound."""
    lingering = [t for t in threading.enumerate()
                 if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    if not lingering:
        return
    log.warning("%d request thread(s) still running after the graceful shutdown; exiting without them", len(lingering))
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


@app.command("serve")
def serve(
    data: Annotated[Path | None, typer.Option("--data", "-d", help="Data folder (env KPI_ADVISOR_DATA_DIR).")] = None,
    models: Annotated[Path | None, typer.Option("--models", "-m", help="Model registry (env KPI_ADVISOR_MODELS_DIR).")] = None,
    host: Annotated[str | None, typer.Option(help="Interface (env KPI_ADVISOR_HOST, default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (env KPI_ADVISOR_PORT, default 8000).")] = None,
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, help="Web processes (uvicorn workers).")] = 1,
    worker: Annotated[
        bool | None,
        typer.Option(
            "--worker/--no-worker",
            help="Start one training worker process with the server (env KPI_ADVISOR_WORKER, default on); "
            "--no-worker when `kpi-advisor worker` runs elsewhere.",
        ),
    ] = None,
    log_level: Annotated[
        str | None, typer.Option(help="DEBUG, INFO, WARNING or ERROR (env KPI_ADVISOR_LOG_LEVEL, default INFO).")
    ] = None,
    log_json: Annotated[
        bool | None,
        typer.Option("--log-json/--log-text", help="JSON log lines or plain text (env KPI_ADVISOR_LOG_JSON, default JSON)."),
    ] = None,
    shutdown_timeout: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Seconds a stopping server lets running requests finish (env KPI_ADVISOR_SHUTDOWN_TIMEOUT_SECONDS, default 20).",
        ),
    ] = None,
) -> None:
    """Serve the HTTP API (docs at /docs, OpenAPI at /openapi.json) and the MCP endpoint at /mcp.

    Configuration comes from KPI_ADVISOR_* environment variables; options override them. One training worker
    process runs beside the web processes (whatever --workers is). SIGTERM or Ctrl+C stops gracefully: no new
    connections, running requests finish (up to --shutdown-timeout seconds), the worker puts a running job back
    in the queue, exit code 0.

    Examples:

      kpi-advisor serve --data data/demo --models data/models --port 8000

      KPI_ADVISOR_DATABASE_URL=postgresql+psycopg://advisor@db/advisor kpi-advisor serve --host 0.0.0.0 --workers 2 --no-worker
    """
    import uvicorn

    from api.logs import configure_logging
    from api.settings import Settings

    _export(
        {
            "data_dir": data,
            "models_dir": models,
            "host": host,
            "port": port,
            "worker": worker,
            "log_level": log_level,
            "log_json": log_json,
            "shutdown_timeout_seconds": shutdown_timeout,
        }
    )
    settings = Settings()
    configure_logging(settings)
    log = logging.getLogger("kpi_advisor.serve")
    stop_requested: list[int] = []

    def on_signal(signum: int, _frame: Any) -> None:
        # uvicorn installs its own handlers while serving and re-raises the signal after its graceful shutdown;
        # this one only notes it, so the worker is stopped below and the exit code stays 0
        stop_requested.append(signum)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    training_worker = None
    status_dir: str | None = None
    if settings.worker:
        status_dir = tempfile.mkdtemp(prefix="kpi-advisor-worker-")
        status_file = Path(status_dir) / "worker.json"
        training_worker = _start_worker(settings, status_file)
        # the web processes must not start a second one; /readyz reads whether this one is alive
        _export({"worker": False, "worker_status_file": status_file})
    metrics_dir = _multiprocess_metrics_dir(workers)
    try:
        if not stop_requested:
            log.info(
                "serving on http://%s:%d with %d web process(es), training worker %s",
                settings.host,
                settings.port,
                workers,
                "on" if training_worker is not None else "off",
            )
            uvicorn.run(
                "api.server:app",
                factory=True,
                host=settings.host,
                port=settings.port,
                workers=workers,
                log_config=None,
                log_level=settings.log_level.lower(),
                access_log=False,
                timeout_graceful_shutdown=settings.shutdown_timeout_seconds,
                timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
                # h11 bounds the header block it buffers (httptools does not): a 1 MB header is refused before it
                # is parsed; the app answers 431 for headers over max_header_bytes below that bound
                http="h11",
                h11_max_incomplete_event_size=settings.max_header_bytes + HEADER_SLACK_BYTES,
            )
    finally:
        if training_worker is not None:
            training_worker.stop(max(10.0, float(settings.shutdown_timeout_seconds)))
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
        if status_dir is not None:
            shutil.rmtree(status_dir, ignore_errors=True)
        log.info("stopped")
    _exit_without_lingering_threads(log)


def _multiprocess_metrics_dir(workers: int) -> str | None:
    """With several web processes, point ``PROMETHEUS_MULTIPROC_DIR`` at an empty folder before they start, so a
    scrape of /metrics sums every process (``api.http.observability``). A folder the user set is emptied of the
    previous run's files and kept; otherwise a temporary one is made, and returned so it is removed at exit."""
    if workers <= 1:
        return None
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.db"):
            old.unlink()
        return None
    made = tempfile.mkdtemp(prefix="kpi-advisor-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = made
    return made


@app.command("mcp")
def mcp(
    data: Annotated[Path | None, typer.Option("--data", "-d", help="Data folder (env KPI_ADVISOR_DATA_DIR).")] = None,
    models: Annotated[Path | None, typer.Option("--models", "-m", help="Model registry (env KPI_ADVISOR_MODELS_DIR).")] = None,
    workspace: Annotated[str, typer.Option(help="Workspace whose data and models the tools answer from.")] = "default",
) -> None:
    """Serve the advisor's tools over MCP on stdin/stdout (for a desktop LLM client). The local user reads the
    service database directly (KPI_ADVISOR_DATABASE_URL), so no API key is needed.

    Example client config: {"command": "kpi-advisor", "args": ["mcp", "--data", "data/demo"]}
    """
    from api.http.state import AppState
    from api.mcp_server import build_mcp

    state = AppState(_settings(data, models))
    state.start()
    build_mcp(state, workspace=workspace).run("stdio")
