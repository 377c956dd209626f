import csv
import io

from openpyxl import load_workbook

from reports.exports import escape_cell, to_csv, to_xlsx


def test_formula_starts_are_escaped_and_other_values_kept():
    for dangerous in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert escape_cell(dangerous) == "'" + dangerous
    assert escape_cell("Female") == "Female"
    assert escape_cell(-3) == -3
    assert escape_cell("") == ""


def test_csv_and_xlsx_cells_are_escaped():
    rows = [("=HYPERLINK(1)", "x", 3)]
    text = to_csv(["a", "b", "c"], rows).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1] == ["'=HYPERLINK(1)", "x", "3"]
    sheet = load_workbook(io.BytesIO(to_xlsx(["a", "b", "c"], rows, "2026"))).active
    assert [cell.value for cell in sheet[2]] == ["'=HYPERLINK(1)", "x", 3]
