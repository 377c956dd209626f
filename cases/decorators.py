"""View decorators other apps' case-writing views share."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect

from accounts.http import AuthenticatedHttpRequest
from cases.services import CaseClosedError


def refuses_closed_case(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A write refused because the case is closed (CaseClosedError) becomes a message on
    the case page, not a 500. The services hold the rule; victims and cooperation views
    that write a case's data use this too."""

    @wraps(view)
    def wrapped(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except CaseClosedError as error:
            messages.error(request, str(error))
            return redirect(error.case)

    return wrapped
