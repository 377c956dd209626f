"""Writes of consequence on staff accounts: each atomic and audited."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.models import TOTPDevice, User
from audit.models import AuditEvent
from audit.services import record_event
from locking import claim_version
from partners.models import Agency


def _send_invitation(user: User, base_url: str) -> None:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = base_url + reverse("accounts:password_reset_confirm", args=[uid, token])
    body = render_to_string("accounts/email/invitation.txt", {"user": user, "link": link})
    send_mail(_("Your Harbor account"), body, settings.DEFAULT_FROM_EMAIL, [user.email])


@transaction.atomic
def create_staff_account(
    *,
    actor: User,
    email: str,
    full_name: str,
    role: str,
    agency: Agency | None,
    base_url: str = "",
) -> User:
    """Create an account with no usable password and email a link (under `base_url`) to set one."""
    user = User(email=email.lower(), full_name=full_name, role=role, agency=agency)
    user.set_unusable_password()
    user.updated_by = actor
    user.full_clean(exclude=["password"])
    user.save()
    record_event(actor=actor, action=AuditEvent.Action.INVITE, target=user)
    transaction.on_commit(lambda: _send_invitation(user, base_url))
    return user


@transaction.atomic
def update_staff_account(
    user: User,
    *,
    actor: User,
    expected_version: int,
    full_name: str,
    role: str,
) -> User:
    """Change an account's name or role; refused if someone saved it meanwhile."""
    claim_version(user, expected_version)
    user.full_name = full_name
    user.role = role
    user.updated_by = actor
    user.full_clean(exclude=["password"])
    user.save()
    record_event(actor=actor, action=AuditEvent.Action.UPDATE, target=user)
    return user


@transaction.atomic
def set_staff_active(user: User, *, actor: User, active: bool) -> User:
    """Deactivate or reactivate an account.

    A deactivated user's sessions end at their next request: Django's ModelBackend
    no longer loads an inactive user from a session.
    """
    user.is_active = active
    user.updated_by = actor
    user.version += 1
    user.save(update_fields=["is_active", "updated_by", "version", "updated_at"])
    action = AuditEvent.Action.REACTIVATE if active else AuditEvent.Action.DEACTIVATE
    record_event(actor=actor, action=action, target=user)
    return user


@transaction.atomic
def enrol_second_factor(device: TOTPDevice, *, step: int) -> TOTPDevice:
    """Save a confirmed authenticator for its user, replacing any earlier one; audited."""
    TOTPDevice.objects.filter(user=device.user).delete()
    device.confirmed = True
    device.last_t = step  # the code used to confirm it cannot be used again
    device.save()
    record_event(actor=device.user, action=AuditEvent.Action.MFA_ENROL, target=device.user)
    return device


@transaction.atomic
def reset_second_factor(staff: User, *, actor: User) -> None:
    """Remove a staff member's authenticator (lost phone): they enrol again at next login."""
    TOTPDevice.objects.filter(user=staff).delete()
    record_event(actor=actor, action=AuditEvent.Action.MFA_RESET, target=staff)
