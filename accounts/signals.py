"""Audit of authentication events.

Django and axes announce logins, logouts, failures and lockouts only through
signals, so these receivers are the one place such events are written down.
"""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from accounts.middleware import SESSION_STARTED_KEY
from accounts.models import User
from audit.models import AuditEvent
from audit.services import record_event


def _account_id(username: str | None) -> str:
    if not username:
        return ""
    user = User.objects.filter(email__iexact=username).only("pk").first()
    return str(user.pk) if user else ""


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_STARTED_KEY] = timezone.now().timestamp()
    record_event(actor=user, action=AuditEvent.Action.LOGIN, target=user)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        record_event(actor=user, action=AuditEvent.Action.LOGOUT, target=user)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # The typed username is not stored: it may be a mistyped password.
    record_event(
        actor=None,
        action=AuditEvent.Action.LOGIN_FAILED,
        object_type="accounts.user",
        object_id=_account_id(credentials.get("username")),
    )


@receiver(user_locked_out)
def audit_lockout(sender, request, username, ip_address, **kwargs) -> None:
    record_event(
        actor=None,
        action=AuditEvent.Action.LOCKOUT,
        object_type="accounts.user",
        object_id=_account_id(username),
    )
