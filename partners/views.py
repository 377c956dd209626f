from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import platform_admins_only
from listing import filter_queryset, paginate
from locking import StaleEditError
from partners import services
from partners.filters import AgencyFilter
from partners.forms import AgencyForm, ContactFormSet
from partners.models import Agency


def agency_list(request: HttpRequest) -> HttpResponse:
    filterset = filter_queryset(AgencyFilter, request, Agency.objects.visible_to(request.user))
    page = paginate(request, filterset.qs)
    return render(request, "partners/agency_list.html", {"filter": filterset, "page": page})


def agency_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agency = get_object_or_404(Agency.objects.visible_to(request.user), pk=pk)
    contacts = agency.contacts.all()
    return render(request, "partners/agency_detail.html", {"agency": agency, "contacts": contacts})


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
