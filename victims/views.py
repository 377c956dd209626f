from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access import allowed, get_child_or_404, get_visible_or_404
from accounts.http import AuthenticatedHttpRequest
from audit.services import record_view
from cases.decorators import refuses_closed_case
from cases.forms import CaseForm, ReasonForm
from cases.models import Attachment, Case
from cases.services import ArchiveError, create_case, restore_attachment, restore_case
from crypto.files import decrypt_blob
from listing import COUNT_CAP, filter_queryset, paginate
from locking.views import save_or_stale
from policy import READS_CASES, SEES_IDENTITY, SUPERVISES, WORKS_CASES, can
from victims import selectors, services
from victims.filters import PersonFilter
from victims.forms import (
    ConsentForm,
    DecisionForm,
    PersonForm,
    PhotoForm,
    ReviewOutcomeForm,
    ReviewRequestForm,
    ScreeningAnswersForm,
    ScreeningCompleteForm,
    ScreeningStartForm,
)
from victims.models import (
    ConsentRecord,
    IdentificationDecision,
    Person,
    PersonPhoto,
    Screening,
)
from widgets import form_errors
from workflow import TransitionError


def _person_for(request: AuthenticatedHttpRequest, pk: int) -> Person:
    return get_visible_or_404(Person, request.user, pk=pk)


def _case_for(request: AuthenticatedHttpRequest, pk: int) -> Case:
    return get_visible_or_404(Case, request.user, pk=pk)


def _after_intake(person: Person) -> str:
    return reverse("victims:case_create", args=[person.pk])


# --- Person -----------------------------------------------------------------


@allowed(WORKS_CASES, on=Person)
def case_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Open a case for a person the user may see (a case always belongs to a person)."""
    person = _person_for(request, pk)
    form = CaseForm(request.POST or None, instance=Case(person=person))
    if request.method == "POST" and form.is_valid():
        case = create_case(
            form.save(commit=False),
            actor=request.user,
            exploitations=form.exploitation_rows(),
        )
        messages.success(request, _("Case %(reference)s opened.") % {"reference": case})
        return redirect(case)
    heading = _("New case for %(person)s") % {"person": person}
    return render(request, "cases/case_form.html", {"form": form, "heading": heading})


@allowed(READS_CASES)
def person_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    # Newest first, as the case list: people come in over time, so the filters used most
    # (a recent intake) find theirs at the top instead of along the random codes' order
    # (2 s at a million people for the 40th page of this year's intakes; issue 12).
    people = Person.objects.visible_to(request.user).order_by("-pk")
    # The list shows at most COUNT_CAP people and reads one more to say "more than".
    filterset = filter_queryset(PersonFilter, request, people, listed_rows=COUNT_CAP + 1)
    page = paginate(request, filterset, rows_by_id=lambda ids: Person.objects.filter(pk__in=ids))
    return render(request, "victims/person_list.html", {"filter": filterset, "page": page})


@allowed(WORKS_CASES)
def person_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = PersonForm(request.POST or None)
    matches = []
    if request.method == "POST" and form.is_valid():
        person = form.save(commit=False)
        matches = selectors.possible_duplicates(request.user, selectors.person_digests(person))
        if not matches or form.cleaned_data["save_anyway"]:
            services.register_person(person, actor=request.user)
            messages.success(request, _("Person registered as %(code)s.") % {"code": person.code})
            return redirect(_after_intake(person))
    return render(request, "victims/person_form.html", {"form": form, "matches": matches})


@allowed(READS_CASES, on=Person)
def person_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = _person_for(request, pk)
    record_view(request.user, person)
    return render(request, "victims/person_detail.html", _detail_context(request, person))


@require_POST
@allowed(SEES_IDENTITY, on=Person)
def person_reveal(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = _person_for(request, pk)
    services.record_reveal(person, actor=request.user)
    context = _detail_context(request, person) | {"revealed": True}
    return render(request, "victims/person_detail.html", context)


def _detail_context(request: AuthenticatedHttpRequest, person: Person) -> dict:
    return {
        "person": person,
        "cases": Case.objects.visible_to(request.user).filter(person=person),
        "can_reveal": can(request.user, SEES_IDENTITY),
        "has_photo": PersonPhoto.objects.filter(person=person).exists(),
        "photo_form": PhotoForm(),
        "new_case_url": _after_intake(person),
    }


@allowed(WORKS_CASES, on=Person)
def person_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = _person_for(request, pk)
    if request.method != "POST":
        services.record_reveal(person, actor=request.user)
    digests_before = set(selectors.person_digests(person))
    form = PersonForm(request.POST or None, instance=person)
    matches = []
    if form.is_valid():
        # Identifying values that changed are checked again, against other people.
        changed = [d for d in selectors.person_digests(person) if d not in digests_before]
        matches = selectors.possible_duplicates(request.user, changed, exclude=person)
    if (not matches or form.cleaned_data["save_anyway"]) and save_or_stale(
        request, form, services.update_person, saved=_("Changes saved.")
    ):
        return redirect(person)
    return render(
        request, "victims/person_form.html", {"form": form, "person": person, "matches": matches}
    )


@require_POST
@allowed(WORKS_CASES, on=Person)
def person_photo_upload(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = _person_for(request, pk)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        services.set_person_photo(person, form.cleaned_data["photo"], actor=request.user)
        messages.success(request, _("Photo saved."))
        return redirect(person)
    services.record_reveal(person, actor=request.user)
    context = _detail_context(request, person) | {"revealed": True, "photo_form": form}
    return render(request, "victims/person_detail.html", context, status=400)


@require_POST
@allowed(WORKS_CASES, on=Person)
def person_photo_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = _person_for(request, pk)
    services.remove_person_photo(person, actor=request.user)
    messages.success(request, _("Photo removed."))
    return redirect(person)


@allowed(SEES_IDENTITY, on=Person)
def person_photo(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The decrypted photo, for roles that may see identity; every view is audited."""
    person = _person_for(request, pk)
    photo = get_object_or_404(PersonPhoto, person=person)
    record_view(request.user, photo)
    response = HttpResponse(
        decrypt_blob(photo.ciphertext, photo.wrapped_key), content_type="image/jpeg"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


# --- Consent ----------------------------------------------------------------


@allowed(READS_CASES, on=Person)
def consent_list(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = _person_for(request, pk)
    record_view(request.user, person)
    return _consent_page(request, person, ConsentForm())


@require_POST
@allowed(WORKS_CASES, on=Person)
def consent_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = _person_for(request, pk)
    form = ConsentForm(request.POST, instance=ConsentRecord(person=person))
    if not form.is_valid():
        return _consent_page(request, person, form)
    services.record_consent(form.save(commit=False), actor=request.user)
    messages.success(request, _("Consent recorded."))
    return redirect("victims:consent_list", pk=person.pk)


def _consent_page(
    request: AuthenticatedHttpRequest, person: Person, form: ConsentForm
) -> HttpResponse:
    context = {
        "person": person,
        "form": form,
        "current": person.current_consents(),
        "records": person.consents.select_related("target_agency", "recorded_by"),
    }
    return render(request, "victims/consentrecord_list.html", context)


# --- Case panel, screening, decisions -------------------------------------


@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def screening_start(request: AuthenticatedHttpRequest, case_pk: int) -> HttpResponse:
    case = _case_for(request, case_pk)
    form = ScreeningStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        screening = services.start_screening(
            case, indicator_set=form.cleaned_data["indicator_set"], actor=request.user
        )
        return redirect(screening)
    return render(request, "victims/screening_form.html", {"form": form, "case": case})


def _screening_for(request: AuthenticatedHttpRequest, pk: int) -> Screening:
    screenings = Screening.objects.select_related("case", "indicator_set")
    return get_visible_or_404(Screening, request.user, queryset=screenings, pk=pk)


@allowed(READS_CASES, on=Screening)
def screening_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    screening = _screening_for(request, pk)
    record_view(request.user, screening)
    return _screening_page(request, screening, ScreeningAnswersForm(screening=screening))


@require_POST
@allowed(WORKS_CASES, on=Screening)
@refuses_closed_case
def screening_answer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    screening = _screening_for(request, pk)
    form = ScreeningAnswersForm(request.POST, screening=screening)
    if screening.status != Screening.Status.IN_PROGRESS or not form.is_valid():
        return _screening_page(request, screening, form, status=400)
    services.save_screening_answers(screening, answers=form.answers(), actor=request.user)
    messages.success(request, _("Answers saved."))
    return redirect(screening)


@require_POST
@allowed(WORKS_CASES, on=Screening)
@refuses_closed_case
def screening_complete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    screening = _screening_for(request, pk)
    form = ScreeningCompleteForm(request.POST)
    # The page posts the answers on it with the decision: completing saves them too.
    posted_answers = any(name.startswith("answer_") for name in request.POST)
    answers = ScreeningAnswersForm(request.POST if posted_answers else None, screening=screening)
    answers_ok = not posted_answers or answers.is_valid()
    if screening.status != Screening.Status.IN_PROGRESS or not (form.is_valid() and answers_ok):
        return _screening_page(request, screening, answers, complete_form=form, status=400)
    services.complete_screening(
        screening,
        actor=request.user,
        answers=answers.answers() if posted_answers else None,
        **form.cleaned_data,
    )
    messages.success(request, _("Screening completed."))
    return redirect(screening.case)


def _screening_page(request, screening, form, complete_form=None, status=200) -> HttpResponse:
    context = {
        "screening": screening,
        "form": form,
        "complete_form": complete_form or ScreeningCompleteForm(),
        "suggestion": selectors.screening_suggestion(screening),
    }
    return render(request, "victims/screening_detail.html", context, status=status)


@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def decision_create(request: AuthenticatedHttpRequest, case_pk: int) -> HttpResponse:
    case = _case_for(request, case_pk)
    form = DecisionForm(request.POST or None, instance=IdentificationDecision(case=case))
    if request.method == "POST" and form.is_valid():
        try:
            decision = services.record_identification_decision(
                form.save(commit=False), actor=request.user
            )
        except TransitionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Identification decision recorded."))
            return redirect(decision)
    return render(request, "victims/identificationdecision_form.html", {"form": form, "case": case})


def _decision_for(request: AuthenticatedHttpRequest, pk: int) -> IdentificationDecision:
    decisions = IdentificationDecision.objects.select_related("case")
    return get_visible_or_404(IdentificationDecision, request.user, queryset=decisions, pk=pk)


@allowed(READS_CASES, on=IdentificationDecision)
def decision_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    decision = _decision_for(request, pk)
    record_view(request.user, decision)
    return render(
        request, "victims/identificationdecision_detail.html", _decision_context(decision)
    )


def _decision_context(decision, review_form=None, outcome_form=None) -> dict:
    return {
        "decision": decision,
        "review_form": review_form or ReviewRequestForm(),
        "outcome_form": outcome_form or ReviewOutcomeForm(),
    }


@require_POST
@allowed(WORKS_CASES, on=IdentificationDecision)
@refuses_closed_case
def decision_review_request(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    decision = _decision_for(request, pk)
    form = ReviewRequestForm(request.POST)
    if form.is_valid():
        try:
            services.request_review(
                decision, requested_on=form.cleaned_data["requested_on"], actor=request.user
            )
        except TransitionError as error:
            messages.error(request, str(error))
        return redirect(decision)
    return render(
        request,
        "victims/identificationdecision_detail.html",
        _decision_context(decision, review_form=form),
        status=400,
    )


@require_POST
@allowed(WORKS_CASES, on=IdentificationDecision)
@refuses_closed_case
def decision_review_outcome(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    decision = _decision_for(request, pk)
    form = ReviewOutcomeForm(request.POST)
    if form.is_valid():
        try:
            services.record_review_outcome(decision, actor=request.user, **form.cleaned_data)
        except TransitionError as error:
            messages.error(request, str(error))
        return redirect(decision)
    return render(
        request,
        "victims/identificationdecision_detail.html",
        _decision_context(decision, outcome_form=form),
        status=400,
    )


# --- Protection services ----------------------------------------------------


# --- Archive ("Delete") and restore -------------------------------------------


def _archive_step(request: AuthenticatedHttpRequest, step: Callable[..., object], record) -> bool:
    """Run an archive or restore service with the posted reason; report the outcome."""
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise ArchiveError(form_errors(form))
        step(record, actor=request.user, reason=form.cleaned_data["reason"])
    except ArchiveError as error:
        messages.error(request, str(error))
        return False
    return True


@require_POST
@allowed(WORKS_CASES, on=Person)
def person_archive(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Delete a person: they and their cases are archived; a supervisor can restore."""
    person = _person_for(request, pk)
    if not _archive_step(request, services.archive_person, person):
        return redirect(person)
    messages.success(request, _("%(code)s deleted (archived).") % {"code": person.code})
    return redirect("victims:person_list")


@require_POST
@allowed(SUPERVISES, on=Person)
def person_restore(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Restore an archived person of the supervisor's agency (from the archive list)."""
    person = get_child_or_404(Person.objects.archived_for(request.user), request.user, pk=pk)
    if not _archive_step(request, services.restore_person, person):
        return redirect("victims:archive_list")
    messages.success(request, _("%(code)s restored.") % {"code": person.code})
    return redirect(person)


@require_POST
@allowed(SUPERVISES, on=Case)
def case_restore(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Restore an archived case of the supervisor's agency (from the archive list)."""
    case = get_child_or_404(Case.objects.archived_for(request.user), request.user, pk=pk)
    if not _archive_step(request, restore_case, case):
        return redirect("victims:archive_list")
    messages.success(request, _("Case %(reference)s restored.") % {"reference": case})
    return redirect(case)


@require_POST
@allowed(SUPERVISES, on=Attachment)
def attachment_restore(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Restore an archived attachment of the supervisor's agency (from the archive list)."""
    archived = Attachment.objects.archived_for(request.user).select_related("case")
    attachment = get_child_or_404(archived, request.user, pk=pk)
    if not _archive_step(request, restore_attachment, attachment):
        return redirect("victims:archive_list")
    messages.success(request, _("Attachment restored."))
    return redirect(attachment.case)


# The archive list's tabs: each kind's archived records of the supervisor's agency.
ARCHIVED: dict[str, Callable[[AuthenticatedHttpRequest], QuerySet]] = {
    "cases": lambda request: Case.objects.archived_for(request.user).select_related(
        "person", "archived_by"
    ),
    "people": lambda request: Person.objects.archived_for(request.user).select_related(
        "archived_by"
    ),
    "attachments": lambda request: Attachment.objects.archived_for(request.user).select_related(
        "case", "archived_by"
    ),
}


@allowed(SUPERVISES)
def archive_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Archived cases, people and attachments of the agency: the one place they appear."""
    kind = request.GET.get("kind", "cases")
    if kind not in ARCHIVED:
        raise BadRequest("Invalid filter: kind")
    page = paginate(request, ARCHIVED[kind](request).order_by("-archived_at", "-pk"))
    context = {"page": page, "kind": kind, "kinds": list(ARCHIVED)}
    return render(request, "victims/archive_list.html", context)
