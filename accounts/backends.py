"""How a signed-in user is read on every request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from accounts.models import User


class StaffBackend(ModelBackend):
    """Django's model backend (passwords, `is_active`), reading the session's user with
    their agency: the menu bar of every page names it, which cost a query of its own on
    every request."""

    def get_user(self, user_id: Any) -> User | None:
        try:
            user = User._default_manager.select_related("agency").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
