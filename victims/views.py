from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role, User
from accounts.permissions import role_required
from audit.services import record_view
from cases.models import Case
from cases.services import TransitionError
from listing import filter_queryset, paginate
from locking import StaleEditError
from victims import selectors, services
from victims.crypto import decrypt_bytes
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
    ServiceForm,
)
from victims.models import (
    ConsentRecord,
    IdentificationDecision,
    Person,
    PersonPhoto,
    Screening,
    ServiceItem,
)

# Who may unmask identifying fields (names, documents, shelter location): the
# caseworker assigned to the case and the supervisor. Agency admins manage staff.
IDENTITY_ROLES = (Role.CASEWORKER, Role.SUPERVISOR)


def sees_identity(user: User) -> bool:
    return user.role in IDENTITY_ROLES


def _person_for(request: HttpRequest, pk: int) -> Person:
    return get_object_or_404(Person.objects.visible_to(request.user), pk=pk)


def _case_for(request: HttpRequest, pk: int) -> Case:
    return get_object_or_404(Case.objects.visible_to(request.user).select_related("person"), pk=pk)


def _require_identity_role(request: HttpRequest) -> None:
    if not sees_identity(request.user):
        raise PermissionDenied


def _after_intake(person: Person) -> str:
    return reverse("cases:create") + f"?person={person.pk}"


# --- Person -----------------------------------------------------------------


def person_list(request: HttpRequest) -> HttpResponse:
    people = Person.objects.visible_to(request.user)
    filterset = filter_queryset(PersonFilter, request, people)
    page = paginate(request, filterset.qs)
    return render(request, "victims/person_list.html", {"filter": filterset, "page": page})


@role_required(*IDENTITY_ROLES)
def person_create(request: HttpRequest) -> HttpResponse:
    form = PersonForm(request.POST or None)
    matches = []
    if request.method == "POST" and form.is_valid():
        person = form.save(commit=False)
        matches = selectors.possible_duplicates(request.user, selectors.person_digests(person))
        if not matches or form.cleaned_data["save_anyway"]:
            services.register_person(person, actor=request.user, request=request)
            messages.success(request, _("Person registered as %(code)s.") % {"code": person.code})
            return redirect(_after_intake(person))
    return render(request, "victims/person_form.html", {"form": form, "matches": matches})


def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_for(request, pk)
    record_view(request, person)
    return render(request, "victims/person_detail.html", _detail_context(request, person))


@require_POST
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_for(request, pk)
    _require_identity_role(request)
    services.record_reveal(person, actor=request.user, request=request)
    context = _detail_context(request, person) | {"revealed": True}
    return render(request, "victims/person_detail.html", context)


def _detail_context(request: HttpRequest, person: Person) -> dict:
    return {
        "person": person,
        "cases": Case.objects.visible_to(request.user).filter(person=person),
        "can_reveal": sees_identity(request.user),
        "has_photo": PersonPhoto.objects.filter(person=person).exists(),
        "photo_form": PhotoForm(),
        "new_case_url": _after_intake(person),
    }


def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_for(request, pk)
    _require_identity_role(request)
    if request.method != "POST":
        services.record_reveal(person, actor=request.user, request=request)
    digests_before = set(selectors.person_digests(person))
    form = PersonForm(request.POST or None, instance=person, initial={"version": person.version})
    matches = []
    if request.method == "POST" and form.is_valid():
        # Identifying values that changed are checked again, against other people.
        changed = [d for d in selectors.person_digests(person) if d not in digests_before]
        matches = selectors.possible_duplicates(request.user, changed, exclude=person)
        if not matches or form.cleaned_data["save_anyway"]:
            try:
                services.update_person(
                    form.save(commit=False),
                    actor=request.user,
                    expected_version=form.cleaned_data["version"] or 0,
                    request=request,
                )
            except StaleEditError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Changes saved."))
                return redirect(person)
    return render(
        request, "victims/person_form.html", {"form": form, "person": person, "matches": matches}
    )


@require_POST
def person_photo_upload(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_for(request, pk)
    _require_identity_role(request)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        services.set_person_photo(
            person, form.cleaned_data["photo"], actor=request.user, request=request
        )
        messages.success(request, _("Photo saved."))
        return redirect(person)
    services.record_reveal(person, actor=request.user, request=request)
    context = _detail_context(request, person) | {"revealed": True, "photo_form": form}
    return render(request, "victims/person_detail.html", context, status=400)


@require_POST
def person_photo_remove(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_for(request, pk)
    _require_identity_role(request)
    services.remove_person_photo(person, actor=request.user, request=request)
    messages.success(request, _("Photo removed."))
    return redirect(person)


def person_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """The decrypted photo, for roles that may see identity; every view is audited."""
    person = _person_for(request, pk)
    _require_identity_role(request)
    photo = get_object_or_404(PersonPhoto, person=person)
    record_view(request, photo)
    response = HttpResponse(decrypt_bytes(photo.ciphertext), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


# --- Consent ----------------------------------------------------------------


def consent_list(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_for(request, pk)
    record_view(request, person)
    return _consent_page(request, person, ConsentForm())


@require_POST
def consent_create(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_for(request, pk)
    form = ConsentForm(request.POST, instance=ConsentRecord(person=person))
    if not form.is_valid():
        return _consent_page(request, person, form)
    services.record_consent(form.save(commit=False), actor=request.user)
    messages.success(request, _("Consent recorded."))
    return redirect("victims:consent_list", pk=person.pk)


def _consent_page(request: HttpRequest, person: Person, form: ConsentForm) -> HttpResponse:
    context = {
        "person": person,
        "form": form,
        "current": person.current_consents(),
        "records": person.consents.select_related("target_agency", "recorded_by"),
    }
    return render(request, "victims/consentrecord_list.html", context)


# --- Case panel, screening, decisions -------------------------------------


def screening_start(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = _case_for(request, case_pk)
    form = ScreeningStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        screening = services.start_screening(
            case, indicator_set=form.cleaned_data["indicator_set"], actor=request.user
        )
        return redirect(screening)
    return render(request, "victims/screening_form.html", {"form": form, "case": case})


def _screening_for(request: HttpRequest, pk: int) -> Screening:
    screenings = Screening.objects.visible_to(request.user).select_related("case", "indicator_set")
    return get_object_or_404(screenings, pk=pk)


def screening_detail(request: HttpRequest, pk: int) -> HttpResponse:
    screening = _screening_for(request, pk)
    record_view(request, screening)
    return _screening_page(request, screening, ScreeningAnswersForm(screening=screening))


@require_POST
def screening_answer(request: HttpRequest, pk: int) -> HttpResponse:
    screening = _screening_for(request, pk)
    form = ScreeningAnswersForm(request.POST, screening=screening)
    if screening.status != Screening.Status.IN_PROGRESS or not form.is_valid():
        return _screening_page(request, screening, form, status=400)
    services.save_screening_answers(screening, answers=form.answers(), actor=request.user)
    messages.success(request, _("Answers saved."))
    return redirect(screening)


@require_POST
def screening_complete(request: HttpRequest, pk: int) -> HttpResponse:
    screening = _screening_for(request, pk)
    form = ScreeningCompleteForm(request.POST)
    if screening.status != Screening.Status.IN_PROGRESS or not form.is_valid():
        answers = ScreeningAnswersForm(screening=screening)
        return _screening_page(request, screening, answers, complete_form=form, status=400)
    services.complete_screening(screening, actor=request.user, **form.cleaned_data)
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


def decision_create(request: HttpRequest, case_pk: int) -> HttpResponse:
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


def _decision_for(request: HttpRequest, pk: int) -> IdentificationDecision:
    decisions = IdentificationDecision.objects.visible_to(request.user).select_related("case")
    return get_object_or_404(decisions, pk=pk)


def decision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    decision = _decision_for(request, pk)
    record_view(request, decision)
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
def decision_review_request(request: HttpRequest, pk: int) -> HttpResponse:
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
def decision_review_outcome(request: HttpRequest, pk: int) -> HttpResponse:
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


def service_create(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = _case_for(request, case_pk)
    return _service_form(request, ServiceItem(case=case))


def service_edit(request: HttpRequest, pk: int) -> HttpResponse:
    services_qs = ServiceItem.objects.visible_to(request.user).select_related("case")
    return _service_form(request, get_object_or_404(services_qs, pk=pk))


def _service_form(request: HttpRequest, service: ServiceItem) -> HttpResponse:
    sees = sees_identity(request.user)
    form = ServiceForm(request.POST or None, instance=service, sees_sensitive=sees)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_service(form.save(commit=False), actor=request.user)
        except TransitionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Service saved."))
            return redirect(service.case)
    context = {"form": form, "service": service, "case": service.case}
    return render(request, "victims/serviceitem_form.html", context)
