import sys

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.views.decorators.cache import never_cache

from accounts.http import AuthenticatedHttpRequest
from policy import SEES_NATIONAL, can
from victims.checks import field_keys_state


def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Send each role to where its work starts."""
    user = request.user
    if user.is_platform_admin:
        return redirect("partners:agency_list")
    if user.is_agency_admin:
        return redirect("accounts:staff_list")
    if user.is_caseworker or user.is_supervisor:
        return redirect("cases:my_work")
    if can(user, SEES_NATIONAL):
        return redirect("reports:national")
    return render(request, "home.html")


@login_not_required
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers: is the database reachable, do the field keys open the stored
    sentinel ("unchecked" before `migrate`, or with no database)? 503 unless both are
    "ok". Reveals nothing else."""
    state = {"database": "ok", "field_keys": "unchecked"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        state["field_keys"] = field_keys_state()
    except DatabaseError:
        state["database"] = "unavailable"
    healthy = state == {"database": "ok", "field_keys": "ok"}
    return JsonResponse(state, status=200 if healthy else 503)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 handler; a lost database connection is a plain 503 "try again shortly".

    Called while the exception is being handled. Django drops a broken connection
    at the end of the request, so the next request reconnects: no restart needed.
    """
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        response = HttpResponse(
            loader.render_to_string("503.html"), status=503, content_type="text/html"
        )
        response["Retry-After"] = "30"
        return response
    return HttpResponseServerError(loader.render_to_string("500.html"), content_type="text/html")
