"""The door of every view: its declared capability, and record lookups scoped to the user.

`allowed(capability, on=Model)` declares what a view needs (from `policy`) and enforces
it: a role without it gets 403, except that a record the user cannot see at all answers
404 first (audited), so an outsider never learns that the record exists.

Every model a user looks up has a `visible_to(user)` QuerySet method, the single
definition of who may see what. `get_visible_or_404` starts from it; an outsider
gets 404, never 403, and the refused lookup is written to the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured, ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponseBase

from audit.services import record_out_of_scope, record_view
from policy import Actor, Capability, can

M = TypeVar("M", bound=models.Model)


class ActorRequest(HttpRequest):
    """A request of a signed-in user, as the layers below `accounts` know them.

    `LoginRequiredMiddleware` admits no anonymous request to a view, so `user` is an
    `Actor`; apps at or above `accounts` use `accounts.http.AuthenticatedHttpRequest`.
    """

    # HttpRequest types `user` as the concrete User or AnonymousUser; Actor is the
    # protocol the kernel and `partners` see instead (they may not import accounts).
    user: Actor  # type: ignore[assignment]


def get_visible_or_404(
    model: type[M],
    user: Actor,
    *,
    queryset: models.QuerySet[M] | None = None,
    **lookup: Any,
) -> M:
    """The `model` row matching `lookup` among those `user` may see, else 404.

    `queryset` narrows or shapes the lookup (`Case.objects.select_related(...)`);
    it must come from the model's own QuerySet class, which carries `visible_to`.
    A miss (absent or outside the user's scope: the answer does not tell which)
    writes one OUT_OF_SCOPE audit row naming the record type and looked-up id.
    """
    base = queryset if queryset is not None else model._default_manager.all()
    visible_to = getattr(base, "visible_to", None)
    if visible_to is None:
        raise ImproperlyConfigured(f"{model._meta.label} has no visible_to(user) QuerySet method.")
    try:
        return visible_to(user).get(**lookup)
    except ObjectDoesNotExist:
        record_out_of_scope(user, model._meta.label_lower, _looked_up_id(lookup))
        raise Http404 from None


def agency_id_of(user: Actor) -> int:
    """The agency of a user whose capability implies one (`policy.AGENCY_ROLES`), else 403.

    Platform admins belong to no agency; a view that records work for the user's agency
    asks here rather than passing None on.
    """
    if user.agency_id is None:
        raise PermissionDenied
    return user.agency_id


def _looked_up_id(lookup: dict[str, Any]) -> str:
    value = lookup.get("pk", lookup.get("id", ""))
    return str(value)[:64]


View = TypeVar("View", bound=Callable[..., HttpResponseBase])

# URL keyword arguments that name the record a view acts on, in order of preference.
RECORD_KWARGS = ("pk", "case_pk")


def allowed(
    capability: Capability, *, on: type[models.Model] | None = None
) -> Callable[[View], View]:
    """Declare a view's capability (from `policy`) and enforce it.

    A user whose role lacks `capability` gets 403; with `on=Model`, the record named
    by the URL (`pk`, else `case_pk`) is first looked up in the user's scope, so a
    record they cannot see answers 404 and is audited like any out-of-scope lookup.
    Users who hold the capability reach the view, which does its own scoped lookup.
    The declaration stays on the view (`view.policy`, `view.policy_record`) so the
    role x URL test reads it from the URLconf.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: ActorRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not can(request.user, capability):
                if on is not None:
                    key = next(name for name in RECORD_KWARGS if name in kwargs)
                    get_visible_or_404(on, request.user, pk=kwargs[key])
                raise PermissionDenied
            return view(request, *args, **kwargs)

        # Function attributes the role x URL test reads; `wraps` keeps the view's
        # signature, so the wrapper stands in for the view's own type.
        wrapped.policy = capability  # type: ignore[attr-defined]
        wrapped.policy_record = on  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def get_child_or_404(
    queryset: models.QuerySet[M] | models.Manager[M], user: Actor, **lookup: Any
) -> M:
    """A record inside a parent already looked up in scope (`case.tasks`, `case.proceedings`).

    A miss (an id of another case's record, or none) answers 404 and is audited like any
    out-of-scope lookup.
    """
    try:
        return queryset.get(**lookup)
    except ObjectDoesNotExist:
        record_out_of_scope(user, queryset.model._meta.label_lower, _looked_up_id(lookup))
        raise Http404 from None


def record_form_read(request: HttpRequest, record: models.Model) -> None:
    """Opening an edit form shows the record's data: a GET is a read, audited like its page."""
    if request.method == "GET" and record.pk is not None:
        record_view(request.user, record)
