from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.models import Role
from accounts.permissions import role_required
from cases.models import Case
from listing import filter_queryset
from reports import selectors
from reports.filters import DashboardFilter

# Supervisors and agency admins see their agency's figures; caseworkers (who see
# only their own cases) and platform admins (no access to victims' data) get 403.
supervisors_only = role_required(Role.SUPERVISOR, Role.AGENCY_ADMIN)


@supervisors_only
def dashboard(request: HttpRequest) -> HttpResponse:
    cases = Case.objects.visible_to(request.user)
    filterset = filter_queryset(DashboardFilter, request, cases)
    params = filterset.link_params()
    sections = selectors.dashboard_figures(
        filterset.qs, params, agency_id=request.user.agency_id, today=timezone.localdate()
    )
    context = {"filter": filterset, "sections": sections, "params": params}
    response = render(request, "reports/dashboard.html", context)
    response["Cache-Control"] = "no-store"
    return response
