"""Training worker: runs queued jobs of the service database outside the web process.

``Worker`` (claim → child process → heartbeat/cancel/requeue), ``run_train_job`` (the ``train`` job),
``WorkerProcess`` (a worker subprocess started with the server), ``run_worker``/``main`` (``kpi-advisor worker``),
``job_durations`` (run times of finished jobs, for metrics).
"""

from api.worker.main import main, run_worker
from api.worker.metrics import JobDuration, job_durations
from api.worker.process import Worker, exit_message
from api.worker.supervisor import WorkerProcess, settings_env
from api.worker.train_job import JobAbandonedError, run_train_job

__all__ = [
    "JobAbandonedError",
    "JobDuration",
    "Worker",
    "WorkerProcess",
    "exit_message",
    "job_durations",
    "main",
    "run_train_job",
    "run_worker",
    "settings_env",
]
