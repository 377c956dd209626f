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
    or countries). The person is the case's (no column of its own: one foreign-key
    check fewer per imported row).
    """

    source = models.CharField(_("source"), max_length=64)
    row_number = models.PositiveIntegerField(_("row number in the source"))
    case = models.OneToOneField(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="imported_record",
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


class FigureCount(models.Model):
    """One cell of the dashboard's summary cube (see reports/figures.py).

    `figure` names what is counted, `value` the row it counts for (a stage, a sex, an
    assignee, "2025-Q3:41" for durations); the keys are the dashboard's filters: the
    month of intake (empty: no intake date) and the exploitation filter value ("*" for
    no filter). A case of two types counts once under each of them and once under "*",
    so a filter reads exactly one key and sums over months; `all_months` marks a
    figure's sum over every month, which an unfiltered dashboard reads instead. The
    stored cube has caseworker 0 only: a dashboard filtered by caseworker counts live
    cells of the same shape, keyed by the caseworker's id.
    """

    agency = models.ForeignKey(
        "partners.Agency",
        verbose_name=_("agency"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # no index of its own: reports_figure_by leads with it
    )
    figure = models.CharField(_("figure"), max_length=32)
    month = models.DateField(_("month of intake"), null=True, blank=True)
    # People only: the month of the person's previous case under the same keys (see
    # reports/figures.py), so a date range counts each person once.
    prev_month = models.DateField(_("previous month"), null=True, blank=True)
    exploitation = models.CharField(_("exploitation filter"), max_length=32)
    caseworker = models.PositiveIntegerField(_("caseworker filter"), default=0)
    value = models.CharField(_("value"), max_length=64, blank=True)
    all_months = models.BooleanField(_("every month"), default=False)
    n = models.PositiveIntegerField(_("count"))

    class Meta:
        verbose_name = _("figure count")
        verbose_name_plural = _("figure counts")
        indexes = [
            models.Index(
                fields=["agency", "all_months", "exploitation", "figure"],
                name="reports_figure_filters",
            ),
            models.Index(fields=["agency", "figure", "exploitation"], name="reports_figure_by"),
            # A dashboard filtered by dates: each figure's cells in the months asked for.
            models.Index(
                fields=["agency", "exploitation", "figure", "month"],
                condition=models.Q(all_months=False),
                name="reports_figure_months",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.figure} {self.value}: {self.n}"


class FigureRefresh(models.Model):
    """When an agency's summary cube was last computed, and for which day."""

    agency = models.OneToOneField(
        "partners.Agency", verbose_name=_("agency"), on_delete=models.CASCADE, related_name="+"
    )
    refreshed_at = models.DateTimeField(_("refreshed"))
    as_of = models.DateField(_("figures as of"))

    class Meta:
        verbose_name = _("figure refresh")
        verbose_name_plural = _("figure refreshes")

    def __str__(self) -> str:
        return f"{self.agency_id} @ {self.refreshed_at:%Y-%m-%d %H:%M}"
