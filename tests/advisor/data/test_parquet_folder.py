"""Parquet folders (part files, as Spark writes a table) read by the local readers: same table as one file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from advisor.data import DataValidationError, LimitExceeded, load_dataset
from advisor.data.limits import DataLimits
from advisor.data.readers import SourceReadError, read_parquet


def _write_parts(folder: Path, df: pd.DataFrame, parts: int) -> Path:
    """``df`` as ``folder/part-0000k.parquet`` files beside Spark's ``_SUCCESS`` and a hidden ``.crc`` file."""
    folder.mkdir(parents=True)
    n = len(df)
    for k in range(parts):
        df.iloc[k * n // parts : (k + 1) * n // parts].to_parquet(folder / f"part-{k:05d}.parquet", index=False)
    (folder / "_SUCCESS").write_text("")
    (folder / ".part-00000.parquet.crc").write_bytes(b"\x00\x01")
    return folder


@pytest.mark.parametrize("name", ["campaign_daily", "campaign_daily.parquet"])
def test_a_folder_of_parts_loads_like_one_file(
    name: str, make_folder: Callable[..., Path], make_cd: Callable[..., pd.DataFrame]
) -> None:
    source = make_cd()
    typed = source.assign(date=pd.to_datetime(source["date"]))
    one_file = load_dataset(make_folder("parquet", campaign_daily=typed))
    folder = make_folder()
    _write_parts(folder / name, typed, parts=3)
    parts = load_dataset(folder)
    pd.testing.assert_frame_equal(one_file.campaign_daily, parts.campaign_daily)
    assert one_file.fingerprint == parts.fingerprint


def test_rows_are_numbered_across_the_parts(tmp_path: Path, make_cd: Callable[..., pd.DataFrame]) -> None:
    df = make_cd(days=3)  # 6 rows: parts of 2, 2, 2
    df.loc[4, "spend"] = -3.0  # the 5th record: the first row of the third part
    _write_parts(tmp_path / "campaign_daily", df, parts=3)
    with pytest.raises(DataValidationError) as info:
        load_dataset(tmp_path)
    assert [(i.column, i.rows, i.rule) for i in info.value.issues] == [("spend", (5,), "non_negative")]


def test_parts_with_different_columns_are_refused(tmp_path: Path, make_cd: Callable[..., pd.DataFrame]) -> None:
    df = make_cd(days=2)
    folder = _write_parts(tmp_path / "campaign_daily", df, parts=2)
    df.drop(columns=["revenue"]).to_parquet(folder / "part-00002.parquet", index=False)
    with pytest.raises(SourceReadError, match=r"part-00002\.parquet: its columns .* differ from those of part-00000"):
        read_parquet(folder)


def test_a_folder_without_parts_is_not_a_table(tmp_path: Path) -> None:
    (tmp_path / "campaign_daily").mkdir()
    (tmp_path / "campaign_daily" / "_SUCCESS").write_text("")
    with pytest.raises(DataValidationError, match="campaign_daily: required table not found"):
        load_dataset(tmp_path)
    with pytest.raises(SourceReadError, match="a folder without Parquet part files"):
        read_parquet(tmp_path / "campaign_daily")


def test_row_limit_counts_every_part(tmp_path: Path, make_cd: Callable[..., pd.DataFrame]) -> None:
    df = make_cd(days=5)  # 10 rows in 2 parts of 5: each part is under the limit, the table is not
    _write_parts(tmp_path / "campaign_daily", df, parts=2)
    with pytest.raises(LimitExceeded) as info:
        load_dataset(tmp_path, limits=DataLimits(max_rows=8))
    assert info.value.rule == "max_rows" and info.value.actual == 10
