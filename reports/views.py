from __future__ import annotations

from django.core.exceptions import BadRequest
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from access import agency_id_of, allowed
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from audit.models import AuditEvent
from audit.services import record_event
from cases.models import Case
from listing import filter_queryset
from policy import SEES_AGENCY
from reports import disclosure, exports, selectors, statistics
from reports.filters import DashboardFilter
from reports.forms import StatisticsForm

# Supervisors and agency admins see their agency's figures; caseworkers (who see
# only their own cases) and platform admins (no access to victims' data) get 403.


@allowed(SEES_AGENCY)
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
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


def _published_statistics(user: User, year: int) -> list[disclosure.ShownTable]:
    """The yearly tables as published: the page shows what the downloads contain."""
    cases = Case.objects.visible_to(user)
    tables = statistics.yearly_statistics(cases, agency_id_of(user), year)
    return disclosure.protect(tables, disclosure.publish_k())


@allowed(SEES_AGENCY)
def statistics_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = StatisticsForm(request.GET or None)
    year = form.cleaned_data["year"] if form.is_valid() else timezone.localdate().year
    context = {
        "form": form,
        "tables": _published_statistics(request.user, year),
        "year": year,
        "footnote": disclosure.footnote(disclosure.publish_k()),
    }
    return render(request, "reports/statistics.html", context)


@allowed(SEES_AGENCY)
def statistics_export(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponse:
    """The yearly tables as CSV or XLSX: formula-escaped, under disclosure control like the
    page (no parameter turns it off), audited in the request."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    form = StatisticsForm(request.GET)
    if not form.is_valid():
        raise BadRequest("Invalid year.")
    year = form.cleaned_data["year"]
    header = [str(_("Table")), str(_("Group")), str(_("Count"))]
    rows: list[tuple[str, str, int | str]] = []
    for table in _published_statistics(request.user, year):
        rows += [(table.title, label, n) for label, n in table.rows]
        if table.total is not None:
            rows.append((table.title, str(_("Total")), table.total))
    rows.append((str(_("Note")), disclosure.HIDDEN, disclosure.footnote(disclosure.publish_k())))
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
