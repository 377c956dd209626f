"""Function-level checks: which roles may use an area at all (403 otherwise).

Record-level scoping is separate: lookups start from `visible_to` / `manageable_by`
and answer 404 for records outside the user's scope.
"""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from accounts.models import Role


def role_required(*roles: Role) -> Callable:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if getattr(request.user, "role", None) not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


staff_managers_only = role_required(Role.AGENCY_ADMIN, Role.PLATFORM_ADMIN)
platform_admins_only = role_required(Role.PLATFORM_ADMIN)
