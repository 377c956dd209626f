"""Fixtures shared by the case tests: a case of agency A and what hangs off it."""

from __future__ import annotations

import pytest

from cases.models import Case
from tests.factories import CaseFactory


@pytest.fixture
def case(agency_a, caseworker, supervisor) -> Case:
    """A case of agency A, assigned to `caseworker`, supervised by `supervisor`."""
    case = CaseFactory(agency=agency_a, created_by=caseworker, caseworkers=[caseworker])
    case.supervisor = supervisor
    case.save(update_fields=["supervisor"])
    return case
