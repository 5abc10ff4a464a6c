"""CSV exports are safe to open in a spreadsheet: text that looks like a formula is prefixed with ' (OWASP)."""

from __future__ import annotations

import csv
import io

import pytest

from api.cli.output import OutputFormat, csv_safe, print_records


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_text_is_escaped(cell: str) -> None:
    assert csv_safe(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["search-01", "<b>html</b>", "", -3.5, 0, None, True])
def test_other_cells_are_unchanged(cell: object) -> None:
    assert csv_safe(cell) == cell


def test_print_records_csv_escapes_campaign_ids(capsys: pytest.CaptureFixture[str]) -> None:
    print_records([{"campaign_id": "=cmd|' /C calc'!A0", "roi": -0.25}, {"campaign_id": "search-01", "roi": 1.5}],
                  OutputFormat.csv)
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["campaign_id"] for r in rows] == ["'=cmd|' /C calc'!A0", "search-01"]
    assert [r["roi"] for r in rows] == ["-0.25", "1.5"]  # numbers stay numbers
