from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.forms import ModelForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.permissions import platform_admins_only, role_required
from audit.models import AuditEvent
from audit.services import record_event, record_view
from cases.models import Case
from listing import filter_queryset, paginate
from locking import StaleEditError
from partners import selectors, services
from partners.filters import (
    ActivityFilter,
    AgencyFilter,
    AgreementFilter,
    MLARequestFilter,
    ReferralFilter,
)
from partners.forms import (
    AcceptReferralForm,
    AgencyForm,
    AgreementForm,
    ContactFormSet,
    DeclineReferralForm,
    MLARequestForm,
    PreventionActivityForm,
    ReferralForm,
    ReferralUpdateForm,
)
from partners.models import (
    Agency,
    Agreement,
    MLARequest,
    PreventionActivity,
    Referral,
    ReferralStatus,
    ReferralUpdate,
)
from partners.services import ReferralError
from victims.selectors import current_consents

WORKERS = (Role.CASEWORKER, Role.SUPERVISOR)
AGENCY_PAGE_LIMIT = 20
agency_staff_only = role_required(Role.CASEWORKER, Role.SUPERVISOR, Role.AGENCY_ADMIN)
agency_staff_only_or_platform = role_required(
    Role.CASEWORKER, Role.SUPERVISOR, Role.AGENCY_ADMIN, Role.PLATFORM_ADMIN
)


def agency_list(request: HttpRequest) -> HttpResponse:
    filterset = filter_queryset(AgencyFilter, request, Agency.objects.visible_to(request.user))
    page = paginate(request, filterset.qs)
    return render(request, "partners/agency_list.html", {"filter": filterset, "page": page})


def agency_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agency = get_object_or_404(Agency.objects.visible_to(request.user), pk=pk)
    referrals = Referral.objects.visible_to(request.user).open().for_list()
    context = {
        "agency": agency,
        "contacts": agency.contacts.all(),
        "agreements": agency.agreements.order_by("expires_on", "pk"),
        "referrals_in": referrals.received_by(agency)[:AGENCY_PAGE_LIMIT],
        "referrals_out": referrals.sent_by(agency)[:AGENCY_PAGE_LIMIT],
        "activities": PreventionActivity.objects.visible_to(request.user)
        .for_agency(agency)
        .order_by("-start_date", "-pk")[:AGENCY_PAGE_LIMIT],
    }
    return render(request, "partners/agency_detail.html", context)


@platform_admins_only
def agency_create(request: HttpRequest) -> HttpResponse:
    return _agency_form(request, Agency())


@platform_admins_only
def agency_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agency = get_object_or_404(Agency.objects.manageable_by(request.user), pk=pk)
    return _agency_form(request, agency)


def _agency_form(request: HttpRequest, agency: Agency) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = AgencyForm(data, instance=agency, initial={"version": agency.version})
    contacts = ContactFormSet(data, instance=agency, prefix="contacts")
    if data is not None and form.is_valid() and contacts.is_valid():
        try:
            services.save_agency(
                form.save(commit=False),
                actor=request.user,
                contacts=contacts,
                expected_version=form.cleaned_data["version"],
                request=request,
            )
        except StaleEditError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Agency saved."))
            return redirect(agency)
    return render(
        request, "partners/agency_form.html", {"form": form, "contacts": contacts, "agency": agency}
    )


@require_POST
@platform_admins_only
def agency_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    agency = get_object_or_404(Agency.objects.manageable_by(request.user), pk=pk)
    active = request.POST.get("active") == "1"
    services.set_agency_active(agency, actor=request.user, active=active, request=request)
    messages.success(request, _("Agency reactivated.") if active else _("Agency deactivated."))
    return redirect(agency)


# --- referrals -------------------------------------------------------------------------


def _out_of_scope(request: HttpRequest, object_type: str, pk: int) -> Http404:
    record_event(
        actor=request.user,
        action=AuditEvent.Action.OUT_OF_SCOPE,
        object_type=object_type,
        object_id=str(pk),
        request=request,
    )
    return Http404()


def _get_referral(request: HttpRequest, pk: int) -> Referral:
    """The referral if the user is a party to it (404 otherwise, audited)."""
    referral = (
        Referral.objects.visible_to(request.user)
        .select_related("case", "case__person", "from_agency", "to_agency", "created_by")
        .filter(pk=pk)
        .first()
    )
    if referral is None:
        raise _out_of_scope(request, "partners.referral", pk)
    return referral


@agency_staff_only
def referral_list(request: HttpRequest) -> HttpResponse:
    referrals = Referral.objects.visible_to(request.user).for_list()
    filterset = filter_queryset(ReferralFilter, request, referrals)
    page = paginate(request, filterset.qs)
    context = {"filter": filterset, "page": page, "today": timezone.localdate()}
    return render(request, "partners/referral_list.html", context)


@role_required(*WORKERS)
def referral_create(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = Case.objects.visible_to(request.user).select_related("person").filter(pk=case_pk).first()
    if case is None:
        raise _out_of_scope(request, "cases.case", case_pk)
    form = ReferralForm(request.POST or None, instance=Referral(case=case), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.send_referral(
                form.save(commit=False),
                actor=request.user,
                override_reason=form.cleaned_data.get("override_reason", ""),
                request=request,
            )
        except ReferralError as error:
            form.add_error("sections", str(error))
        else:
            messages.success(
                request,
                _("Referral sent.") if referral.to_agency_id else _("External referral recorded."),
            )
            return redirect(referral)
    context = {"form": form, "case": case, "consents": current_consents(case.person)}
    return render(request, "partners/referral_form.html", context)


def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _get_referral(request, pk)
    record_view(request, referral)
    return _render_referral(request, referral)


def _render_referral(
    request: HttpRequest, referral: Referral, status: int = 200, **forms
) -> HttpResponse:
    user = request.user
    works = selectors.works_referral(user, referral)
    context = {
        "referral": referral,
        "is_sender": selectors.is_sender(user, referral),
        "works": works,
        "shared": selectors.shared_case(referral) if works else None,
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
    return render(request, "partners/referral_detail.html", context, status=status)


def _referral_step(request: HttpRequest, pk: int, allowed: Callable[..., bool]) -> Referral:
    """A POST step on a referral: 404 outside its parties, 403 without the right."""
    referral = _get_referral(request, pk)
    if not allowed(request.user, referral):
        raise PermissionDenied
    return referral


@require_POST
def referral_accept(request: HttpRequest, pk: int) -> HttpResponse:
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
def referral_decline(request: HttpRequest, pk: int) -> HttpResponse:
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


def _respond(request: HttpRequest, referral: Referral, **response) -> HttpResponse:
    try:
        services.respond_to_referral(referral, actor=request.user, **response)
    except ReferralError as error:
        messages.error(request, str(error))
        return redirect("partners:referral_list")
    messages.success(
        request, _("Referral accepted.") if response["accept"] else _("Referral declined.")
    )
    return redirect(referral)


@require_POST
def referral_close(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _referral_step(request, pk, selectors.can_close)
    return _end(request, referral, services.close_referral, _("Referral closed."))


@require_POST
def referral_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _referral_step(request, pk, selectors.can_revoke)
    return _end(
        request,
        referral,
        services.revoke_referral,
        _("Referral revoked: the receiving agency no longer has access."),
    )


def _end(
    request: HttpRequest, referral: Referral, step: Callable[..., Referral], done: str
) -> HttpResponse:
    try:
        step(referral, actor=request.user)
    except ReferralError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    if referral.status == ReferralStatus.REVOKED or not selectors.is_sender(request.user, referral):
        return redirect("partners:referral_list")
    return redirect(referral)


@require_POST
def referral_update_add(request: HttpRequest, pk: int) -> HttpResponse:
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


# --- MLA requests ----------------------------------------------------------------------


@agency_staff_only
def mla_list(request: HttpRequest) -> HttpResponse:
    requests = MLARequest.objects.visible_to(request.user).select_related("case")
    filterset = filter_queryset(MLARequestFilter, request, requests)
    page = paginate(request, filterset.qs)
    context = {"filter": filterset, "page": page, "today": timezone.localdate()}
    return render(request, "partners/mlarequest_list.html", context)


def _get_mla(request: HttpRequest, pk: int) -> MLARequest:
    mla = (
        MLARequest.objects.visible_to(request.user)
        .select_related("case", "proceeding", "updated_by")
        .filter(pk=pk)
        .first()
    )
    if mla is None:
        raise _out_of_scope(request, "partners.mlarequest", pk)
    return mla


def mla_detail(request: HttpRequest, pk: int) -> HttpResponse:
    mla = _get_mla(request, pk)
    record_view(request, mla)
    return render(
        request, "partners/mlarequest_detail.html", {"mla": mla, "today": timezone.localdate()}
    )


@role_required(*WORKERS)
def mla_create(request: HttpRequest) -> HttpResponse:
    return _record_form(
        request,
        MLARequest(agency_id=request.user.agency_id),
        MLARequestForm,
        {"user": request.user},
        "partners/mlarequest_form.html",
    )


@role_required(*WORKERS)
def mla_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_form(
        request,
        _get_mla(request, pk),
        MLARequestForm,
        {"user": request.user},
        "partners/mlarequest_form.html",
    )


def _record_form(
    request: HttpRequest,
    record: Model,
    form_class: type[ModelForm],
    form_kwargs: dict,
    template: str,
) -> HttpResponse:
    """Create or edit an agreement, MLA request or activity with optimistic locking."""
    data = request.POST if request.method == "POST" else None
    form = form_class(data, instance=record, initial={"version": record.version}, **form_kwargs)
    if data is not None and form.is_valid():
        try:
            services.save_record(
                form.save(commit=False),
                actor=request.user,
                expected_version=form.cleaned_data["version"],
                save_m2m=form.save_m2m,
                request=request,
            )
        except StaleEditError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect(record)
    return render(request, template, {"form": form, "record": record})


# --- prevention activities -------------------------------------------------------------


@agency_staff_only_or_platform
def activity_list(request: HttpRequest) -> HttpResponse:
    activities = PreventionActivity.objects.visible_to(request.user).for_list()
    filterset = filter_queryset(ActivityFilter, request, activities)
    page = paginate(request, filterset.qs)
    return render(
        request, "partners/preventionactivity_list.html", {"filter": filterset, "page": page}
    )


def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(
        PreventionActivity.objects.visible_to(request.user).for_list(), pk=pk
    )
    can_edit = activity.organiser_id == request.user.agency_id
    return render(
        request,
        "partners/preventionactivity_detail.html",
        {"activity": activity, "can_edit": can_edit},
    )


@agency_staff_only
def activity_create(request: HttpRequest) -> HttpResponse:
    activity = PreventionActivity(organiser_id=request.user.agency_id)
    return _record_form(
        request,
        activity,
        PreventionActivityForm,
        {"organiser_id": request.user.agency_id},
        "partners/preventionactivity_form.html",
    )


@agency_staff_only
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(PreventionActivity.objects.editable_by(request.user), pk=pk)
    return _record_form(
        request,
        activity,
        PreventionActivityForm,
        {"organiser_id": activity.organiser_id},
        "partners/preventionactivity_form.html",
    )


# --- agreements ------------------------------------------------------------------------


def agreement_list(request: HttpRequest) -> HttpResponse:
    agreements = Agreement.objects.visible_to(request.user).prefetch_related("parties")
    filterset = filter_queryset(AgreementFilter, request, agreements)
    page = paginate(request, filterset.qs)
    expiring = agreements.expiring() if request.user.is_platform_admin else Agreement.objects.none()
    context = {
        "filter": filterset,
        "page": page,
        "expiring": expiring,
        "today": timezone.localdate(),
    }
    return render(request, "partners/agreement_list.html", context)


def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(
        Agreement.objects.visible_to(request.user).prefetch_related("parties"), pk=pk
    )
    return render(request, "partners/agreement_detail.html", {"agreement": agreement})


@platform_admins_only
def agreement_create(request: HttpRequest) -> HttpResponse:
    return _record_form(request, Agreement(), AgreementForm, {}, "partners/agreement_form.html")


@platform_admins_only
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(Agreement.objects.manageable_by(request.user), pk=pk)
    return _record_form(request, agreement, AgreementForm, {}, "partners/agreement_form.html")
