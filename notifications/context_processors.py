from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from notifications.models import Notification
from policy import RECEIVES_NOTIFICATIONS, can


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    """The navigation's unread count: one COUNT query, only for those who receive any.

    Lazy: a page that does not show the navigation runs no query.
    """
    user = getattr(request, "user", None)
    if not can(user, RECEIVES_NOTIFICATIONS):
        return {}
    return {"unread_notifications": _LazyCount(user)}


class _LazyCount:
    def __init__(self, user: Any) -> None:
        self.user = user
        self.value: int | None = None

    def __int__(self) -> int:
        if self.value is None:
            self.value = Notification.objects.visible_to(self.user).unread().count()
        return self.value

    def __str__(self) -> str:
        return str(int(self))

    def __bool__(self) -> bool:
        return int(self) > 0
