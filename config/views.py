import sys

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.views.decorators.cache import never_cache

from accounts.http import AuthenticatedHttpRequest


def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Send each role to where its work starts."""
    user = request.user
    if user.is_platform_admin:
        return redirect("partners:agency_list")
    if user.is_agency_admin:
        return redirect("accounts:staff_list")
    if user.is_caseworker or user.is_supervisor:
        return redirect("cases:my_work")
    return render(request, "home.html")


@login_not_required
@never_cache
def health(request: HttpRequest) -> HttpResponse:
    """Liveness and database reachability for load balancers; reveals nothing else."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


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
