from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import policy


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an audit row."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Audit events cannot be updated.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be deleted.")

    def readable_by(self, user: AbstractBaseUser | AnonymousUser) -> AuditEventQuerySet:
        """The audit trail a user may read: an agency admin their own agency's, nobody else.

        Who holds `READS_AUDIT` is the policy's word; the scope (one's own agency) is this
        method's. A reader without an agency reads nothing.
        """
        agency_id = getattr(user, "agency_id", None)
        if policy.can(user, policy.READS_AUDIT) and agency_id is not None:
            return self.filter(agency_id=agency_id)
        return self.none()

    def for_object(self, obj: models.Model) -> AuditEventQuerySet:
        """The rows about one record."""
        return self.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))


class AuditEvent(models.Model):
    """One thing somebody did: who, as what, to which record, through which channel.

    Never holds field values: a row says *that* a victim's record was read or
    changed, not what it contains. Rows are append-only for the application; on
    PostgreSQL a trigger also refuses UPDATE and DELETE.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        TRANSITION = "transition", _("Changed status")
        ASSIGN = "assign", _("Assigned")
        DEACTIVATE = "deactivate", _("Deactivated")
        REACTIVATE = "reactivate", _("Reactivated")
        DELETE = "delete", _("Deleted")
        ARCHIVE = "archive", _("Archived")
        RESTORE = "restore", _("Restored")
        REVEAL = "reveal", _("Revealed identity")
        DOWNLOAD = "download", _("Downloaded")
        EXPORT = "export", _("Exported")
        INVITE = "invite", _("Invited")
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOCKOUT = "lockout", _("Locked out")
        LOGOUT = "logout", _("Logged out")
        PASSWORD_CHANGE = "password_change", _("Changed password")
        PASSWORD_RESET = "password_reset", _("Reset password")
        MFA_ENROL = "mfa_enrol", _("Enrolled a second factor")
        MFA_FAILED = "mfa_failed", _("Wrong second-factor code")
        MFA_RESET = "mfa_reset", _("Reset a second factor")
        OUT_OF_SCOPE = "out_of_scope", _("Refused out-of-scope access")

    class Channel(models.TextChoices):
        WEB = "web", _("Web")
        EXPORT = "export", _("Export")
        COMMAND = "command", _("Command")
        SYSTEM = "system", _("System")

    occurred_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    agency = models.ForeignKey(
        "partners.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    role = models.CharField(_("role"), max_length=32, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    object_type = models.CharField(_("record type"), max_length=64, blank=True)
    object_id = models.CharField(_("record id"), max_length=64, blank=True)
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.WEB
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=256, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["agency", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return (
            f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Append-only: an existing row is never written again.
        if not self._state.adding:
            raise AppendOnlyError("Audit events cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be deleted.")

    @property
    def role_label(self) -> str:
        """The actor's role at the time, in the reader's language."""
        return str(dict(policy.Role.choices).get(self.role, self.role))
