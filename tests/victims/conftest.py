"""Shared records for the victims tests: agency A's person with a case."""

from __future__ import annotations

import pytest

from tests.factories import CaseFactory, PersonFactory


@pytest.fixture
def person(agency_a, caseworker):
    """Agency A's person, with canary-free fictional identity."""
    return PersonFactory(agency=agency_a, created_by=caseworker)


@pytest.fixture
def case(agency_a, caseworker, supervisor, person):
    """Agency A's case for `person`, assigned to `caseworker`."""
    return CaseFactory(
        agency=agency_a,
        person=person,
        created_by=caseworker,
        caseworkers=[caseworker],
        supervisor=supervisor,
    )
