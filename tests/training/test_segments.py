"""One model set per segment (issue 16): splitting, per-segment registries, the local engine, failures, and the
same models from the local engine (1 and 2 workers) and Spark (``local[2]``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from demo_world import generate_segmented_world
from models.registry import Registry, RegistryError, list_segments, resolve_registry, segment_folder, segment_registry
from training.engines import train_segments
from training.segments import SegmentOptions, canonical_frame, segment_seed, split_by_segment

DAYS = 120


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    """Three demo businesses (seeds 11, 12, 13) of 120 days in one pair of tables with a segment column."""
    return generate_segmented_world(3, seed=11, days=DAYS).tables


@pytest.fixture(scope="module")
def local_one(tables: dict[str, pd.DataFrame], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    root = tmp_path_factory.mktemp("local1")
    return root, train_segments(tables, "segment", root, SegmentOptions(seed=3), engine="local", workers=1)


VOLATILE = ("created", "created_at", "fit_seconds")
"""Manifest keys that say when and how fast a fit ran: the only things allowed to differ between runs."""


def _steady(doc: Any) -> Any:
    if isinstance(doc, dict):
        return {k: _steady(v) for k, v in doc.items() if k not in VOLATILE}
    return [_steady(v) for v in doc] if isinstance(doc, list) else doc


def model_files(root: Path, segment: str) -> dict[str, Any]:
    """Every file of the segment's newest version as bytes (manifests as JSON without :data:`VOLATILE` keys)."""
    mv = segment_registry(root, segment).latest()
    files: dict[str, Any] = {n: mv.read_bytes(n) for n in mv.files if not n.endswith("manifest.json")}
    files.update({n: _steady(json.loads(mv.read_text(n))) for n in (*mv.files, "manifest.json") if n.endswith("manifest.json")})
    return files


def test_split_names_the_segments_and_the_tables_not_used(tables: dict[str, pd.DataFrame]) -> None:
    extra = {**tables, "orders": pd.DataFrame({"customer_id": ["a"], "order_date": ["2026-01-01"], "revenue": [1.0]})}
    parts, notes = split_by_segment(extra, "segment")
    assert list(parts) == ["segment_00", "segment_01", "segment_02"]
    for seg, own in parts.items():
        assert set(own) == {"campaign_daily", "outcomes_daily"}
        assert set(own["campaign_daily"]["segment"]) == {seg} and len(own["outcomes_daily"]) == DAYS
    assert notes == ["orders: not used per segment (segment models use campaign_daily, outcomes_daily, mmm)"]


def test_split_refuses_a_missing_or_empty_segment_column(tables: dict[str, pd.DataFrame]) -> None:
    with pytest.raises(ValueError, match="campaign_daily has no column 'brand' to split segments by; its columns: segment"):
        split_by_segment(tables, "brand")
    holed = tables["campaign_daily"].copy()
    holed.loc[[3, 5], "segment"] = None
    with pytest.raises(ValueError, match=r"campaign_daily.segment: 2 row\(s\) without a segment \(rows \[3, 5\]"):
        split_by_segment({**tables, "campaign_daily": holed}, "segment")


def test_canonical_order_does_not_depend_on_the_arrival_order(tables: dict[str, pd.DataFrame]) -> None:
    cd = tables["campaign_daily"]
    shuffled = cd.sample(frac=1.0, random_state=4)
    pd.testing.assert_frame_equal(canonical_frame(cd), canonical_frame(shuffled))
    assert segment_seed(0, "a") == segment_seed(0, "a") != segment_seed(0, "b") != segment_seed(1, "b")


def test_segment_folders_are_safe_and_round_trip(tmp_path: Path) -> None:
    names = ["brand/a", "..", ".hidden", "Москва 50%", "x" * 200]
    for name in names:
        folder = segment_folder(name)
        assert "/" not in folder and not folder.startswith(".")
        Registry(tmp_path / "segments" / folder).publish({"a.txt": "1"}, {"kind": ["test"]})
    assert list_segments(tmp_path) == sorted(names)
    assert Registry(tmp_path).list() == []  # the single-company layout does not see the segments
    for bad in ["", "   ", "y" * 201]:
        with pytest.raises(RegistryError, match="invalid segment name"):
            segment_folder(bad)
    with pytest.raises(RegistryError, match=r"segment 'nope' has no trained models; trained segments: \.\., \.hidden"):
        resolve_registry(tmp_path, "nope")


def test_local_engine_publishes_one_version_per_segment(local_one: tuple[Path, Any]) -> None:
    root, (outcomes, notes) = local_one
    assert notes == []
    assert [(o.segment, o.status, o.model_version, o.error) for o in outcomes] == [
        (f"segment_0{i}", "published", "v0001", None) for i in range(3)
    ]
    assert all(o.cpu_seconds > 0 and o.rows["outcomes_daily"] == DAYS for o in outcomes)
    assert list_segments(root) == ["segment_00", "segment_01", "segment_02"]
    mv = segment_registry(root, "segment_01").latest()
    assert mv.manifest["provenance"] == {"segment": "segment_01", "segment_by": "segment"}
    assert mv.manifest["seed"] == segment_seed(3, "segment_01")
    assert {"response", "drivers"} <= set(mv.manifest["kind"])
    assert model_files(root, "segment_00") != model_files(root, "segment_01")  # each segment its own data


def test_a_failing_segment_publishes_nothing_and_the_others_publish(
    tables: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    od = tables["outcomes_daily"]
    broken = od[(od["segment"] != "segment_01") | (od["date"] < od["date"].min() + pd.Timedelta(days=30))]
    outcomes, _ = train_segments(
        {**tables, "outcomes_daily": broken}, "segment", tmp_path, SegmentOptions(seed=3, drivers=False), workers=1
    )
    status = {o.segment: (o.status, o.model_version) for o in outcomes}
    assert status == {"segment_00": ("published", "v0001"), "segment_01": ("failed", None),
                      "segment_02": ("published", "v0001")}
    failed = next(o for o in outcomes if o.status == "failed")
    assert failed.error == f"ValueError: outcomes_daily covers 30 of {DAYS} periods of campaign_daily"
    assert list_segments(tmp_path) == ["segment_00", "segment_02"]
    assert not (tmp_path / "segments" / "segment_01").exists() or not segment_registry(tmp_path, "segment_01").list()


@pytest.mark.slow
def test_two_workers_give_the_same_models_as_one(
    tables: dict[str, pd.DataFrame], local_one: tuple[Path, Any], tmp_path: Path
) -> None:
    outcomes, _ = train_segments(tables, "segment", tmp_path, SegmentOptions(seed=3), engine="local", workers=2)
    assert [o.status for o in outcomes] == ["published"] * 3
    for seg in ("segment_00", "segment_01", "segment_02"):
        assert model_files(tmp_path, seg) == model_files(local_one[0], seg)


@pytest.mark.slow
def test_spark_gives_the_same_models_as_the_local_engine(
    spark: Any, tables: dict[str, pd.DataFrame], local_one: tuple[Path, Any], tmp_path: Path
) -> None:
    shuffled = {name: df.sample(frac=1.0, random_state=1) for name, df in tables.items()}  # arrival order is free
    outcomes, notes = train_segments(shuffled, "segment", tmp_path, SegmentOptions(seed=3), engine="spark", spark=spark)
    assert notes == []
    assert [(o.segment, o.status, o.model_version) for o in outcomes] == [
        (f"segment_0{i}", "published", "v0001") for i in range(3)
    ]
    for seg in ("segment_00", "segment_01", "segment_02"):
        assert model_files(tmp_path, seg) == model_files(local_one[0], seg)


@pytest.mark.slow
def test_spark_job_over_parquet_gives_the_same_models(
    spark: Any, tables: dict[str, pd.DataFrame], local_one: tuple[Path, Any], tmp_path: Path, capsys: Any
) -> None:
    from training.spark_job import main

    paths = {}
    for name, df in tables.items():  # upper-case names: the job matches column names as the data contract does
        paths[name] = tmp_path / f"{name}.parquet"
        df.rename(columns={"segment": "Segment"}).to_parquet(paths[name], coerce_timestamps="us")
    code = main(["--campaign-daily", str(paths["campaign_daily"]), "--outcomes-daily", str(paths["outcomes_daily"]),
                 "--segment-by", "Segment", "--models", str(tmp_path / "models"), "--seed", "3"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and (doc["published"], doc["failed"]) == (3, 0)
    for seg in ("segment_00", "segment_01", "segment_02"):
        assert model_files(tmp_path / "models", seg) == model_files(local_one[0], seg)
