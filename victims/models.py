from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from partners.models import ServiceType

if TYPE_CHECKING:
    from accounts.models import User


class PersonQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> PersonQuerySet:
        """The people a user may see: the single definition, used by every lookup.

        A person is visible with at least one case the user may see. A person
        registered at intake but not yet given a case is visible to whoever
        registered them and to their agency's supervisors and admins. Anybody
        else gets 404.
        """
        from cases.models import Case

        if not user.is_authenticated or user.agency_id is None:
            return self.none()
        with_visible_case = models.Q(pk__in=Case.objects.visible_to(user).values("person_id"))
        caseless = models.Q(agency_id=user.agency_id, cases__isnull=True)
        if not user.sees_whole_agency:
            caseless &= models.Q(created_by=user)
        return self.filter(with_visible_case | caseless).distinct()


class Person(models.Model):
    """A (possible) victim of trafficking, known by a pseudonymous code by default."""

    agency = models.ForeignKey(
        "partners.Agency",
        verbose_name=_("registering agency"),
        on_delete=models.PROTECT,
        related_name="persons",
    )
    code = models.CharField(_("code"), max_length=32, unique=True, editable=False)
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

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class ServiceItem(models.Model):
    """One service in a case's protection plan (shelter, legal aid, a permit, ...)."""

    class Status(models.TextChoices):
        # The cases closure rule relies on exactly these values.
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="service_items",
    )
    service_type = models.CharField(_("service"), max_length=32, choices=ServiceType.choices)
    provider = models.ForeignKey(
        "partners.Agency",
        verbose_name=_("provider agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True, max_length=4000)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["case", "created_at"]

    def __str__(self) -> str:
        return f"{self.get_service_type_display()} ({self.get_status_display()})"
