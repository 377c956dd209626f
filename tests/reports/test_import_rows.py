"""`manage.py import_ctdc` on small crafted files: unreadable rows, idempotence, the actor."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from reports.models import ImportedRecord
from tests.factories import PlatformAdminFactory

pytestmark = pytest.mark.django_db


HEADER = (
    "yearRegister,gender,majorityStatus,isForcedLabour,isSexualExploit,"
    "UN_COO_Region,UN_COE_Region,IP_Exploiter\n"
)
BAD_CSV = (
    HEADER
    + """2019,Female,Adult,1,,Asia,Europe,1
2020,Robot,Adult,1,,Asia,Europe,1
2020,Male,Adult,0,,Asia,Europe,1
,Male,,,1,Africa,Africa
2005-2013,Male,Minor,,1,Africa,Africa,1,extra
yesterday,Female,Adult,1,,Asia,Asia,
2021-2022,,Minor,1,1,,,
"""
)


def test_unreadable_rows_are_reported_with_their_line_and_the_rest_imported(db, tmp_path):
    path = tmp_path / "crafted.csv"
    path.write_text(BAD_CSV, encoding="utf-8")
    PlatformAdminFactory(email="importer@example.org")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_ctdc", str(path), stdout=out, stderr=err)
    assert err.getvalue().splitlines() == [
        "line 3: gender is not Female, Male or empty",
        "line 4: isForcedLabour is not 1 or empty",
        "line 5: fewer cells than columns",
        "line 6: more cells than columns",
        "line 7: yearRegister is not a year or a band of years",
    ]
    assert "7 rows read, 2 imported, 0 already imported, 5 unreadable" in out.getvalue()
    records = ImportedRecord.objects.filter(source="ctdc:crafted.csv").order_by("row_number")
    assert [r.row_number for r in records] == [1, 7]
    both = records.get(row_number=7).case
    assert sorted(both.exploitations.values_list("type", flat=True)) == [
        "forced_labour",
        "sexual",
    ]
    call_command("import_ctdc", str(path), stdout=out, stderr=io.StringIO())
    assert records.count() == 2


def test_the_command_needs_an_account_and_creates_none(db, tmp_path):
    path = tmp_path / "one.csv"
    path.write_text(HEADER, encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_ctdc", str(path), stdout=io.StringIO())
