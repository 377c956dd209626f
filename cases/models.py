from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from accounts.models import User


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
