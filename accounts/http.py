"""The request type of views at or above `accounts`: a signed-in staff member's."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request whose `user` is a `User`, never anonymous.

    `LoginRequiredMiddleware` admits no anonymous request to a view unless the view is
    marked `login_not_required`; those views keep `HttpRequest`.
    """

    user: User
