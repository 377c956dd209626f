from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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
