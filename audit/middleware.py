"""Bind each request's origin (address, user agent) for the audit rows it writes."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from audit.context import USER_AGENT_MAX_LENGTH, WEB, RequestContext, bound


def request_context(request: HttpRequest) -> RequestContext:
    """The audit context of a web request: REMOTE_ADDR, the truncated user agent, `web`."""
    return RequestContext(
        ip=request.META.get("REMOTE_ADDR") or None,
        user_agent=str(request.META.get("HTTP_USER_AGENT", ""))[:USER_AGENT_MAX_LENGTH],
        channel=WEB,
    )


class RequestContextMiddleware:
    """Make the request's origin known to `audit.services` for the length of the request.

    Sits right after SecurityMiddleware so every audit row written while handling the
    request, including by other middleware (login, lockout), carries the address.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with bound(request_context(request)):
            return self.get_response(request)
