"""My work's "recent changes": the last fortnight's track moves on the cases the reader
works (caseworker or named supervisor), newest first, whoever made them."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cases import selectors, services
from cases.models import Track, TrackTransition
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def _cases(user) -> list[str]:
    return [change.case.reference for change in selectors.recent_changes(user)]


def test_a_caseworker_sees_moves_on_their_cases_only(case, caseworker, other_caseworker, agency_a):
    services.transition_track(case, Track.PROTECTION, "in_progress", actor=other_caseworker)
    theirs = CaseFactory(agency=agency_a, caseworkers=[other_caseworker])
    services.transition_track(theirs, Track.PROTECTION, "in_progress", actor=other_caseworker)
    assert _cases(caseworker) == [case.reference]


def test_a_supervisor_sees_moves_on_the_cases_they_supervise_not_the_whole_agency(
    caseworker, supervisor, agency_a
):
    supervised = CaseFactory(agency=agency_a, supervisor=supervisor, caseworkers=[caseworker])
    other = CaseFactory(agency=agency_a, caseworkers=[caseworker])
    services.transition_track(supervised, Track.PROTECTION, "in_progress", actor=caseworker)
    services.transition_track(other, Track.PROTECTION, "in_progress", actor=caseworker)
    assert _cases(supervisor) == [supervised.reference]


def test_an_agency_admin_who_works_no_case_sees_no_change(case, caseworker, agency_admin):
    services.transition_track(case, Track.PROTECTION, "in_progress", actor=caseworker)
    assert _cases(agency_admin) == []


def test_moves_older_than_a_fortnight_and_archived_cases_are_left_out(
    case, caseworker, agency_a, supervisor
):
    services.transition_track(case, Track.PROTECTION, "in_progress", actor=caseworker)
    TrackTransition.objects.filter(case=case).update(
        occurred_at=timezone.now() - datetime.timedelta(days=selectors.RECENT_DAYS + 1)
    )
    archived = CaseFactory(agency=agency_a, caseworkers=[caseworker])
    services.transition_track(archived, Track.PROTECTION, "in_progress", actor=caseworker)
    services.archive_record(archived, actor=supervisor, reason="Entered twice")
    assert _cases(caseworker) == []


def test_the_newest_moves_come_first_and_at_most_the_panel_limit(caseworker, agency_a):
    cases = [
        CaseFactory(agency=agency_a, caseworkers=[caseworker])
        for _n in range(selectors.MY_WORK_LIMIT + 2)
    ]
    for case in cases:
        services.transition_track(case, Track.PROTECTION, "in_progress", actor=caseworker)
    newest_first = [case.reference for case in reversed(cases)]
    assert _cases(caseworker) == newest_first[: selectors.MY_WORK_LIMIT]
