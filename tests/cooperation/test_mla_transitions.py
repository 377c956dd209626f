"""MLA requests move only along their graph, through `transition_mla`, from the detail page."""

import pytest
from django.urls import reverse

from cooperation import services
from cooperation.forms import MLARequestForm
from cooperation.models import MLA_GRAPH, MLARequest, MLATransition
from tests.factories import MLARequestFactory
from workflow import TransitionError

pytestmark = pytest.mark.django_db


@pytest.fixture
def mla(agency_a, caseworker) -> MLARequest:
    return MLARequestFactory(agency=agency_a, created_by=caseworker)


@pytest.mark.parametrize(("from_status", "to_status"), list(MLA_GRAPH.pairs()))
def test_every_pair_moves_only_when_the_graph_allows_it(mla, caseworker, from_status, to_status):
    MLARequest.objects.filter(pk=mla.pk).update(status=from_status)
    if MLA_GRAPH.allows(from_status, to_status):
        move = services.transition_mla(mla, to_status, actor=caseworker, note="By phone")
        assert (move.from_status, move.to_status, move.note) == (from_status, to_status, "By phone")
        mla.refresh_from_db()
        assert (mla.status, mla.version, mla.updated_by) == (to_status, 2, caseworker)
    else:
        with pytest.raises(TransitionError):
            services.transition_mla(mla, to_status, actor=caseworker)
        mla.refresh_from_db()
        assert (mla.status, mla.version) == (from_status, 1)
        assert not MLATransition.objects.exists()


def test_a_new_request_starts_sent_and_its_form_has_no_status(caseworker):
    assert "status" not in MLARequestForm(user=caseworker).fields
    assert MLARequest().status == "sent"


def test_the_detail_page_offers_only_the_allowed_next_states(login, mla, caseworker):
    MLARequest.objects.filter(pk=mla.pk).update(status="replied")
    page = login(caseworker).get(reverse("cooperation:mla_detail", args=[mla.pk]))
    assert page.context["moves"] == [("in_progress", "In progress"), ("closed", "Closed")]


def test_caseworker_records_an_acknowledgement(login, mla, caseworker):
    url = reverse("cooperation:mla_transition", args=[mla.pk])
    response = login(caseworker).post(url, {"to_status": "acknowledged", "note": "Receipt"})
    assert response.status_code == 302
    mla.refresh_from_db()
    assert mla.status == "acknowledged"
    assert mla.transitions.get().actor == caseworker


def test_a_move_the_graph_refuses_is_a_message(login, mla, caseworker):
    MLARequest.objects.filter(pk=mla.pk).update(status="closed")
    url = reverse("cooperation:mla_transition", args=[mla.pk])
    response = login(caseworker).post(url, {"to_status": "sent"}, follow=True)
    assert "cannot move from “Closed” to “Sent”" in response.content.decode()
    mla.refresh_from_db()
    assert mla.status == "closed"


def test_the_status_is_moved_only_by_post(login, mla, caseworker):
    url = reverse("cooperation:mla_transition", args=[mla.pk])
    assert login(caseworker).get(url).status_code == 405


def test_agency_admin_cannot_move_a_request(login, mla, agency_admin):
    url = reverse("cooperation:mla_transition", args=[mla.pk])
    assert login(agency_admin).post(url, {"to_status": "closed"}).status_code == 403


def test_outsider_gets_404(login, mla, outsider):
    url = reverse("cooperation:mla_transition", args=[mla.pk])
    assert login(outsider).post(url, {"to_status": "closed"}).status_code == 404
    mla.refresh_from_db()
    assert mla.status == "sent"
