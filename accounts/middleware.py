from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.middleware import is_verified

from accounts.models import TOTPDevice

SESSION_STARTED_KEY = "harbor_session_started"
SESSION_REFRESHED_KEY = "harbor_session_refreshed"


class AbsoluteSessionLifetimeMiddleware:
    """End a session a fixed time after login, however active it has been.

    The idle timeout (SESSION_COOKIE_AGE, renewed by SessionRefreshMiddleware) does not cap a
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


class SessionRefreshMiddleware:
    """Keep the idle timeout without writing the session on every request.

    The session's expiry (SESSION_COOKIE_AGE from its last save) is pushed back by
    saving it, at most once every HARBOR_SESSION_REFRESH_SECONDS: a page view within
    that minute writes nothing (no UPDATE, no COMMIT, no Redis SET). A session left
    idle for SESSION_COOKIE_AGE still ends, give or take that minute. Only a signed-in
    user's session is touched: an anonymous visitor gets none from this.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            # Logging in saved the session (and stamped its start) a moment ago.
            refreshed = request.session.get(
                SESSION_REFRESHED_KEY, request.session.get(SESSION_STARTED_KEY, 0)
            )
            if now - refreshed >= settings.HARBOR_SESSION_REFRESH_SECONDS:
                request.session[SESSION_REFRESHED_KEY] = now
        return self.get_response(request)


# Pages a signed-in user may reach before passing the second factor.
SECOND_FACTOR_EXEMPT = {
    "accounts:mfa_setup",
    "accounts:mfa_verify",
    "accounts:logout",
    "set_language",
    "health",
}


class SecondFactorRequiredMiddleware:
    """With HARBOR_REQUIRE_MFA, a session is only usable after a TOTP code.

    Staff without an authenticator are sent to enrol one; staff with one are asked
    for a code. Runs after LoginRequiredMiddleware (anonymous users go to login)
    and django-otp's OTPMiddleware (which provides `user.is_verified()`).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        user = request.user
        # `is_verified` as OTPMiddleware binds it to the user (`user.otp_device` is set).
        if not settings.HARBOR_REQUIRE_MFA or not user.is_authenticated or is_verified(user):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in SECOND_FACTOR_EXEMPT:
            return None
        step = (
            "accounts:mfa_verify"
            if TOTPDevice.objects.filter(user=user, confirmed=True).exists()
            else "accounts:mfa_setup"
        )
        return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
