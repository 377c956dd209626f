from __future__ import annotations

from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from access import allowed
from audit.models import AuditEvent
from audit.services import record_event
from cases.models import Case
from listing import filter_queryset
from policy import SEES_AGENCY
from reports import exports, selectors, statistics
from reports.filters import DashboardFilter
from reports.forms import StatisticsForm

# Supervisors and agency admins see their agency's figures; caseworkers (who see
# only their own cases) and platform admins (no access to victims' data) get 403.


@allowed(SEES_AGENCY)
def dashboard(request: HttpRequest) -> HttpResponse:
    cases = Case.objects.visible_to(request.user)
    filterset = filter_queryset(DashboardFilter, request, cases)
    params = filterset.link_params()
    sections = selectors.dashboard_figures(
        filterset.qs, params, user=request.user, today=timezone.localdate()
    )
    context = {"filter": filterset, "sections": sections, "params": params}
    response = render(request, "reports/dashboard.html", context)
    response["Cache-Control"] = "no-store"
    return response


@allowed(SEES_AGENCY)
def statistics_page(request: HttpRequest) -> HttpResponse:
    form = StatisticsForm(request.GET or None)
    year = form.cleaned_data["year"] if form.is_valid() else timezone.localdate().year
    tables = statistics.yearly_statistics(
        Case.objects.visible_to(request.user), request.user.agency_id, year
    )
    return render(
        request, "reports/statistics.html", {"form": form, "tables": tables, "year": year}
    )


@allowed(SEES_AGENCY)
def statistics_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The yearly tables as CSV or XLSX: formula-escaped, small counts suppressed by default,
    audited in the request."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    form = StatisticsForm(request.GET)
    if not form.is_valid():
        raise BadRequest("Invalid year.")
    year = form.cleaned_data["year"]
    tables = statistics.yearly_statistics(
        Case.objects.visible_to(request.user), request.user.agency_id, year
    )
    suppress = form.wants_suppression()
    header = [str(_("Table")), str(_("Group")), str(_("Count"))]
    rows = [
        (str(table.title), label, n)
        for table in tables
        for label, n in (table.suppressed_rows() if suppress else table.rows)
    ]
    record_event(
        actor=request.user,
        action=AuditEvent.Action.EXPORT,
        object_type="reports.statistics",
        object_id=f"{year}:{fmt}",
        channel=AuditEvent.Channel.EXPORT,
    )
    name = f"harbor-statistics-{year}"
    if fmt == "xlsx":
        body = exports.to_xlsx(header, rows, title=str(year))
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, content_type = exports.to_csv(header, rows), "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
