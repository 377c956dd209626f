from __future__ import annotations

import datetime

from django.core.exceptions import BadRequest, PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

import dbroutes
from access import agency_id_of, allowed
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from audit.models import AuditEvent
from audit.services import record_event
from cases.models import Case
from listing import STAFF_CHOICES, filter_queryset
from partners.models import Agency
from policy import SEES_AGENCY, SEES_NATIONAL
from reports import disclosure, exports, figures, selectors, statistics
from reports.filters import DashboardFilter
from reports.forms import StatisticsForm

# Supervisors and agency admins see their agency's figures; caseworkers (who see
# only their own cases) and platform admins (no access to victims' data) get 403.
# National coordinators see the national figures (statistics only: no dashboard, whose
# counts link to records) and nothing else here.


@allowed(SEES_AGENCY)
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The figures of the agency's summary cube (reports/figures.py), as of its last
    refresh; an agency never refreshed is computed on its first view."""
    agency_id = request.user.agency_id
    if agency_id is None:
        raise PermissionDenied  # SEES_AGENCY is agency staff's.
    cases = Case.objects.visible_to(request.user)
    filterset = filter_queryset(DashboardFilter, request, cases)  # 400 on a bad value
    asked = filterset.link_params()
    named = filterset.caseworkers_named()
    if len(named) == 1:
        # The one caseworker of that name: their dashboard, as if chosen in the dropdown.
        return redirect(selectors.link("reports:dashboard", asked, caseworker=named[0].pk))
    params = selectors.whole_months(asked)
    refreshed = selectors.last_refresh(agency_id)
    if refreshed is None:
        figures.refresh([agency_id])
        refreshed = selectors.last_refresh(agency_id)
    with dbroutes.reporting() as alias, transaction.atomic(using=alias):
        selectors.without_jit(alias)
        sections = selectors.dashboard_figures(
            params,
            user=request.user,
            today=timezone.localdate(),
            alias=alias,
            every_caseworker=request.GET.get("caseload") == "all",
        )
    context = {
        "filter": filterset,
        "named": [
            (user.full_name, selectors.link("reports:dashboard", asked, caseworker=user.pk))
            for user in named[:STAFF_CHOICES]
        ],
        "named_more": len(named) > STAFF_CHOICES,
        "sections": sections,
        "params": params,
        "refreshed": refreshed,
        "widened": params != asked,
    }
    response = render(request, "reports/dashboard.html", context)
    response["Cache-Control"] = "no-store"
    return response


def _require_coordinating(user: User) -> None:
    """A coordinator reads the national figures while their agency is the coordinating one."""
    if not Agency.objects.coordinating().filter(pk=user.agency_id).exists():
        raise PermissionDenied


def _published(
    user: User, year: int, *, national: bool
) -> tuple[list[disclosure.ShownTable], datetime.datetime]:
    """The yearly tables as published, and when they were counted: the page shows what
    the downloads contain, the same threshold for the agency and the national figures."""
    if national:
        _require_coordinating(user)
    with dbroutes.reporting():
        if national:
            snapshot = statistics.national_snapshot(year)
        else:
            cases = Case.objects.visible_to(user)
            snapshot = statistics.agency_snapshot(cases, agency_id_of(user), year)
    return disclosure.protect(snapshot.tables, disclosure.publish_k()), snapshot.computed_at


def _page(request: AuthenticatedHttpRequest, *, national: bool) -> HttpResponse:
    form = StatisticsForm(request.GET or None)
    year = form.cleaned_data["year"] if form.is_valid() else timezone.localdate().year
    tables, computed_at = _published(request.user, year, national=national)
    context = {
        "form": form,
        "tables": tables,
        "computed_at": computed_at,
        "year": year,
        "national": national,
        "export_url": "reports:national_export" if national else "reports:statistics_export",
        "footnote": disclosure.footnote(disclosure.publish_k()),
    }
    response = render(request, "reports/statistics.html", context)
    response["Cache-Control"] = "no-store"
    return response


@allowed(SEES_AGENCY)
def statistics_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _page(request, national=False)


@allowed(SEES_NATIONAL)
def national_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The national coordinator's figures: every agency, aggregates only, no record."""
    return _page(request, national=True)


def _export(request: AuthenticatedHttpRequest, fmt: str, *, national: bool) -> HttpResponse:
    """The yearly tables as CSV or XLSX: formula-escaped, under disclosure control like the
    page (no parameter turns it off), each row with its table's definition, audited in
    the request."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    form = StatisticsForm(request.GET)
    if not form.is_valid():
        raise BadRequest("Invalid year.")
    year = form.cleaned_data["year"]
    header = [str(_("Table")), str(_("Group")), str(_("Count")), str(_("Definition"))]
    rows: list[tuple[str, str, int | str, str]] = []
    tables, computed_at = _published(request.user, year, national=national)
    for table in tables:
        rows += [(table.title, label, n, table.definition) for label, n in table.rows]
        if table.total is not None:
            rows.append((table.title, str(_("Total")), table.total, table.definition))
    footnote = disclosure.footnote(disclosure.publish_k())
    rows.append((str(_("Note")), disclosure.HIDDEN, footnote, ""))
    counted = date_format(timezone.localtime(computed_at), "DATETIME_FORMAT")
    rows.append((str(_("Note")), str(_("Counted at")), counted, ""))
    scope = "national" if national else "statistics"
    record_event(
        actor=request.user,
        action=AuditEvent.Action.EXPORT,
        object_type=f"reports.{scope}",
        object_id=f"{year}:{fmt}",
        channel=AuditEvent.Channel.EXPORT,
    )
    name = f"harbor-{scope}-{year}" if national else f"harbor-statistics-{year}"
    if fmt == "xlsx":
        body = exports.to_xlsx(header, rows, title=str(year))
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, content_type = exports.to_csv(header, rows), "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@allowed(SEES_AGENCY)
def statistics_export(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponse:
    return _export(request, fmt, national=False)


@allowed(SEES_NATIONAL)
def national_export(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponse:
    return _export(request, fmt, national=True)
