from __future__ import annotations

import datetime
import hashlib
import ipaddress
import json
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import policy
from listing import ChoiceLabels


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an audit row."""


# The `prev_hash` of the first row of every chain.
GENESIS_HASH = "0" * 64


def chain_hash(event: Any) -> str:
    """The hex SHA-256 that seals one audit row: its fields, its place, the previous seal.

    Covers every field but `id` (assigned by the database after the hash is computed):
    the chain (agency), the position in it (`chain_seq`), the previous row's hash and
    what the row says. `verify_audit` and the migration that sealed the rows written
    before the chain existed depend on this exact serialisation: changing it (even the
    key order or the time format) breaks every existing chain, so a new format needs a
    new `"v"` and a verifier that reads both.
    """
    occurred_at = event.occurred_at.astimezone(datetime.UTC)
    # The database may print an address differently from how it was given (PostgreSQL's
    # inet shortens IPv6), so both sides hash the address, not its spelling.
    ip = str(ipaddress.ip_address(str(event.ip_address))) if event.ip_address else None
    payload = {
        "v": 1,
        "agency": event.agency_id,
        "seq": event.chain_seq,
        "prev": event.prev_hash,
        "at": occurred_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": event.actor_id,
        "role": event.role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "channel": event.channel,
        "ip": ip,
        "user_agent": event.user_agent,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Audit events cannot be updated.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be deleted.")

    def readable_by(self, user: policy.Actor | AnonymousUser) -> AuditEventQuerySet:
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


class AuditEvent(ChoiceLabels, models.Model):
    """One thing somebody did: who, as what, to which record, through which channel.

    Never holds field values: a row says *that* a victim's record was read or
    changed, not what it contains. Rows are append-only for the application; on
    PostgreSQL triggers also refuse UPDATE, DELETE and TRUNCATE, and the runtime
    database role holds only INSERT and SELECT on the table (`grant_runtime_role`).

    Each agency's rows (and the platform's, agency NULL) form a hash chain: row n holds
    its position `chain_seq`, the hash of row n-1 and its own `chain_hash`, so an edited,
    removed or cut-off row shows in `manage.py verify_audit`. Only
    `audit.services.record_event` writes rows: it numbers and seals them.
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
        SEARCH = "search", _("Searched")

    class Channel(models.TextChoices):
        WEB = "web", _("Web")
        EXPORT = "export", _("Export")
        COMMAND = "command", _("Command")
        SYSTEM = "system", _("System")

    # Indexed by the composite indexes below and, on PostgreSQL, by a BRIN index and the
    # monthly partitioning (audit.partitions).
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # no index of its own: audit_actor_time_idx leads with it
    )
    agency = models.ForeignKey(
        "partners.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # no index of its own: audit_agency_time_idx leads with it
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
    chain_seq = models.PositiveBigIntegerField(_("position in chain"), editable=False)
    prev_hash = models.CharField(_("previous row's hash"), max_length=64, editable=False)
    row_hash = models.CharField(_("row hash"), max_length=64, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at", "-id"]
        # The viewer pages an agency's trail newest first by (occurred_at, id) keyset;
        # `for_object` lists one record's rows newest first.
        indexes = [
            models.Index(fields=["agency", "-occurred_at", "-id"], name="audit_agency_time_idx"),
            # "Who revealed, exported, failed to log in": a rare action, found at once.
            models.Index(
                fields=["agency", "action", "-occurred_at", "-id"],
                name="audit_agency_action_time_idx",
            ),
            models.Index(
                fields=["object_type", "object_id", "-occurred_at"], name="audit_object_time_idx"
            ),
            # The viewer's "Who" and "Record id" filters: one person's or one record's rows
            # newest first, not a walk down the agency's ten million (4 s, or the
            # statement timeout, for an id nobody has; issue 12).
            models.Index(fields=["actor", "-occurred_at", "-id"], name="audit_actor_time_idx"),
            models.Index(
                fields=["agency", "object_id", "-occurred_at", "-id"],
                name="audit_agency_object_idx",
            ),
        ]
        # One row per position in each chain; also the index `verify_audit` walks. On
        # PostgreSQL the table is partitioned by month (migration 0010), and a unique
        # index there must include the partition key: these two are plain indexes, and
        # the uniqueness is kept by `record_event` numbering under the chain head's row
        # lock, and checked by `verify_audit` ("position … is taken twice").
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "chain_seq"],
                condition=models.Q(agency__isnull=False),
                name="audit_event_one_row_per_agency_seq",
            ),
            models.UniqueConstraint(
                fields=["chain_seq"],
                condition=models.Q(agency__isnull=True),
                name="audit_event_one_row_per_platform_seq",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Append-only: an existing row is never written again.
        if not self._state.adding:
            raise AppendOnlyError("Audit events cannot be updated.")
        if not self.row_hash:
            raise AppendOnlyError("Audit events are written by audit.services.record_event.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be deleted.")

    @property
    def role_label(self) -> str:
        """The actor's role at the time, in the reader's language."""
        return str(dict(policy.Role.choices).get(self.role, self.role))


class AuditChainHead(models.Model):
    """The newest row of one audit chain: an agency's, or the platform's (agency NULL).

    `record_event` locks it (SELECT … FOR UPDATE) to number and chain the next row, so
    two writers for one agency queue instead of forking the chain; `verify_audit`
    compares it with the chain's last row, which is how a cut-off tail shows. The
    runtime role may UPDATE it (it must advance it): whoever rewrites it can hide a cut
    tail, but not an edited or removed row inside the chain.
    """

    agency = models.OneToOneField(
        "partners.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    last_seq = models.PositiveBigIntegerField(_("last position"), default=0)
    last_hash = models.CharField(_("last row hash"), max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain heads")
        constraints = [
            # NULLs are distinct in a plain unique index: this makes the platform's head
            # (agency NULL) unique too, so two first writers cannot both create it.
            models.UniqueConstraint(
                Coalesce("agency", 0, output_field=models.BigIntegerField()),
                name="audit_chainhead_one_per_chain",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id or 'platform'}#{self.last_seq}"
