from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportedRecordQuerySet(models.QuerySet):
    def for_cases(self, cases: models.QuerySet) -> ImportedRecordQuerySet:
        """Imported rows of the given (already scoped) cases: the scope is the caller's."""
        return self.filter(case__in=cases.values("pk"))


class ImportedRecord(models.Model):
    """Where an imported case came from, and the source values Harbor has no field for.

    One row per source row: `(source, row_number)` is unique, so a second import of
    the same file finds every row already there and creates nothing. Banded years
    and regions are kept exactly as the source wrote them (never turned into dates
    or countries).
    """

    source = models.CharField(_("source"), max_length=64)
    row_number = models.PositiveIntegerField(_("row number in the source"))
    case = models.OneToOneField(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="imported_record",
    )
    person = models.ForeignKey(
        "victims.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="imported_records",
    )
    year_band = models.CharField(_("year of registration (band)"), max_length=16, blank=True)
    majority_status = models.CharField(_("adult or minor"), max_length=8, blank=True)
    origin_region = models.CharField(_("region of origin"), max_length=64, blank=True)
    exploitation_region = models.CharField(_("region of exploitation"), max_length=64, blank=True)
    perpetrator = models.JSONField(_("perpetrator columns as imported"), default=dict, blank=True)
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)

    objects = ImportedRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("imported record")
        verbose_name_plural = _("imported records")
        ordering = ["source", "row_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "row_number"], name="reports_imported_row_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} #{self.row_number}"
