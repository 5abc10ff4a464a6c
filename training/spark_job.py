"""``spark-submit`` entry point of segment training over Parquet (or any Spark source): the tables never pass
through the driver, only one summary row per segment comes back.

    spark-submit --master k8s://https://... training/spark_job.py \\
        --campaign-daily s3a://bucket/agency/campaign_daily/ --outcomes-daily s3a://bucket/agency/outcomes_daily/ \\
        --segment-by segment --models /mnt/models --seed 0 [--backtest]

Reads the tables with ``spark.read.parquet`` (``--format csv`` reads CSV with a header), lower-cases and trims the
column names (the data contract's matching), and runs ``training.spark_engine.fit_segments_spark`` — the function
``kpi-advisor train --segment-by COL --engine spark`` runs. The data contract checks of ``kpi-advisor validate`` do
not run here (they need the whole table in one process): validate a sample first. Prints one JSON document (the
outcomes) and exits 1 when a segment failed. ``--models`` must be a folder every executor can write (a shared file
system or a mounted bucket: ``/dbfs/...``, ``/Volumes/...``, NFS, ``s3fs`` / ``gcsfuse``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def _read(spark: Any, path: str, fmt: str) -> Any:
    reader = spark.read.option("header", "true").option("inferSchema", "true") if fmt == "csv" else spark.read
    frame = reader.format(fmt).load(path)
    return frame.toDF(*[c.strip().lower() for c in frame.columns])


def main(argv: list[str] | None = None) -> int:
    from models.spark_session import spark_session
    from training.segments import SegmentOptions
    from training.spark_engine import fit_segments_spark

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--campaign-daily", required=True, help="Path or URL of the campaign_daily table.")
    ap.add_argument("--outcomes-daily", help="Path or URL of the outcomes_daily table (optional).")
    ap.add_argument("--format", default="parquet", choices=("parquet", "csv", "delta", "orc"))
    ap.add_argument("--segment-by", required=True, help="Column whose values are the segments.")
    ap.add_argument("--models", required=True, help="Registry folder shared by every executor.")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--backtest", action="store_true", help="Rolling-origin backtests per segment (slower).")
    ap.add_argument("--no-drivers", action="store_true", help="Skip the LightGBM driver models.")
    ap.add_argument("--master", help="Spark master URL (default: the one spark-submit or the platform set).")
    args = ap.parse_args(argv)
    spark = spark_session(args.master, app_name="kpi-advisor-segments")
    tables = {"campaign_daily": _read(spark, args.campaign_daily, args.format)}
    if args.outcomes_daily:
        tables["outcomes_daily"] = _read(spark, args.outcomes_daily, args.format)
    options = SegmentOptions(seed=args.seed, backtest=args.backtest, drivers=not args.no_drivers, clv=False)
    outcomes, notes = fit_segments_spark(spark, tables, args.segment_by.strip().lower(), args.models, options)
    failed = [o for o in outcomes if o.status != "published"]
    print(json.dumps({"segments": [o.to_dict() for o in outcomes], "notes": notes, "published": len(outcomes) - len(failed),
                      "failed": len(failed)}, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
