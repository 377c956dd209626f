from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access import ActorRequest, agency_id_of, allowed, get_visible_or_404
from listing import filter_queryset, paginate
from locking.forms import VersionedModelForm
from locking.views import save_or_stale
from partners import services
from partners.filters import (
    ActivityFilter,
    AgencyFilter,
    AgreementFilter,
)
from partners.forms import (
    AgencyForm,
    AgreementForm,
    ContactFormSet,
    PreventionActivityForm,
)
from partners.models import (
    Agency,
    Agreement,
    PreventionActivity,
)
from policy import MANAGES_AGENCIES, READS_PARTNERSHIP, RECORDS_PREVENTION, can

AGENCY_PAGE_LIMIT = 20


@allowed(READS_PARTNERSHIP)
def agency_list(request: ActorRequest) -> HttpResponse:
    filterset = filter_queryset(AgencyFilter, request, Agency.objects.visible_to(request.user))
    page = paginate(request, filterset)
    return render(request, "partners/agency_list.html", {"filter": filterset, "page": page})


@allowed(READS_PARTNERSHIP, on=Agency)
def agency_detail(request: ActorRequest, pk: int) -> HttpResponse:
    agency = get_visible_or_404(Agency, request.user, pk=pk)
    context = {
        "agency": agency,
        "contacts": agency.contacts.all(),
        "agreements": agency.agreements.order_by("expires_on", "pk"),
        "activities": PreventionActivity.objects.visible_to(request.user)
        .for_agency(agency)
        .order_by("-start_date", "-pk")[:AGENCY_PAGE_LIMIT],
    }
    return render(request, "partners/agency_detail.html", context)


@allowed(MANAGES_AGENCIES)
def agency_create(request: ActorRequest) -> HttpResponse:
    return _agency_form(request, Agency())


@allowed(MANAGES_AGENCIES, on=Agency)
def agency_edit(request: ActorRequest, pk: int) -> HttpResponse:
    agency = get_visible_or_404(
        Agency, request.user, queryset=Agency.objects.manageable_by(request.user), pk=pk
    )
    return _agency_form(request, agency)


def _agency_form(request: ActorRequest, agency: Agency) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = AgencyForm(data, instance=agency)
    contacts = ContactFormSet(data, instance=agency, prefix="contacts")
    if contacts.is_valid() and save_or_stale(
        request, form, services.save_agency, contacts=contacts, saved=_("Agency saved.")
    ):
        return redirect(agency)
    return render(
        request, "partners/agency_form.html", {"form": form, "contacts": contacts, "agency": agency}
    )


@require_POST
@allowed(MANAGES_AGENCIES, on=Agency)
def agency_set_active(request: ActorRequest, pk: int) -> HttpResponse:
    agency = get_visible_or_404(
        Agency, request.user, queryset=Agency.objects.manageable_by(request.user), pk=pk
    )
    active = request.POST.get("active") == "1"
    services.set_agency_active(agency, actor=request.user, active=active)
    messages.success(request, _("Agency reactivated.") if active else _("Agency deactivated."))
    return redirect(agency)


# --- referrals -------------------------------------------------------------------------


# --- MLA requests ----------------------------------------------------------------------


def _record_form(
    request: ActorRequest,
    record: Agreement | PreventionActivity,
    form_class: type[VersionedModelForm],
    form_kwargs: dict,
    template: str,
) -> HttpResponse:
    """Create or edit an agreement or a prevention activity with optimistic locking."""
    data = request.POST if request.method == "POST" else None
    form = form_class(data, instance=record, **form_kwargs)
    if save_or_stale(request, form, services.save_record, save_m2m=lambda: form.save_m2m()):
        return redirect(record)
    return render(request, template, {"form": form, "record": record})


# --- prevention activities -------------------------------------------------------------


@allowed(READS_PARTNERSHIP)
def activity_list(request: ActorRequest) -> HttpResponse:
    activities = PreventionActivity.objects.visible_to(request.user).for_list()
    filterset = filter_queryset(ActivityFilter, request, activities)
    page = paginate(request, filterset)
    return render(
        request, "partners/preventionactivity_list.html", {"filter": filterset, "page": page}
    )


@allowed(READS_PARTNERSHIP, on=PreventionActivity)
def activity_detail(request: ActorRequest, pk: int) -> HttpResponse:
    activities = PreventionActivity.objects.for_list()
    activity = get_visible_or_404(PreventionActivity, request.user, queryset=activities, pk=pk)
    can_edit = activity.organiser_id == request.user.agency_id
    return render(
        request,
        "partners/preventionactivity_detail.html",
        {"activity": activity, "can_edit": can_edit},
    )


@allowed(RECORDS_PREVENTION)
def activity_create(request: ActorRequest) -> HttpResponse:
    agency_id = agency_id_of(request.user)
    activity = PreventionActivity(organiser_id=agency_id)
    return _record_form(
        request,
        activity,
        PreventionActivityForm,
        {"organiser_id": agency_id},
        "partners/preventionactivity_form.html",
    )


@allowed(RECORDS_PREVENTION, on=PreventionActivity)
def activity_edit(request: ActorRequest, pk: int) -> HttpResponse:
    editable = PreventionActivity.objects.editable_by(request.user)
    activity = get_visible_or_404(PreventionActivity, request.user, queryset=editable, pk=pk)
    return _record_form(
        request,
        activity,
        PreventionActivityForm,
        {"organiser_id": activity.organiser_id},
        "partners/preventionactivity_form.html",
    )


# --- agreements ------------------------------------------------------------------------


@allowed(READS_PARTNERSHIP)
def agreement_list(request: ActorRequest) -> HttpResponse:
    agreements = Agreement.objects.visible_to(request.user).prefetch_related("parties")
    filterset = filter_queryset(AgreementFilter, request, agreements)
    page = paginate(request, filterset)
    manages = can(request.user, MANAGES_AGENCIES)
    expiring = agreements.expiring() if manages else Agreement.objects.none()
    context = {
        "filter": filterset,
        "page": page,
        "expiring": expiring,
        "today": timezone.localdate(),
    }
    return render(request, "partners/agreement_list.html", context)


@allowed(READS_PARTNERSHIP, on=Agreement)
def agreement_detail(request: ActorRequest, pk: int) -> HttpResponse:
    agreements = Agreement.objects.prefetch_related("parties")
    agreement = get_visible_or_404(Agreement, request.user, queryset=agreements, pk=pk)
    return render(request, "partners/agreement_detail.html", {"agreement": agreement})


@allowed(MANAGES_AGENCIES)
def agreement_create(request: ActorRequest) -> HttpResponse:
    return _record_form(request, Agreement(), AgreementForm, {}, "partners/agreement_form.html")


@allowed(MANAGES_AGENCIES, on=Agreement)
def agreement_edit(request: ActorRequest, pk: int) -> HttpResponse:
    manageable = Agreement.objects.manageable_by(request.user)
    agreement = get_visible_or_404(Agreement, request.user, queryset=manageable, pk=pk)
    return _record_form(request, agreement, AgreementForm, {}, "partners/agreement_form.html")
