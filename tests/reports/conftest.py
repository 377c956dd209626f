"""Fixtures of the reports tests: the real CTDC file, imported once per test module."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

CTDC_CSV = Path(settings.BASE_DIR) / "reports" / "data" / "ctdc" / "CTDC_VPsynthetic_condensed.csv"

COUNT_LINK = re.compile(r'<a href="([^"]+)" data-count="(\d+)">')


@pytest.fixture(scope="module")
def ctdc_rows() -> list[dict[str, str]]:
    """The CTDC file read with the csv module: what the dashboard must agree with."""
    with CTDC_CSV.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def ctdc_import(django_db_setup, django_db_blocker):
    """The whole CTDC file imported once for the module, rolled back at its end.

    Each test runs in a savepoint inside this transaction (like TestCase.setUpTestData).
    """
    from reports.ctdc import import_ctdc
    from tests.factories import PlatformAdminFactory

    with django_db_blocker.unblock(), transaction.atomic():
        importer = PlatformAdminFactory(email="importer@example.org", full_name="Importer")
        result = import_ctdc(CTDC_CSV, actor=importer)
        yield result
        transaction.set_rollback(True)


def counter(rows: list[dict[str, str]], column: str) -> Counter:
    return Counter(row[column] for row in rows)


def count_links(html: str) -> list[tuple[str, int]]:
    """Every (href, count) the dashboard links, with HTML entities in the href undone."""
    return [(href.replace("&amp;", "&"), int(n)) for href, n in COUNT_LINK.findall(html)]
