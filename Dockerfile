# KPI Advisor service image. No Docker engine runs on the development machines: this file is kept simple and is
# not built in CI (see README, "Docker").
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 MPLBACKEND=Agg
# LightGBM needs the OpenMP runtime; curl for the health check.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 curl \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml requirements.lock README.md ./
RUN pip install uv==0.13.9 && uv pip install --system -r requirements.lock
COPY advisor ./advisor
COPY models ./models
COPY training ./training
COPY api ./api
RUN uv pip install --system --no-deps . \
 # smoke-test the compiled pieces: Prophet's Stan model and LightGBM's OpenMP build
 && python -c "import logging; logging.getLogger('cmdstanpy').setLevel(logging.ERROR); \
import pandas as pd, numpy as np, lightgbm as lgb; from prophet import Prophet; \
df = pd.DataFrame({'ds': pd.date_range('2024-01-01', periods=60), 'y': np.arange(60.0)}); \
Prophet().fit(df); lgb.train({'verbose': -1}, lgb.Dataset(np.random.rand(50, 3), np.random.rand(50)), 5); \
print('prophet + lightgbm ok')"

RUN useradd --create-home --uid 10001 advisor && mkdir -p /data && chown advisor /data
USER advisor
ENV KPI_ADVISOR_DATA_DIR=/data/demo KPI_ADVISOR_MODELS_DIR=/data/models
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s CMD curl -fsS http://127.0.0.1:8000/healthz || exit 1
CMD ["sh", "-c", "test -f $KPI_ADVISOR_DATA_DIR/campaign_daily.csv || kpi-advisor demo-data --out $KPI_ADVISOR_DATA_DIR; kpi-advisor scorecard --data $KPI_ADVISOR_DATA_DIR"]
