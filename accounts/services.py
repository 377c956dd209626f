"""Writes of consequence on staff accounts: each atomic and audited."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.functional import Promise
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import TOTPDevice, User
from audit.models import AuditEvent
from audit.services import record_event
from locking import claim_version
from partners.models import Agency
from policy import AGENCY_ROLES, Role

# What the account-change e-mail to an agency's admins calls each change.
CHANGE_DESCRIPTIONS: dict[str, Promise] = {
    AuditEvent.Action.INVITE: gettext_lazy("account created (invitation sent)"),
    AuditEvent.Action.UPDATE: gettext_lazy("name or role changed"),
    AuditEvent.Action.DEACTIVATE: gettext_lazy("account deactivated"),
    AuditEvent.Action.REACTIVATE: gettext_lazy("account reactivated"),
    AuditEvent.Action.MFA_RESET: gettext_lazy("authenticator app removed"),
}


def grantable_roles(actor: User, agency: Agency | None, *, target: User | None = None) -> set[str]:
    """The roles `actor` may give a new account in `agency`, or give `target` there.

    An agency admin staffs their own agency with any agency role. A platform admin
    creates platform admins and an agency's *first* agency admin (only while the agency
    has no other active agency admin), and never a caseworker or supervisor: a platform
    admin has no access to victims' records and must not be able to give itself an
    account that has. A platform admin also makes national coordinators, only in the
    coordinating agency (`Agency.is_coordinating`): they see national figures, no
    record. Everyone else grants nothing. Forms offer these; services enforce them.
    """
    if actor.is_agency_admin:
        own = agency is not None and agency.pk == actor.agency_id
        return set(AGENCY_ROLES) if own else set()
    if not actor.is_platform_admin:
        return set()
    if agency is None:
        return {Role.PLATFORM_ADMIN}
    admins = User.objects.active().agency_admins().in_agency(agency.pk)
    if target is not None:
        admins = admins.exclude(pk=target.pk)
    roles: set[str] = set() if admins.exists() else {Role.AGENCY_ADMIN}
    if agency.is_coordinating:
        roles.add(Role.COORDINATOR)
    return roles


def roles_offered(actor: User) -> set[str]:
    """Every role `actor` may grant in some agency: the choices of the staff forms."""
    if actor.is_platform_admin:
        return {Role.PLATFORM_ADMIN, Role.AGENCY_ADMIN, Role.COORDINATOR}
    return grantable_roles(actor, actor.agency)


def _require_grantable(actor: User, role: str, agency: Agency | None, target: User | None) -> None:
    unchanged = target is not None and target.role == role
    if not unchanged and role not in grantable_roles(actor, agency, target=target):
        raise PermissionDenied(_("You may not give this role to an account in this agency."))


def _record_account_change(*, actor: User, action: str, account: User) -> None:
    """Audit a change to `account` in its own agency's trail, and tell that agency's admins.

    The row's agency is the account's, not the actor's: a platform admin's change to an
    agency's staff belongs in the trail that agency's admins read.
    """
    record_event(actor=actor, action=action, target=account, agency_id=account.agency_id)
    if account.agency_id is None:
        return
    admins = User.objects.active().agency_admins().in_agency(account.agency_id)
    if action == AuditEvent.Action.INVITE:
        admins = admins.exclude(pk=account.pk)  # a new admin gets the invitation instead
    recipients = list(admins.values_list("email", flat=True))
    if recipients:
        change = str(CHANGE_DESCRIPTIONS[action])
        transaction.on_commit(
            lambda: _notify_agency_admins(recipients, account, change=change, actor=actor)
        )


def _notify_agency_admins(
    recipients: list[str], account: User, *, change: str, actor: User
) -> None:
    context = {"account": account, "change": change, "actor": actor, "when": timezone.now()}
    body = render_to_string("accounts/email/account_changed.txt", context)
    subject = _("Harbor: a staff account of your agency was changed")
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)


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
    """Create an account with no usable password and email a link (under `base_url`) to set one.

    Refused (PermissionDenied) unless `actor` may grant `role` in `agency` (`grantable_roles`).
    """
    _require_grantable(actor, role, agency, None)
    user = User(email=email.lower(), full_name=full_name, role=role, agency=agency)
    user.set_unusable_password()
    user.updated_by = actor
    user.full_clean(exclude=["password"])
    user.save()
    _record_account_change(actor=actor, action=AuditEvent.Action.INVITE, account=user)
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
    """Change an account's name or role; refused if someone saved it meanwhile.

    A new role must be one `actor` may grant there (`grantable_roles`), else PermissionDenied.
    """
    _require_grantable(actor, role, user.agency, user)
    claim_version(user, expected_version)
    user.full_name = full_name
    user.role = role
    user.updated_by = actor
    user.full_clean(exclude=["password"])
    user.save()
    _record_account_change(actor=actor, action=AuditEvent.Action.UPDATE, account=user)
    return user


@transaction.atomic
def set_staff_active(user: User, *, actor: User, active: bool) -> User:
    """Deactivate or reactivate an account.

    Deactivation ends the account's sessions for good (`User.end_sessions`): reactivating
    it does not revive an old cookie, its owner logs in again.
    """
    user.is_active = active
    if not active:
        user.end_sessions()
    user.updated_by = actor
    user.version += 1
    user.save(update_fields=["is_active", "session_epoch", "updated_by", "version", "updated_at"])
    action = AuditEvent.Action.REACTIVATE if active else AuditEvent.Action.DEACTIVATE
    _record_account_change(actor=actor, action=action, account=user)
    return user


@transaction.atomic
def make_default_supervisor(user: User, *, actor: User) -> Agency:
    """Make an active supervisor the one new cases of their agency get; audited."""
    if user.role != Role.SUPERVISOR or not user.is_active or user.agency_id is None:
        raise ValueError("Only an active supervisor of an agency can be its default.")
    agency = Agency.objects.select_for_update().get(pk=user.agency_id)
    agency.default_supervisor = user
    agency.save(update_fields=["default_supervisor"])
    record_event(actor=actor, action=AuditEvent.Action.UPDATE, target=agency)
    return agency


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
    _record_account_change(actor=actor, action=AuditEvent.Action.MFA_RESET, account=staff)
