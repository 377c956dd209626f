"""The rough edges of daily work (issue 13): each fix, checked where a user meets it."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import translation

from cases.filters import CaseFilter
from cases.models import LegalProceeding, Task
from cooperation.forms import MLARequestForm
from cooperation.models import MLARequest
from tests.factories import (
    CaseFactory,
    LegalProceedingFactory,
    MLARequestFactory,
    TaskFactory,
    UserFactory,
)
from tests.privacy.conftest import make_canary_case
from victims.models import IndicatorSet, Screening
from victims.services import start_screening

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(agency_a, caseworker, supervisor, private_storage):
    case = make_canary_case(agency=agency_a, caseworker=caseworker, supervisor=supervisor)
    TaskFactory(case=case, assignee=caseworker)
    return case


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: Counter[str] = Counter()

    def handle_starttag(self, tag, attrs) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids[value] += 1


def _duplicate_ids(html: str) -> list[str]:
    parser = _Ids()
    parser.feed(html)
    return sorted(name for name, count in parser.ids.items() if count > 1)


# --- "Complete screening" keeps the answers on the page ----------------------


def test_completing_a_screening_saves_the_answers_posted_with_it(login, caseworker, agency_a):
    case = CaseFactory(agency=agency_a, created_by=caseworker, caseworkers=[caseworker])
    indicator_set = IndicatorSet.objects.get(code="forced-criminality-scam", version=1)
    screening = start_screening(case, indicator_set=indicator_set, actor=caseworker)
    data = {"decision": "refer", "note": "Strong indicators"}
    answers = list(screening.answers.all())
    for answer in answers:
        data[f"answer_{answer.indicator_id}"] = "yes"
        data[f"note_{answer.indicator_id}"] = "said at interview"
    client = login(caseworker)
    page = client.get(screening.get_absolute_url()).content.decode()
    # One form: the "Complete" button posts the answers above it.
    assert page.count("<form") - page.count('<form method="post" action="/i18n') >= 1
    assert 'formaction="{}"'.format(reverse("victims:screening_complete", args=[screening.pk])) in (
        page
    )
    response = client.post(reverse("victims:screening_complete", args=[screening.pk]), data)
    assert response.status_code == 302
    screening.refresh_from_db()
    assert screening.status == Screening.Status.COMPLETED
    assert {a.answer for a in screening.answers.all()} == {"yes"}
    assert {a.note for a in screening.answers.all()} == {"said at interview"}


def test_an_invalid_answer_stops_the_completion(login, caseworker, agency_a):
    case = CaseFactory(agency=agency_a, created_by=caseworker, caseworkers=[caseworker])
    indicator_set = IndicatorSet.objects.get(code="forced-criminality-scam", version=1)
    screening = start_screening(case, indicator_set=indicator_set, actor=caseworker)
    answer = screening.answers.first()
    response = login(caseworker).post(
        reverse("victims:screening_complete", args=[screening.pk]),
        {"decision": "refer", f"answer_{answer.indicator_id}": "maybe"},
    )
    assert response.status_code == 400
    screening.refresh_from_db()
    assert screening.status == Screening.Status.IN_PROGRESS


# --- An empty legal proceeding is refused ------------------------------------


def test_an_empty_legal_proceeding_is_refused(login, caseworker, agency_a):
    case = CaseFactory(agency=agency_a, created_by=caseworker, caseworkers=[caseworker])
    url = reverse("cases:proceeding_create", args=[case.pk])
    response = login(caseworker).post(url, {"version": 1, "court": "  "})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not LegalProceeding.objects.filter(cases=case).exists()
    response = login(caseworker).post(url, {"version": 1, "court": "Demo District Court"})
    assert response.status_code == 302
    assert LegalProceeding.objects.filter(cases=case).exists()


# --- Unique HTML ids -----------------------------------------------------------


@pytest.mark.parametrize("persona", ["caseworker", "supervisor", "agency_admin"])
def test_the_case_and_referral_pages_have_unique_ids(request, login, persona, case):
    client = login(request.getfixturevalue(persona))
    referral = case.referrals.get()
    for url in (case.get_absolute_url(), referral.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 200
        assert _duplicate_ids(response.content.decode()) == [], url


def test_the_receiving_agency_sees_a_referral_page_with_unique_ids(login, case):
    referral = case.referrals.get()
    receiver = UserFactory(agency=referral.to_agency, role="caseworker")
    response = login(receiver).get(referral.get_absolute_url())
    assert response.status_code == 200
    assert _duplicate_ids(response.content.decode()) == []


# --- Dates: one way per language ----------------------------------------------

# Django's long forms ("Dec. 2, 2026", "5:24 a.m." after a month name) and ISO dates in
# text are the formats the pages must not show; SHORT_DATE(TIME)_FORMAT is the one way.
LONG_DATE = re.compile(
    r"\b(?:Jan|Feb|March|April|May|June|July|Aug|Sept|Oct|Nov|Dec)\.? \d{1,2}, \d{4}\b"
)
ISO_IN_TEXT = re.compile(r">[^<]*\b\d{4}-\d{2}-\d{2}\b[^<]*<")


def _visible_text_problems(html: str) -> list[str]:
    body = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    body = re.sub(r"<input\b[^>]*>", "", body)
    problems = LONG_DATE.findall(body)
    problems += [m for m in ISO_IN_TEXT.findall(body) if "AGA-" not in m]
    return problems


def test_pages_show_dates_one_way(login, caseworker, case):
    client = login(caseworker)
    pages = [
        reverse("cases:my_work"),
        reverse("cases:list"),
        reverse("cases:task_list"),
        case.get_absolute_url(),
        reverse("cases:timeline", args=[case.pk]),
        case.person.get_absolute_url(),
        case.referrals.get().get_absolute_url(),
        reverse("cooperation:referral_list"),
        reverse("cooperation:mla_list"),
        MLARequest.objects.get(case=case).get_absolute_url(),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _visible_text_problems(response.content.decode()) == [], url


# --- Automatic task titles follow the reader's language -----------------------


def test_an_automatic_task_title_is_shown_in_the_readers_language(agency_a, caseworker):
    case = CaseFactory(agency=agency_a, created_by=caseworker, caseworkers=[caseworker])
    with translation.override("zh-hant"):
        stored = str(Task.Kind.DECISION_AWAITED.label)
    automatic = TaskFactory(
        case=case, title=stored, kind=Task.Kind.DECISION_AWAITED, auto_created=True
    )
    typed = TaskFactory(case=case, title="Call the shelter")
    with translation.override("en"):
        assert automatic.display_title == "Identification decision awaited"
        assert typed.display_title == "Call the shelter"
    with translation.override("zh-hant"):
        assert automatic.display_title == stored
        assert typed.display_title == "Call the shelter"


# --- Filters: "Any" and translated sort options ------------------------------


def test_filter_dropdowns_offer_any_and_translated_sort_options(rf, caseworker):
    request = rf.get("/")
    request.user = caseworker
    html = str(CaseFilter(None, request=request).form)
    assert "---------" not in html
    assert ">Any<" in html
    with translation.override("zh-hant"):
        chinese = str(CaseFilter(None, request=request).form)
    assert "Reference number (descending)" in html
    # Built when the form renders, so in the reader's language, not the importer's.
    assert "Reference number" not in chinese
    assert "\uff08遞減\uff09" in chinese and ">不限<" in chinese  # (descending), Any


def test_the_case_list_has_no_dashes_in_its_dropdowns(login, caseworker):
    page = login(caseworker).get(reverse("cases:list")).content.decode()
    assert "---------" not in page


# --- MLA: the case is typed, not picked from every case -----------------------


def test_the_mla_form_takes_a_case_reference_the_user_can_see(
    caseworker, outsider, agency_a, agency_b
):
    case = CaseFactory(agency=agency_a, created_by=caseworker, caseworkers=[caseworker])
    CaseFactory.create_batch(3, agency=agency_a, created_by=caseworker)
    form = MLARequestForm(user=caseworker)
    assert "<select" not in str(form["case"])
    assert case.reference not in str(form)
    data = {"case": case.reference.lower()}
    form = MLARequestForm(data, user=caseworker)
    form.is_valid()
    assert "case" not in form.errors
    assert form.cleaned_data["case"] == case
    form = MLARequestForm(data, user=outsider)
    form.is_valid()
    assert "case" in form.errors


def test_editing_an_mla_request_shows_its_case_reference(caseworker, agency_a):
    case = CaseFactory(agency=agency_a, created_by=caseworker, caseworkers=[caseworker])
    mla = MLARequestFactory(agency=agency_a, case=case, created_by=caseworker)
    form = MLARequestForm(instance=mla, user=caseworker)
    assert f'value="{case.reference}"' in str(form["case"])


# --- Favicon and print stylesheet ------------------------------------------------


def test_every_page_links_a_favicon_and_a_print_stylesheet(login, caseworker):
    page = login(caseworker).get(reverse("cases:my_work")).content.decode()
    assert 'rel="icon"' in page and "favicon.svg" in page
    assert 'media="print"' in page and "print.css" in page


def test_a_case_with_two_proceedings_keeps_its_ids_unique(login, caseworker, case):
    LegalProceedingFactory(case=case)
    LegalProceedingFactory(case=case)
    response = login(caseworker).get(case.get_absolute_url())
    assert response.status_code == 200
    assert _duplicate_ids(response.content.decode()) == []
