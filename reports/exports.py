"""Spreadsheet downloads: CSV (stdlib) and XLSX (openpyxl), formula-escaped."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook

# A cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([escape_cell(str(cell)) for cell in header])
    for row in rows:
        writer.writerow([escape_cell(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM lets Excel read UTF-8


def to_xlsx(header: Sequence[str], rows: Iterable[Sequence[object]], title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([escape_cell(str(cell)) for cell in header])
    for row in rows:
        sheet.append([escape_cell(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
