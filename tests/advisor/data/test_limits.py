"""Resource limits while reading (issue 17): bombs built in the test, refused with ``LimitExceeded`` under lowered
``DataLimits`` before they are materialised; YAML size/depth limits and YAML 1.1 boolean keys."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from advisor.data import Dataset, DataValidationError, load_dataset, load_table, readers, validate_folder
from advisor.data.limits import DataLimits, LimitExceeded
from advisor.data.readers import read_parquet, read_sql
from advisor.data.yamlfile import read_user_yaml

CSV_HEADER = "date,campaign_id,channel,spend,impressions,clicks,conversions,revenue\n"


def _row(day: int, campaign: str = "c1", spend: str = "10") -> str:
    return f"2024-01-{day:02d},{campaign},search,{spend},1000,10,1,20\n"


def _identical_rows_parquet(path: Path, rows: int) -> None:
    """A zstd Parquet of ``rows`` identical campaign_daily rows (dictionary/RLE encoded: a few KB on disk)."""
    one = {"date": "2024-01-01", "campaign_id": "c1", "channel": "search", "spend": 10.0, "impressions": 1000,
           "clicks": 10, "conversions": 1, "revenue": 20.0}
    table = pa.table({k: pa.repeat(pa.scalar(v), rows) for k, v in one.items()})
    pq.write_table(table, path, compression="zstd", row_group_size=rows)


def test_parquet_bomb_refused_by_rows_from_the_footer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "campaign_daily.parquet"
    _identical_rows_parquet(path, 300_000)
    assert path.stat().st_size < 100_000
    monkeypatch.setattr(pq.ParquetFile, "iter_batches", _never)  # refused on metadata alone
    with pytest.raises(LimitExceeded) as info:
        load_dataset(tmp_path, limits=DataLimits(max_rows=10_000))
    err = info.value
    assert (err.table, err.rule, err.limit, err.actual) == ("campaign_daily", "max_rows", 10_000, 300_000)
    assert "campaign_daily.parquet" in str(err) and "max_rows" in str(err)


def test_parquet_bomb_refused_by_decompressed_bytes_while_reading(tmp_path: Path) -> None:
    path = tmp_path / "campaign_daily.parquet"
    _identical_rows_parquet(path, 300_000)
    declared = pq.ParquetFile(path).metadata.row_group(0).total_byte_size  # encoded size: tiny for repeats
    decoded = pq.read_table(path).nbytes  # ~20 MB
    limit = 8_000_000
    assert declared < limit < decoded
    with pytest.raises(LimitExceeded) as info:
        read_parquet(path, table="campaign_daily", limits=DataLimits(max_decompressed_bytes=limit))
    err = info.value
    assert err.rule == "max_decompressed_bytes" and err.table == "campaign_daily"
    assert err.actual is not None and limit < err.actual < decoded  # stopped at the first batch past the limit


def test_parquet_too_many_columns(tmp_path: Path) -> None:
    path = tmp_path / "wide.parquet"
    pq.write_table(pa.table({f"c{i}": [1] for i in range(30)}), path)
    with pytest.raises(LimitExceeded) as info:
        read_parquet(path, limits=DataLimits(max_columns=20))
    assert (info.value.rule, info.value.actual) == ("max_columns", 30)


def test_csv_over_the_row_cap(tmp_path: Path) -> None:
    (tmp_path / "campaign_daily.csv").write_text(CSV_HEADER + "".join(_row(d % 28 + 1, f"c{d}") for d in range(50)))
    ok = load_table("campaign_daily", tmp_path / "campaign_daily.csv", limits=DataLimits(max_rows=50))
    assert len(ok) == 50
    with pytest.raises(LimitExceeded) as info:
        validate_folder(tmp_path, limits=DataLimits(max_rows=49))
    assert (info.value.table, info.value.rule, info.value.limit) == ("campaign_daily", "max_rows", 49)
    assert "more than 49 rows" in str(info.value)


def test_csv_text_over_the_decompressed_size(tmp_path: Path) -> None:
    path = tmp_path / "campaign_daily.csv"
    path.write_text(CSV_HEADER + "".join(_row(d % 28 + 1, f"c{d}") for d in range(2_000)))
    with pytest.raises(LimitExceeded) as info:
        load_table("campaign_daily", path, limits=DataLimits(max_decompressed_bytes=10_000))
    assert info.value.rule == "max_decompressed_bytes" and "campaign_daily.csv" in str(info.value)


def test_csv_line_over_the_csv_module_limit_is_a_clear_error(tmp_path: Path) -> None:
    """A 200,000-character cell (over csv's 131,072) used to escape as ``_csv.Error`` from ``readers._fields``."""
    (tmp_path / "campaign_daily.csv").write_text(CSV_HEADER + _row(1) + _row(2, spend="9" * 200_000))
    with pytest.raises(LimitExceeded) as info:
        validate_folder(tmp_path)
    err = info.value
    assert not isinstance(err, csv.Error)
    assert (err.table, err.rule, err.limit) == ("campaign_daily", "max_field_chars", 100_000)
    assert "line 3 of campaign_daily.csv" in str(err)


def test_quoted_cell_spanning_lines_over_the_field_limit(tmp_path: Path) -> None:
    cell = '"' + "word\n" * 400 + '"'  # every line short, the cell 2,000 characters
    (tmp_path / "campaign_daily.csv").write_text(CSV_HEADER + _row(1) + f"2024-01-02,{cell},search,1,1,1,1,1\n")
    with pytest.raises(LimitExceeded) as info:
        load_dataset(tmp_path, limits=DataLimits(max_field_chars=1_000))
    err = info.value
    assert (err.rule, err.column, err.actual) == ("max_field_chars", "campaign_id", 2_000)
    assert "row 3" in str(err)


def test_too_wide_csv_refused_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = ",".join(f"x{i}" for i in range(600))
    (tmp_path / "campaign_daily.csv").write_text(
        CSV_HEADER.rstrip("\n") + "," + extra + "\n" + _row(1).rstrip("\n") + ",1" * 600 + "\n"
    )
    monkeypatch.setattr(readers.pd, "read_csv", _never)  # refused from the header alone
    with pytest.raises(LimitExceeded) as info:
        validate_folder(tmp_path)
    err = info.value
    assert (err.table, err.rule, err.limit, err.actual) == ("campaign_daily", "max_columns", 500, 608)


def test_sql_rows_bounded_while_fetching(tmp_path: Path, make_cd: Callable[..., pd.DataFrame]) -> None:
    url = f"sqlite:///{tmp_path / 'ads.db'}"
    engine = sa.create_engine(url)
    make_cd(days=40).to_sql("ads", engine, index=False)  # 80 rows
    engine.dispose()
    assert len(read_sql(url, table="ads", limits=DataLimits(max_rows=80)).frame) == 80
    with pytest.raises(LimitExceeded) as info:
        read_sql(url, query="select * from ads", name="campaign_daily", limits=DataLimits(max_rows=79))
    assert (info.value.table, info.value.rule) == ("campaign_daily", "max_rows")


def test_in_memory_frames_are_capped_too(make_cd: Callable[..., pd.DataFrame]) -> None:
    with pytest.raises(LimitExceeded) as info:
        Dataset.from_frames(make_cd(days=30), limits=DataLimits(max_rows=59))
    assert (info.value.table, info.value.rule, info.value.actual) == ("campaign_daily", "max_rows", 60)


def _folder_with_targets(tmp_path: Path, make_cd: Callable[..., pd.DataFrame], targets: str) -> Path:
    make_cd(days=30).to_csv(tmp_path / "campaign_daily.csv", index=False)
    (tmp_path / "targets.yaml").write_text(targets)
    return tmp_path


def test_targets_nested_600_deep(tmp_path: Path, make_cd: Callable[..., pd.DataFrame]) -> None:
    folder = _folder_with_targets(tmp_path, make_cd, "targets: " + "[" * 600 + "]" * 600 + "\n")
    with pytest.raises(LimitExceeded) as info:
        validate_folder(folder)
    err = info.value
    assert not isinstance(err, RecursionError)
    assert (err.table, err.rule, err.limit) == ("targets", "max_yaml_depth", 32)
    assert "targets.yaml" in str(err) and "max_yaml_depth" in str(err)

    block = "targets:\n" + "".join("  " * i + f"- k{i}:\n" for i in range(600))  # block style, 1,200 levels
    (folder / "targets.yaml").write_text(block)
    with pytest.raises(LimitExceeded, match="max_yaml_depth"):
        load_dataset(folder)


def test_yaml_over_the_size_limit(tmp_path: Path, make_cd: Callable[..., pd.DataFrame]) -> None:
    make_cd(days=30).to_csv(tmp_path / "campaign_daily.csv", index=False)
    (tmp_path / "kpi-advisor.yaml").write_text("# padding\n" * 200 + "tables: {}\n")
    with pytest.raises(LimitExceeded) as info:
        load_dataset(tmp_path, limits=DataLimits(max_yaml_bytes=1_000))
    err = info.value
    assert (err.table, err.rule, err.limit, err.actual) == ("config", "max_yaml_bytes", 1_000, 2_011)
    assert "kpi-advisor.yaml" in str(err)
    assert load_dataset(tmp_path).campaign_daily.shape[0] == 60  # within the default limit


def test_yaml_boolean_words_as_keys_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("on: 1\nOff: 2\nyes: 3\nno: 4\ny: 5\nn: 6\ntrue: 7\nflags: {paused: no, live: true}\n")
    doc = read_user_yaml(path, "targets")
    assert doc == {"on": 1, "Off": 2, "yes": 3, "no": 4, "y": 5, "n": 6, True: 7,
                   "flags": {"paused": False, "live": True}}


def test_channel_named_on_in_a_config_mapping(tmp_path: Path, make_cd: Callable[..., pd.DataFrame]) -> None:
    make_cd(days=30).rename(columns={"channel": "on"}).to_csv(tmp_path / "export.csv", index=False)
    (tmp_path / "kpi-advisor.yaml").write_text(
        "tables:\n  campaign_daily:\n    path: export.csv\n    columns: {on: channel}\n"
    )
    ds = load_dataset(tmp_path)
    assert set(ds.campaign_daily["channel"]) == {"search", "social"}


def test_limits_do_not_hide_data_errors(tmp_path: Path) -> None:
    (tmp_path / "campaign_daily.csv").write_text(CSV_HEADER + _row(1) + _row(2, spend="-5"))
    with pytest.raises(DataValidationError) as info:
        load_dataset(tmp_path)
    assert [i.rule for i in info.value.issues] == ["non_negative"]


def test_cli_validate_over_long_field_exits_cleanly(tmp_path: Path) -> None:
    (tmp_path / "campaign_daily.csv").write_text(CSV_HEADER + _row(1) + _row(2, spend="9" * 200_000))
    cli = Path(sys.executable).with_name("kpi-advisor")
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    done = subprocess.run(
        [str(cli), "validate", "--data", str(tmp_path)], capture_output=True, text=True, timeout=120, env=env
    )
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "Traceback" not in output and "_csv.Error" not in output
    assert "max_field_chars" in output and "line 3" in output


def _never(*args: object, **kwargs: object) -> None:
    raise AssertionError("the input should have been refused before this read")


def test_parquet_bomb_refused_by_its_expansion_after_the_first_batches(tmp_path: Path) -> None:
    """Within every size limit, a file of repeated rows is still refused once it grows max_expansion times."""
    path = tmp_path / "campaign_daily.parquet"
    _identical_rows_parquet(path, 300_000)
    on_disk = path.stat().st_size
    limits = DataLimits(max_expansion=200, expansion_floor_bytes=1_000_000)
    with pytest.raises(LimitExceeded) as info:
        read_parquet(path, table="campaign_daily", limits=limits)
    err = info.value
    assert (err.table, err.rule, err.limit) == ("campaign_daily", "max_expansion", 200)
    assert err.actual is not None and err.actual > 200 and "max_expansion" in str(err)
    assert err.actual * on_disk < pq.read_table(path).nbytes  # stopped before the whole table was decoded


def test_real_campaign_rows_expand_far_less_than_the_limit(tmp_path: Path) -> None:
    from demo_world import generate_world

    rows = generate_world(seed=3, days=200).tables["campaign_daily"]
    path = tmp_path / "campaign_daily.parquet"
    rows.to_parquet(path, compression="zstd")
    ratio = pq.read_table(path).nbytes / path.stat().st_size
    assert ratio < DataLimits().max_expansion / 4
    frame = read_parquet(path, limits=DataLimits(expansion_floor_bytes=0)).frame
    assert len(frame) == len(rows)


def test_a_header_too_long_for_a_line_is_refused_as_too_many_columns(tmp_path: Path) -> None:
    """12,000 columns make a header longer than max_field_chars: the rule named is the column cap."""
    path = tmp_path / "campaign_daily.csv"
    path.write_text(",".join(f"column_{i}" for i in range(12_000)) + "\n" + ",".join("1" for _ in range(12_000)) + "\n")
    with pytest.raises(LimitExceeded) as info:
        validate_folder(tmp_path)
    err = info.value
    assert (err.table, err.rule, err.limit) == ("campaign_daily", "max_columns", 500)
    assert err.actual is not None and err.actual > 500 and "max_columns" in str(err)
