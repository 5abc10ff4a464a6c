# KPI Advisor service image. No Docker engine runs on the development machines: this file is kept simple and was
# not built there, nor in CI (see README, "Running in production"); compose.yaml runs it with PostgreSQL.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 MPLBACKEND=Agg
# LightGBM needs the OpenMP runtime; curl for the health check.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 curl \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml requirements.lock README.md ./
RUN pip install uv==0.13.9 && uv pip install --system --compile-bytecode -r requirements.lock
COPY advisor ./advisor
COPY models ./models
COPY training ./training
COPY api ./api
COPY demo_world ./demo_world
RUN uv pip install --system --compile-bytecode --no-deps . \
 # smoke-test the compiled pieces: Prophet's Stan model and LightGBM's OpenMP build
 && python -c "import logging; logging.getLogger('cmdstanpy').setLevel(logging.ERROR); \
import pandas as pd, numpy as np, lightgbm as lgb; from prophet import Prophet; \
df = pd.DataFrame({'ds': pd.date_range('2024-01-01', periods=60), 'y': np.arange(60.0)}); \
Prophet().fit(df); lgb.train({'verbose': -1}, lgb.Dataset(np.random.rand(50, 3), np.random.rand(50)), 5); \
print('prophet + lightgbm ok')" \
 && kpi-advisor serve --help > /dev/null

RUN useradd --create-home --uid 10001 advisor && mkdir -p /data && chown advisor /data
USER advisor
# Everything the service writes lives under /data (mount a volume there). Override any KPI_ADVISOR_* at run time,
# e.g. KPI_ADVISOR_DATABASE_URL=postgresql+psycopg://advisor:advisor@db:5432/advisor (see compose.yaml).
ENV KPI_ADVISOR_DATA_DIR=/data/demo \
    KPI_ADVISOR_MODELS_DIR=/data/models \
    KPI_ADVISOR_WORKSPACES_DIR=/data/workspaces \
    KPI_ADVISOR_DATABASE_URL=sqlite:////data/kpi-advisor.db \
    KPI_ADVISOR_HOST=0.0.0.0 \
    KPI_ADVISOR_PORT=8000 \
    KPI_ADVISOR_LOG_JSON=true
VOLUME ["/data"]
EXPOSE 8000
# the first start writes the demo world and trains on it (a few minutes), hence the long start period
HEALTHCHECK --interval=30s --timeout=5s --start-period=600s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8000/healthz || exit 1
# SIGTERM (docker stop) reaches `kpi-advisor serve` directly (exec): running requests finish, the worker requeues
# its job, exit 0. Give it more than KPI_ADVISOR_SHUTDOWN_TIMEOUT_SECONDS (20 s): `docker stop -t 30`.
CMD ["sh", "-c", "set -e; \
test -f \"$KPI_ADVISOR_DATA_DIR/campaign_daily.csv\" || kpi-advisor demo-data --out \"$KPI_ADVISOR_DATA_DIR\" --seed 7; \
ls -d \"$KPI_ADVISOR_MODELS_DIR\"/v[0-9]*/manifest.json >/dev/null 2>&1 \
  || kpi-advisor train --data \"$KPI_ADVISOR_DATA_DIR\" --models \"$KPI_ADVISOR_MODELS_DIR\"; \
exec kpi-advisor serve --host 0.0.0.0"]
