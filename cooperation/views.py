from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access import agency_id_of, allowed, get_child_or_404, get_visible_or_404, record_form_read
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from audit.services import record_view
from cases.decorators import refuses_closed_case
from cases.models import Case, LegalProceeding
from cooperation import selectors, services
from cooperation.filters import (
    MLARequestFilter,
    ReferralFilter,
)
from cooperation.forms import (
    AcceptReferralForm,
    DeclineReferralForm,
    LinkSharedProceedingForm,
    MLAMoveForm,
    MLARequestForm,
    ReferralForm,
    ReferralUpdateForm,
)
from cooperation.models import (
    MLA_GRAPH,
    MLARequest,
    Referral,
    ReferralStatus,
    ReferralUpdate,
)
from cooperation.services import ReferralError
from listing import filter_queryset, paginate
from locking.views import save_or_stale
from partners.services import save_record
from policy import READS_CASES, WORKS_CASES
from widgets import form_errors
from workflow import TransitionError


def _get_referral(request: AuthenticatedHttpRequest, pk: int) -> Referral:
    """The referral if the user is a party to it (404 otherwise, audited)."""
    referrals = Referral.objects.select_related(
        "case", "case__person", "from_agency", "to_agency", "created_by"
    )
    return get_visible_or_404(Referral, request.user, queryset=referrals, pk=pk)


@allowed(READS_CASES)
def referral_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    filterset = filter_queryset(ReferralFilter, request, Referral.objects.visible_to(request.user))
    page = paginate(
        request, filterset, rows_by_id=lambda ids: Referral.objects.filter(pk__in=ids).for_list()
    )
    context = {"filter": filterset, "page": page, "today": timezone.localdate()}
    return render(request, "cooperation/referral_list.html", context)


@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def referral_create(request: AuthenticatedHttpRequest, case_pk: int) -> HttpResponse:
    case = get_visible_or_404(
        Case, request.user, queryset=Case.objects.select_related("person"), pk=case_pk
    )
    form = ReferralForm(request.POST or None, instance=Referral(case=case), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.send_referral(
                form.save(commit=False),
                actor=request.user,
                override_reason=form.cleaned_data.get("override_reason", ""),
            )
        except ReferralError as error:
            form.add_error("sections", str(error))
        else:
            messages.success(
                request,
                _("Referral sent.") if referral.to_agency_id else _("External referral recorded."),
            )
            return redirect(referral)
    context = {"form": form, "case": case, "consents": case.person.current_consents()}
    return render(request, "cooperation/referral_form.html", context)


@allowed(READS_CASES, on=Referral)
def referral_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    referral = _get_referral(request, pk)
    record_view(request.user, referral)
    return _render_referral(request, referral)


def _render_referral(
    request: AuthenticatedHttpRequest, referral: Referral, status: int = 200, **forms
) -> HttpResponse:
    user = request.user
    works = selectors.works_referral(user, referral)
    shared = selectors.shared_case(referral) if works else None
    if shared is not None and selectors.may_link_proceedings(user, referral):
        _link_forms(shared.legal, referral, user, forms.get("link_form"))
    context = {
        "referral": referral,
        "is_sender": selectors.is_sender(user, referral),
        "works": works,
        "shared": shared,
        "can_respond": selectors.can_respond(user, referral),
        "can_close": selectors.can_close(user, referral),
        "can_revoke": selectors.can_revoke(user, referral),
        "updates": referral.updates.select_related("author"),
        "transitions": referral.transitions.select_related("actor"),
        "accept_form": forms.get("accept_form")
        or AcceptReferralForm(agency_id=referral.to_agency_id),
        "decline_form": forms.get("decline_form") or DeclineReferralForm(),
        "update_form": forms.get("update_form") or ReferralUpdateForm(),
    }
    return render(request, "cooperation/referral_detail.html", context, status=status)


@require_POST
@allowed(WORKS_CASES, on=Referral)
@refuses_closed_case
def referral_link_proceeding(
    request: AuthenticatedHttpRequest, pk: int, proceeding_pk: int
) -> HttpResponse:
    """Link the receiver's own case to a proceeding of the referring agency: only on an
    accepted referral that shares the legal section (403 otherwise; 404 outside it)."""
    referral = _get_referral(request, pk)
    proceedings = LegalProceeding.objects.filter(
        cases=referral.case, agency_id=referral.from_agency_id
    )
    proceeding = get_child_or_404(proceedings, request.user, pk=proceeding_pk)
    if not selectors.may_link_proceedings(request.user, referral):
        raise PermissionDenied
    auto_id = f"id_link{proceeding.pk}_%s"
    form = LinkSharedProceedingForm(request.POST, user=request.user, auto_id=auto_id)
    form.slot = proceeding.pk
    if not form.is_valid():
        return _render_referral(request, referral, status=400, link_form=form)
    case = form.cleaned_data["case"]
    try:
        services.link_shared_proceeding(
            referral,
            proceeding,
            case,
            actor=request.user,
            person_role=form.cleaned_data["person_role"],
        )
    except TransitionError as error:
        messages.error(request, str(error))
        return redirect(referral)
    messages.success(request, _("Your case is linked to the proceeding."))
    return redirect(case)


def _link_forms(
    proceedings: list,
    referral: Referral,
    user: User,
    posted: LinkSharedProceedingForm | None,
) -> None:
    """A "link my case" form on each proceeding the referring agency owns (ids unique)."""
    for proceeding in proceedings:
        if proceeding.agency_id != referral.from_agency_id:
            continue
        if posted is not None and posted.slot == proceeding.pk:
            proceeding.link_form = posted
        else:
            auto_id = f"id_link{proceeding.pk}_%s"
            proceeding.link_form = LinkSharedProceedingForm(user=user, auto_id=auto_id)


def _referral_step(
    request: AuthenticatedHttpRequest, pk: int, party: Callable[..., bool]
) -> Referral:
    """A POST step on a referral: 404 outside its parties, 403 for the wrong side."""
    referral = _get_referral(request, pk)
    if not party(request.user, referral):
        raise PermissionDenied
    return referral


@require_POST
@allowed(WORKS_CASES, on=Referral)
@refuses_closed_case
def referral_accept(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    referral = _referral_step(request, pk, selectors.may_respond)
    form = AcceptReferralForm(request.POST, agency_id=referral.to_agency_id)
    if not form.is_valid():
        return _render_referral(request, referral, status=400, accept_form=form)
    return _respond(
        request,
        referral,
        accept=True,
        assignees=form.cleaned_data["assignees"],
        note=form.cleaned_data["note"],
    )


@require_POST
@allowed(WORKS_CASES, on=Referral)
def referral_decline(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    referral = _referral_step(request, pk, selectors.may_respond)
    form = DeclineReferralForm(request.POST)
    if not form.is_valid():
        return _render_referral(request, referral, status=400, decline_form=form)
    return _respond(
        request,
        referral,
        accept=False,
        reason=form.cleaned_data["reason"],
        note=form.cleaned_data["note"],
    )


def _respond(request: AuthenticatedHttpRequest, referral: Referral, **response) -> HttpResponse:
    try:
        services.respond_to_referral(referral, actor=request.user, **response)
    except ReferralError as error:
        messages.error(request, str(error))
        return redirect("cooperation:referral_list")
    messages.success(
        request, _("Referral accepted.") if response["accept"] else _("Referral declined.")
    )
    return redirect(referral)


@require_POST
@allowed(WORKS_CASES, on=Referral)
def referral_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    referral = _referral_step(request, pk, selectors.can_close)
    return _end(request, referral, services.close_referral, _("Referral closed."))


@require_POST
@allowed(WORKS_CASES, on=Referral)
def referral_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    referral = _referral_step(request, pk, selectors.can_revoke)
    return _end(
        request,
        referral,
        services.revoke_referral,
        _("Referral revoked: the receiving agency no longer has access."),
    )


def _end(
    request: AuthenticatedHttpRequest, referral: Referral, step: Callable[..., Referral], done: str
) -> HttpResponse:
    try:
        step(referral, actor=request.user)
    except ReferralError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    if referral.status == ReferralStatus.REVOKED or not selectors.is_sender(request.user, referral):
        return redirect("cooperation:referral_list")
    return redirect(referral)


@require_POST
@allowed(WORKS_CASES, on=Referral)
@refuses_closed_case
def referral_update_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    referral = _referral_step(request, pk, selectors.works_referral)
    form = ReferralUpdateForm(request.POST, instance=ReferralUpdate(referral=referral))
    if not form.is_valid():
        return _render_referral(request, referral, status=400, update_form=form)
    try:
        services.add_referral_update(form.save(commit=False), actor=request.user)
    except ReferralError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Update recorded."))
    return redirect(referral)


@allowed(READS_CASES)
def mla_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    requests = MLARequest.objects.visible_to(request.user).select_related("case")
    filterset = filter_queryset(MLARequestFilter, request, requests)
    page = paginate(
        request,
        filterset,
        rows_by_id=lambda ids: MLARequest.objects.filter(pk__in=ids).select_related("case"),
    )
    context = {"filter": filterset, "page": page, "today": timezone.localdate()}
    return render(request, "cooperation/mlarequest_list.html", context)


def _get_mla(request: AuthenticatedHttpRequest, pk: int) -> MLARequest:
    requests = MLARequest.objects.select_related("case", "proceeding", "updated_by")
    return get_visible_or_404(MLARequest, request.user, queryset=requests, pk=pk)


@allowed(READS_CASES, on=MLARequest)
def mla_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    mla = _get_mla(request, pk)
    record_view(request.user, mla)
    labels = dict(MLARequest.Status.choices)
    context = {
        "mla": mla,
        "today": timezone.localdate(),
        "moves": [(state, labels[state]) for state in MLA_GRAPH.next_states(mla.status)],
        "transitions": mla.transitions.select_related("actor"),
    }
    return render(request, "cooperation/mlarequest_detail.html", context)


@require_POST
@allowed(WORKS_CASES, on=MLARequest)
def mla_transition(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    mla = _get_mla(request, pk)
    form = MLAMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(mla)
    try:
        services.transition_mla(
            mla, form.cleaned_data["to_status"], actor=request.user, note=form.cleaned_data["note"]
        )
    except TransitionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Status updated."))
    return redirect(mla)


@allowed(WORKS_CASES)
def mla_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _mla_form(request, MLARequest(agency_id=agency_id_of(request.user)))


@allowed(WORKS_CASES, on=MLARequest)
def mla_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    mla = _get_mla(request, pk)
    record_form_read(request, mla)
    return _mla_form(request, mla)


def _mla_form(request: AuthenticatedHttpRequest, mla: MLARequest) -> HttpResponse:
    """Create or edit an MLA request with optimistic locking."""
    data = request.POST if request.method == "POST" else None
    form = MLARequestForm(data, instance=mla, user=request.user)
    if save_or_stale(request, form, save_record, save_m2m=lambda: form.save_m2m()):
        return redirect(mla)
    return render(request, "cooperation/mlarequest_form.html", {"form": form, "record": mla})
