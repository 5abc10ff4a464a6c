"""The one place a SparkSession is built (issue 16: KPIs and training at scale).

In ``models`` so that both ``advisor`` (the KPI engine on Spark, ``advisor.kpis.spark``) and ``training`` may use
it (``training`` must not import ``advisor``). ``pyspark`` is imported inside the function: nothing else pays for
it. The session is quiet (no web UI, no progress bars, only errors logged), its Python workers run this interpreter
(``PYSPARK_PYTHON = sys.executable``: otherwise they start the system Python, which lacks pyarrow), and its
timezone is UTC so that dates never shift by a local offset. Python workers run one BLAS / OpenMP thread
(parallelism comes from the tasks; one thread also keeps the floating-point summation order, so a segment's model
is the same on every engine), and adaptive coalescing of shuffle partitions is off (training segments are a few
rows each: coalescing would put them all in one task and train them one after another).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

#: Environment of every Python worker: one BLAS / OpenMP thread.
WORKER_THREAD_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

#: The master when none is given (``KPI_ADVISOR_SPARK_MASTER`` overrides it through ``api.settings``).
DEFAULT_MASTER = "local[2]"

_LOCK = threading.Lock()


def spark_session(
    master: str | None = DEFAULT_MASTER, app_name: str = "kpi-advisor", *, shuffle_partitions: int | None = None,
    conf: Mapping[str, str] | None = None,
) -> SparkSession:
    """The process's SparkSession on ``master`` (``local[2]``, ``spark://host:7077``, ``yarn`` ...; ``None``: the
    one ``spark-submit`` or the platform, e.g. Databricks, set), created on the first call and reused after
    (``getOrCreate``; a session already running keeps its master). ``conf`` adds or overrides settings (e.g.
    ``spark.executor.memory``).

    ``shuffle_partitions``: ``spark.sql.shuffle.partitions`` (default: 2 × the local cores for ``local[n]``,
    Spark's 200 otherwise) — the KPI aggregates are small (groups × periods), so a few partitions suffice locally.
    """
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    # py4j logs every connection it closes at INFO, also from __del__ at interpreter exit (onto closed streams)
    logging.getLogger("py4j").setLevel(logging.WARNING)
    if shuffle_partitions is None:
        shuffle_partitions = 2 * _local_cores(master) if master and master.startswith("local") else 200
    with _LOCK:
        builder = SparkSession.builder if master is None else SparkSession.builder.master(master)
        builder = (
            builder.appName(app_name)
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.driver.extraJavaOptions", f"-Duser.timezone=UTC -Dlog4j2.configurationFile={_log_config()}")
            .config("spark.executor.extraJavaOptions", "-Duser.timezone=UTC")
            .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.sql.adaptive.coalescePartitions.enabled", "false")
            .config("spark.python.worker.reuse", "true")
        )
        for key, value in WORKER_THREAD_ENV.items():
            builder = builder.config(f"spark.executorEnv.{key}", value)
        for key, value in (conf or {}).items():
            builder = builder.config(key, value)
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
        return session


def _local_cores(master: str) -> int:
    """Cores of a ``local[n]`` / ``local[*]`` / ``local`` master."""
    inner = master[len("local") :].strip("[]")
    if inner in ("", "*"):
        return os.cpu_count() or 1 if inner == "*" else 1
    try:
        return max(1, int(inner.split(",")[0]))
    except ValueError:
        return os.cpu_count() or 1


#: Spark's JVM logs errors only, to stderr (Spark's default profile logs every WARN and says so at start-up).
_LOG4J2 = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = stderr
appender.console.type = Console
appender.console.name = stderr
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
"""


def _log_config() -> str:
    """Path of the log4j2 configuration the driver JVM starts with (written once to the temp folder)."""
    path = Path(tempfile.gettempdir()) / f"kpi-advisor-spark-log4j2-{os.getuid()}.properties"
    if not path.is_file() or path.read_text() != _LOG4J2:
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(_LOG4J2)
        tmp.replace(path)
    return str(path)
