import datetime

import pytest
from django.urls import reverse

from cases import services
from cases.models import TRACK_FIELDS, TRACK_GRAPHS, Case, Track, TrackTransition
from victims.models import IdentificationDecision
from workflow import TransitionError

pytestmark = pytest.mark.django_db

ALL_PAIRS = [
    (track, from_status, to_status)
    for track, graph in TRACK_GRAPHS.items()
    for from_status, to_status in graph.pairs()
]


def _put_in_state(case, track: str, status: str) -> None:
    # Test set-up only: place the case in a state without walking the graph.
    Case.objects.filter(pk=case.pk).update(**{TRACK_FIELDS[track]: status})
    setattr(case, TRACK_FIELDS[track], status)


def _record_decision(case, caseworker, outcome: str) -> IdentificationDecision:
    # Test set-up only: the decision row a guarded move stands on.
    return IdentificationDecision.objects.create(
        case=case,
        authority="police",
        decided_on=datetime.date(2026, 1, 5),
        outcome=outcome,
        recorded_by=caseworker,
    )


@pytest.mark.parametrize(("track", "from_status", "to_status"), ALL_PAIRS)
def test_every_pair_moves_only_when_the_graph_allows_it(
    case, caseworker, track, from_status, to_status
):
    graph = TRACK_GRAPHS[track]
    _put_in_state(case, track, from_status)
    guarded = to_status in graph.guarded
    if guarded:
        _record_decision(case, caseworker, to_status)
    if graph.allows(from_status, to_status):
        transition = services.transition_track(
            case, track, to_status, actor=caseworker, guard_ok=guarded
        )
        assert (transition.from_status, transition.to_status) == (from_status, to_status)
        case.refresh_from_db()
        assert getattr(case, TRACK_FIELDS[track]) == to_status
    else:
        with pytest.raises(TransitionError):
            services.transition_track(case, track, to_status, actor=caseworker, guard_ok=True)
        case.refresh_from_db()
        assert getattr(case, TRACK_FIELDS[track]) == from_status
        assert not TrackTransition.objects.filter(case=case).exists()


GUARDED_PAIRS = [
    (src, dst)
    for src, dst in TRACK_GRAPHS[Track.IDENTIFICATION].pairs()
    if TRACK_GRAPHS[Track.IDENTIFICATION].allows(src, dst)
    and dst in TRACK_GRAPHS[Track.IDENTIFICATION].guarded
]


@pytest.mark.parametrize(("from_status", "to_status"), GUARDED_PAIRS)
def test_a_guarded_outcome_needs_the_guard_and_a_decision_with_that_outcome(
    case, caseworker, from_status, to_status
):
    _put_in_state(case, Track.IDENTIFICATION, from_status)
    other = next(s for s in TRACK_GRAPHS[Track.IDENTIFICATION].guarded if s != to_status)
    with pytest.raises(TransitionError):
        services.transition_track(case, Track.IDENTIFICATION, to_status, actor=caseworker)
    with pytest.raises(TransitionError, match="identification decision"):
        services.transition_track(
            case, Track.IDENTIFICATION, to_status, actor=caseworker, guard_ok=True
        )
    _record_decision(case, caseworker, other)
    with pytest.raises(TransitionError, match="identification decision"):
        services.transition_track(
            case, Track.IDENTIFICATION, to_status, actor=caseworker, guard_ok=True
        )
    case.refresh_from_db()
    assert case.identification_status == from_status
    assert not TrackTransition.objects.exists()


def test_caseworker_moves_a_track_from_the_case_page(login, case, caseworker):
    response = login(caseworker).post(
        reverse("cases:transition", args=[case.pk]),
        {"track": "identification", "to_status": "screening", "note": "First interview"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.identification_status == "screening"
    transition = case.transitions.get()
    assert (transition.actor, transition.note) == (caseworker, "First interview")


def test_illegal_move_is_refused_with_a_clear_message(login, case, caseworker):
    response = login(caseworker).post(
        reverse("cases:transition", args=[case.pk]),
        {"track": "prosecution", "to_status": "final"},
        follow=True,
    )
    assert "cannot move from “Not reported” to “Final”" in response.content.decode()
    case.refresh_from_db()
    assert case.prosecution_status == "not_reported"


@pytest.mark.parametrize("with_decision", [False, True])
@pytest.mark.parametrize("to_status", ["identified", "not_identified"])
def test_the_track_form_never_reaches_an_identification_outcome(
    login, case, caseworker, with_decision, to_status
):
    _put_in_state(case, Track.IDENTIFICATION, "awaiting_decision")
    if with_decision:
        _record_decision(case, caseworker, to_status)
    response = login(caseworker).post(
        reverse("cases:transition", args=[case.pk]),
        {"track": "identification", "to_status": to_status},
        follow=True,
    )
    assert "can only be set through a recorded decision" in response.content.decode()
    case.refresh_from_db()
    assert case.identification_status == "awaiting_decision"
    assert not TrackTransition.objects.exists()
    assert "The identification decision has not been recorded." in case.closure_blockers()


def test_the_case_page_does_not_offer_an_identification_outcome(login, case, caseworker):
    _put_in_state(case, Track.IDENTIFICATION, "awaiting_decision")
    response = login(caseworker).get(reverse("cases:detail", args=[case.pk]))
    identification = next(
        row for row in response.context["tracks"] if row["track"] == "identification"
    )
    assert identification["moves"] == []
    assert 'value="identified"' not in response.content.decode()


def test_case_status_cannot_be_moved_through_the_track_form(login, case, supervisor):
    login(supervisor).post(
        reverse("cases:transition", args=[case.pk]),
        {"track": "case", "to_status": "closure_requested"},
    )
    case.refresh_from_db()
    assert case.status == "open"


def test_agency_admin_reads_tracks_but_cannot_move_them(login, case, agency_admin):
    client = login(agency_admin)
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200
    response = client.post(
        reverse("cases:transition", args=[case.pk]),
        {"track": "identification", "to_status": "screening"},
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.identification_status == "not_screened"


def test_outsider_gets_404_moving_a_track(login, case, outsider):
    response = login(outsider).post(
        reverse("cases:transition", args=[case.pk]),
        {"track": "identification", "to_status": "screening"},
    )
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.identification_status == "not_screened"


def test_timeline_shows_moves_newest_first_with_who(login, case, caseworker):
    services.transition_track(case, Track.IDENTIFICATION, "screening", actor=caseworker)
    services.transition_track(case, Track.PROTECTION, "in_progress", actor=caseworker)
    services.add_note(case, actor=caseworker, text="Met at the shelter")
    content = login(caseworker).get(reverse("cases:timeline", args=[case.pk])).content.decode()
    note, protection, identification = (
        content.index("Met at the shelter"),
        content.index("Services in progress"),
        content.index("Screening"),
    )
    assert note < protection < identification
    assert "Casey Worker" in content
