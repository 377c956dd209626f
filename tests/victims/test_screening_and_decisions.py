"""Screening suggests with reasons, the caseworker decides, the identification track moves."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.models import Case
from victims import services
from victims.models import (
    SCREENING_GRAPH,
    IdentificationDecision,
    IndicatorSet,
    Screening,
    ScreeningTransition,
)
from workflow import TransitionError

pytestmark = pytest.mark.django_db


def _scam_set() -> IndicatorSet:
    return IndicatorSet.objects.get(code="forced-criminality-scam", version=1)


def _start(client, case) -> Screening:
    response = client.post(
        reverse("victims:screening_start", args=[case.pk]), {"indicator_set": _scam_set().pk}
    )
    assert response.status_code == 302
    return Screening.objects.get(case=case)


def test_the_indicator_sets_are_installed_by_migration():
    kinds = set(IndicatorSet.objects.values_list("kind", flat=True))
    assert kinds == {"forced_labour", "sexual_exploitation", "forced_criminality"}
    assert _scam_set().indicators.filter(code="passport-taken").exists()


def test_forced_criminality_screening_suggests_with_reasons_and_moves_the_track(
    login, caseworker, case
):
    client = login(caseworker)
    screening = _start(client, case)
    assert Case.objects.get(pk=case.pk).identification_status == "screening"
    data = {}
    for answer in screening.answers.select_related("indicator"):
        yes = answer.indicator.code in {"online-job-ad", "passport-taken", "forced-to-defraud"}
        data[f"answer_{answer.indicator_id}"] = "yes" if yes else "unknown"
        data[f"note_{answer.indicator_id}"] = "told at interview" if yes else ""
    response = client.post(reverse("victims:screening_answer", args=[screening.pk]), data)
    assert response.status_code == 302
    page = client.get(reverse("victims:screening_detail", args=[screening.pk])).content.decode()
    assert "suggest referring for formal identification" in page
    assert "Passport or phone taken on arrival" in page
    assert "Forced to defraud people" in page
    assert "Score 8 of" in page
    response = client.post(
        reverse("victims:screening_complete", args=[screening.pk]),
        {"decision": "refer", "note": "Strong indicators"},
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).identification_status == "awaiting_decision"


def test_not_referring_moves_the_track_back_to_not_screened(login, caseworker, case):
    client = login(caseworker)
    screening = _start(client, case)
    client.post(
        reverse("victims:screening_complete", args=[screening.pk]), {"decision": "not_refer"}
    )
    assert Case.objects.get(pk=case.pk).identification_status == "not_screened"


def test_answers_reference_their_version_so_a_new_version_leaves_them_alone(
    login, caseworker, case
):
    screening = _start(login(caseworker), case)
    old = _scam_set()
    old.is_current = False
    old.save()
    new = IndicatorSet.objects.create(code=old.code, version=2, title="v2", kind=old.kind)
    new.indicators.create(code="new-question", text="A new question")
    assert {a.indicator.indicator_set_id for a in screening.answers.all()} == {old.pk}


def test_a_decision_and_its_review_move_the_identification_track(login, caseworker, case):
    client = login(caseworker)
    screening = _start(client, case)
    client.post(reverse("victims:screening_complete", args=[screening.pk]), {"decision": "refer"})
    response = client.post(
        reverse("victims:decision_create", args=[case.pk]),
        {
            "authority": "prosecutor",
            "decided_on": "2026-02-01",
            "outcome": "not_identified",
            "notice_given_on": "2026-02-02",
            "notice_language": "Indonesian",
        },
    )
    assert response.status_code == 302
    decision = IdentificationDecision.objects.get()
    assert Case.objects.get(pk=case.pk).identification_status == "not_identified"
    client.post(
        reverse("victims:decision_review_request", args=[decision.pk]),
        {"requested_on": "2026-02-10"},
    )
    assert Case.objects.get(pk=case.pk).identification_status == "review_requested"
    client.post(
        reverse("victims:decision_review_outcome", args=[decision.pk]),
        {"outcome": "identified", "decided_on": "2026-03-01"},
    )
    assert Case.objects.get(pk=case.pk).identification_status == "identified"
    decision.refresh_from_db()
    assert decision.review_outcome == "identified"


def test_a_decision_before_screening_is_refused_with_a_message(login, caseworker, case):
    response = login(caseworker).post(
        reverse("victims:decision_create", args=[case.pk]),
        {"authority": "police", "decided_on": "2026-02-01", "outcome": "identified"},
    )
    assert response.status_code == 200
    assert "cannot move" in response.content.decode()
    assert not IdentificationDecision.objects.exists()


@pytest.mark.parametrize(("from_status", "to_status"), list(SCREENING_GRAPH.pairs()))
def test_every_screening_pair_moves_only_when_the_graph_allows_it(
    caseworker, case, from_status, to_status
):
    if to_status != Screening.Status.COMPLETED:
        # Completing is the only move a service makes: the graph has no other edge.
        assert not SCREENING_GRAPH.allows(from_status, to_status)
        return
    screening = services.start_screening(case, indicator_set=_scam_set(), actor=caseworker)
    Screening.objects.filter(pk=screening.pk).update(status=from_status)
    screening.refresh_from_db()
    if SCREENING_GRAPH.allows(from_status, to_status):
        services.complete_screening(screening, decision="refer", note="Clear", actor=caseworker)
        screening.refresh_from_db()
        assert (screening.status, screening.decision) == (to_status, "refer")
        move = screening.transitions.get()
        assert (move.from_status, move.to_status, move.actor) == (
            from_status,
            to_status,
            caseworker,
        )
    else:
        with pytest.raises(TransitionError):
            services.complete_screening(screening, decision="refer", note="", actor=caseworker)
        screening.refresh_from_db()
        assert (screening.status, screening.decision) == (from_status, "")
        assert not ScreeningTransition.objects.exists()


def test_a_bare_track_move_never_records_an_identification(login, caseworker, case):
    client = login(caseworker)
    screening = _start(client, case)
    client.post(reverse("victims:screening_complete", args=[screening.pk]), {"decision": "refer"})
    client.post(
        reverse("cases:transition", args=[case.pk]),
        {"track": "identification", "to_status": "identified"},
    )
    case.refresh_from_db()
    assert case.identification_status == "awaiting_decision"
    assert "The identification decision has not been recorded." in case.closure_blockers()
