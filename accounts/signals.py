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


def _account(username: str | None) -> User | None:
    if not username:
        return None
    return User.objects.filter(email__iexact=username).only("pk", "agency_id").first()


def _record_against_account(action: str, username: str | None) -> None:
    # In the account's agency trail, so its admins see guesses at their staff's accounts.
    account = _account(username)
    record_event(
        actor=None,
        action=action,
        object_type="accounts.user",
        object_id=str(account.pk) if account else "",
        agency_id=account.agency_id if account else None,
    )


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
    _record_against_account(AuditEvent.Action.LOGIN_FAILED, credentials.get("username"))


@receiver(user_locked_out)
def audit_lockout(sender, request, username, ip_address, **kwargs) -> None:
    _record_against_account(AuditEvent.Action.LOCKOUT, username)
