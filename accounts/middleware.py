from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

SESSION_STARTED_KEY = "harbor_session_started"


class AbsoluteSessionLifetimeMiddleware:
    """End a session a fixed time after login, however active it has been.

    The idle timeout (SESSION_COOKIE_AGE renewed on each request) does not cap a
    session that is used all day; this does (HARBOR_SESSION_MAX_HOURS).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            started = request.session.get(SESSION_STARTED_KEY)
            limit = timedelta(hours=settings.HARBOR_SESSION_MAX_HOURS)
            if started is None or timezone.now().timestamp() - started > limit.total_seconds():
                logout(request)
                messages.info(request, _("Your session has ended. Please log in again."))
                return redirect(settings.LOGIN_URL)
        return self.get_response(request)
