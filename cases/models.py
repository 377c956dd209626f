from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from accounts.models import User


class IdentificationStatus(models.TextChoices):
    NOT_SCREENED = "not_screened", _("Not screened")
    SCREENING = "screening", _("Screening")
    AWAITING_DECISION = "awaiting_decision", _("Awaiting formal decision")
    IDENTIFIED = "identified", _("Identified")
    NOT_IDENTIFIED = "not_identified", _("Not identified")
    REVIEW_REQUESTED = "review_requested", _("Review requested")


class ProtectionStatus(models.TextChoices):
    NEEDS_ASSESSMENT = "needs_assessment", _("Needs assessment")
    IN_PROGRESS = "in_progress", _("Services in progress")
    COMPLETED = "completed", _("Completed")
    DECLINED = "declined", _("Declined by the person")
    TRANSFERRED = "transferred", _("Transferred")


class ProsecutionStatus(models.TextChoices):
    NOT_REPORTED = "not_reported", _("Not reported")
    REPORTED = "reported", _("Reported to police")
    INVESTIGATION = "investigation", _("Under investigation")
    INDICTED = "indicted", _("Indicted")
    TRIAL = "trial", _("At trial")
    JUDGMENT = "judgment", _("Judgment")
    APPEAL = "appeal", _("Appeal")
    FINAL = "final", _("Final")
    CLOSED_NO_CHARGES = "closed_no_charges", _("Closed without charges")


class Track(models.TextChoices):
    IDENTIFICATION = "identification", _("Identification")
    PROTECTION = "protection", _("Protection")
    PROSECUTION = "prosecution", _("Prosecution")


_I, _P, _S = IdentificationStatus, ProtectionStatus, ProsecutionStatus

# Each track's status graph, as data: the allowed next states of every state.
# `cases.services.transition_track` is the only writer of the status fields.
TRACK_GRAPHS: dict[str, dict[str, set[str]]] = {
    Track.IDENTIFICATION: {
        _I.NOT_SCREENED: {_I.SCREENING},
        _I.SCREENING: {_I.AWAITING_DECISION, _I.NOT_SCREENED},
        _I.AWAITING_DECISION: {_I.IDENTIFIED, _I.NOT_IDENTIFIED},
        _I.IDENTIFIED: {_I.REVIEW_REQUESTED},
        _I.NOT_IDENTIFIED: {_I.REVIEW_REQUESTED},
        _I.REVIEW_REQUESTED: {_I.IDENTIFIED, _I.NOT_IDENTIFIED},
    },
    Track.PROTECTION: {
        _P.NEEDS_ASSESSMENT: {_P.IN_PROGRESS, _P.DECLINED, _P.TRANSFERRED},
        _P.IN_PROGRESS: {_P.COMPLETED, _P.DECLINED, _P.TRANSFERRED},
        _P.COMPLETED: {_P.IN_PROGRESS},
        _P.DECLINED: {_P.NEEDS_ASSESSMENT},
        _P.TRANSFERRED: set(),
    },
    Track.PROSECUTION: {
        _S.NOT_REPORTED: {_S.REPORTED},
        _S.REPORTED: {_S.INVESTIGATION, _S.CLOSED_NO_CHARGES},
        _S.INVESTIGATION: {_S.INDICTED, _S.CLOSED_NO_CHARGES},
        _S.INDICTED: {_S.TRIAL},
        _S.TRIAL: {_S.JUDGMENT},
        _S.JUDGMENT: {_S.APPEAL, _S.FINAL},
        _S.APPEAL: {_S.JUDGMENT, _S.FINAL},
        _S.FINAL: set(),
        _S.CLOSED_NO_CHARGES: set(),
    },
}

# The Case field that holds each track's current status.
TRACK_FIELDS = {
    Track.IDENTIFICATION: "identification_status",
    Track.PROTECTION: "protection_status",
    Track.PROSECUTION: "prosecution_status",
}


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> CaseQuerySet:
        """The cases a user may see: the single definition, used by every lookup.

        Supervisors and agency admins see their agency's cases; caseworkers the
        cases of their agency assigned to them; platform admins and anybody else
        none. (Cases shared through an accepted referral are a separate,
        section-limited scope, not part of this one.)
        """
        if not user.is_authenticated or user.agency_id is None:
            return self.none()
        own = self.filter(agency_id=user.agency_id)
        if user.sees_whole_agency:
            return own
        return own.filter(caseworkers=user)


class Case(models.Model):
    """One person's journey with the agency that owns the case."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSURE_REQUESTED = "closure_requested", _("Closure requested")
        CLOSED = "closed", _("Closed")

    agency = models.ForeignKey(
        "partners.Agency",
        verbose_name=_("owning agency"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    reference = models.CharField(_("reference number"), max_length=32, editable=False)
    person = models.ForeignKey(
        "victims.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    intake_date = models.DateField(_("intake date"), default=timezone.localdate)
    status = models.CharField(
        _("status"), max_length=32, choices=Status.choices, default=Status.OPEN, editable=False
    )
    identification_status = models.CharField(
        _("identification"),
        max_length=32,
        choices=IdentificationStatus.choices,
        default=IdentificationStatus.NOT_SCREENED,
        editable=False,
    )
    protection_status = models.CharField(
        _("protection"),
        max_length=32,
        choices=ProtectionStatus.choices,
        default=ProtectionStatus.NEEDS_ASSESSMENT,
        editable=False,
    )
    prosecution_status = models.CharField(
        _("prosecution"),
        max_length=32,
        choices=ProsecutionStatus.choices,
        default=ProsecutionStatus.NOT_REPORTED,
        editable=False,
    )
    caseworkers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned caseworkers"),
        related_name="assigned_cases",
        blank=True,
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervisor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervised_cases",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-intake_date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "reference"], name="cases_case_reference_unique_per_agency"
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class TrackTransition(models.Model):
    """One move on one track of a case: the timeline is made of these rows."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="transitions"
    )
    track = models.CharField(_("track"), max_length=32, choices=Track.choices)
    from_status = models.CharField(_("from"), max_length=32)
    to_status = models.CharField(_("to"), max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), blank=True, max_length=4000)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("track transition")
        verbose_name_plural = _("track transitions")
        ordering = ["-occurred_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.track}: {self.from_status} → {self.to_status}"

    def get_from_status_display(self) -> str:
        return _status_label(self.track, self.from_status)

    def get_to_status_display(self) -> str:
        return _status_label(self.track, self.to_status)


def _status_label(track: str, status: str) -> str:
    choices = {
        Track.IDENTIFICATION: IdentificationStatus,
        Track.PROTECTION: ProtectionStatus,
        Track.PROSECUTION: ProsecutionStatus,
        "case": Case.Status,
    }[track]
    return str(dict(choices.choices).get(status, status))
