from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from crypto import EncryptedTextField
from listing import ChoiceLabels
from victims.models import Person
from workflow import Graph, TransitionRecord


class Tombstone(ChoiceLabels, models.Model):
    """What is left of a purged record: its kind, id, dates and why. No personal data.

    A case keeps its reference (AGA-2026-00001: a number the agency handed out, not
    the person's); a person keeps nothing but their id.
    """

    class Kind(models.TextChoices):
        CASE = "case", _("Case")
        PERSON = "person", _("Person")
        MLA_REQUEST = "mla_request", _("MLA request")

    class Reason(models.TextChoices):
        RETENTION = "retention", _("Retention period over")
        ERASURE = "erasure", _("Erasure on request")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    original_id = models.PositiveBigIntegerField(_("original id"))
    reference = models.CharField(_("reference"), max_length=32, blank=True)
    agency = models.ForeignKey(
        "partners.Agency",
        verbose_name=_("agency"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_on = models.DateField(_("created on"), null=True)
    closed_on = models.DateField(_("closed on"), null=True)
    purged_at = models.DateTimeField(_("purged"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    purged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("purged by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the retention job purged it."),
    )

    class Meta:
        verbose_name = _("tombstone")
        verbose_name_plural = _("tombstones")
        ordering = ["-purged_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.original_id}"


class ErasureStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    DONE = "done", _("Done")


class ErasureRequestQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ErasureRequestQuerySet:
        """The erasure requests a user may see: their agency's, the whole agency's for
        supervisors and admins, their own for a caseworker; nobody else any."""
        if not user.is_authenticated or user.agency_id is None:
            return self.none()
        own = self.filter(agency_id=user.agency_id)
        if user.sees_whole_agency:
            return own
        return own.filter(requested_by=user)

    def pending(self) -> ErasureRequestQuerySet:
        """Awaiting a supervisor's decision."""
        return self.filter(status=ErasureStatus.REQUESTED)


class ErasureRequest(ChoiceLabels, models.Model):
    """A request to erase everything Harbor holds about one person.

    Once done the person is gone: `person` is emptied, the reason is wiped (it may
    name the person) and `tombstone` says what was purged.
    """

    Status = ErasureStatus

    agency = models.ForeignKey(
        "partners.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="erasure_requests",
    )
    reason = EncryptedTextField(_("reason"), max_length=2000)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ErasureStatus.choices,
        default=ErasureStatus.REQUESTED,
        editable=False,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    tombstone = models.ForeignKey(
        Tombstone,
        verbose_name=_("tombstone"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ErasureRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        ordering = ["-requested_at", "-pk"]
        indexes = [
            # The pending list of an agency, oldest first (privacy.views.erasure_list):
            # its first page is the index's first rows, not a sort of the agency's backlog.
            models.Index(
                fields=["agency", "requested_at", "id"],
                condition=models.Q(status=ErasureStatus.REQUESTED),
                name="privacy_erasure_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"erasure #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("privacy:erasure_decide", args=[self.pk])


_E = ErasureStatus

# An erasure request's status graph: `privacy.services` is its only writer.
# Approval and the purge run in one transaction (approved → done at once).
ERASURE_GRAPH = Graph.build(
    "erasure",
    "status",
    {
        _E.REQUESTED: {_E.APPROVED, _E.REFUSED},
        _E.APPROVED: {_E.DONE},
        _E.REFUSED: set(),
        _E.DONE: set(),
    },
)


class ErasureTransition(TransitionRecord):
    """One status change of an erasure request: who approved or refused it, and why."""

    erasure_request = models.ForeignKey(
        ErasureRequest,
        verbose_name=_("erasure request"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )
    # The decision note may name the person: encrypted like the request's reason.
    note = EncryptedTextField(_("note"), blank=True, max_length=4000)

    class Meta(TransitionRecord.Meta):
        verbose_name = _("erasure status change")
        verbose_name_plural = _("erasure status changes")
