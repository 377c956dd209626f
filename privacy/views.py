from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from access import allowed, get_visible_or_404
from accounts.http import AuthenticatedHttpRequest
from audit.services import record_view
from listing import paginate
from policy import APPROVES_ERASURE, PRODUCES_SUBJECT_ACCESS, REQUESTS_ERASURE
from privacy import services
from privacy.forms import ErasureDecisionForm, ErasureRequestForm, PassphraseForm
from privacy.models import ErasureRequest
from privacy.subject_access import build_package
from victims.models import Person
from workflow import TransitionError


@allowed(REQUESTS_ERASURE, on=Person)
def person_erasure_request(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = get_visible_or_404(Person, request.user, pk=pk)
    form = ErasureRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_erasure(person, actor=request.user, reason=form.cleaned_data["reason"])
        except TransitionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Erasure requested: a supervisor will decide."))
        return redirect(person)
    return render(request, "privacy/erasure_request_form.html", {"person": person, "form": form})


@allowed(APPROVES_ERASURE)
def erasure_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    pending = (
        ErasureRequest.objects.visible_to(request.user)
        .pending()
        .select_related("person", "requested_by")
    )
    page = paginate(request, pending.order_by("requested_at", "pk"))
    return render(request, "privacy/erasure_list.html", {"page": page})


@allowed(APPROVES_ERASURE, on=ErasureRequest)
def erasure_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    erasure = get_visible_or_404(
        ErasureRequest, request.user, queryset=ErasureRequest.objects.pending(), pk=pk
    )
    form = ErasureDecisionForm(request.POST or None)
    if request.method != "POST":
        record_view(request.user, erasure)
    elif form.is_valid():
        return _decide(request, erasure, form)
    context = {"erasure": erasure, "form": form}
    return render(request, "privacy/erasure_decide.html", context)


def _decide(
    request: AuthenticatedHttpRequest, erasure: ErasureRequest, form: ErasureDecisionForm
) -> HttpResponse:
    note = form.cleaned_data["note"]
    try:
        if form.cleaned_data["decision"] == ErasureDecisionForm.Decision.APPROVE:
            services.approve_erasure(erasure, actor=request.user, note=note)
            messages.success(request, _("The person and all their cases have been erased."))
        else:
            services.refuse_erasure(erasure, actor=request.user, note=note)
            messages.success(request, _("Erasure refused."))
    except TransitionError as error:
        messages.error(request, str(error))
    return redirect("privacy:erasure_list")


@never_cache
@allowed(PRODUCES_SUBJECT_ACCESS, on=Person)
def person_subject_access(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = get_visible_or_404(Person, request.user, pk=pk)
    form = PassphraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        package = build_package(
            person, actor=request.user, passphrase=form.cleaned_data["passphrase"]
        )
        response = HttpResponse(package, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{person.code}-data.zip"'
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "privacy/subject_access_form.html", {"person": person, "form": form})
