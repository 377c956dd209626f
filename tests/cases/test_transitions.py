import pytest
from django.urls import reverse

from cases import services
from cases.models import TRACK_FIELDS, TRACK_GRAPHS, Track, TrackTransition
from cases.services import TransitionError

pytestmark = pytest.mark.django_db

ALL_PAIRS = [
    (track, from_status, to_status)
    for track, graph in TRACK_GRAPHS.items()
    for from_status in graph
    for to_status in graph
]


def _put_in_state(case, track: str, status: str) -> None:
    # Test set-up only: place the case in a state without walking the graph.
    setattr(case, TRACK_FIELDS[track], status)
    case.save(update_fields=[TRACK_FIELDS[track]])


@pytest.mark.parametrize(("track", "from_status", "to_status"), ALL_PAIRS)
def test_every_pair_moves_only_when_the_graph_allows_it(
    case, caseworker, track, from_status, to_status
):
    _put_in_state(case, track, from_status)
    allowed = to_status in TRACK_GRAPHS[track][from_status]
    if allowed:
        transition = services.transition_track(case, track, to_status, actor=caseworker)
        assert transition.from_status == from_status
        case.refresh_from_db()
        assert getattr(case, TRACK_FIELDS[track]) == to_status
    else:
        with pytest.raises(TransitionError):
            services.transition_track(case, track, to_status, actor=caseworker)
        case.refresh_from_db()
        assert getattr(case, TRACK_FIELDS[track]) == from_status
        assert not TrackTransition.objects.filter(case=case).exists()


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
