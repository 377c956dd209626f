from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from typing import Any, Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce, Least
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from accounts.models import User, UserQuerySet
from crypto import EncryptedCharField, EncryptedTextField
from crypto.files import WrappedKeyField
from listing import AmongIds, ChoiceLabels, RowExists
from locking.models import CreatedModel, VersionedModel
from partners.models import ServiceType
from policy import SUPERVISES, can
from workflow import Graph, TransitionRecord


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
    # The case's own status (open → closure requested → closed) shares the writer
    # and the history table; only the closure services move it (never the track form).
    CASE = "case", _("Case status")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSURE_REQUESTED = "closure_requested", _("Closure requested")
    CLOSED = "closed", _("Closed")


# The three tracks a caseworker moves from the case page.
WORK_TRACKS = (Track.IDENTIFICATION, Track.PROTECTION, Track.PROSECUTION)

# An identification decision has been taken in these states (closure needs one).
IDENTIFICATION_DECIDED = (IdentificationStatus.IDENTIFIED, IdentificationStatus.NOT_IDENTIFIED)
# An authority's decision (first or on review) is awaited in these states: CaseQuerySet
# .awaiting_decision() is the one reader, for the case list, My work and the dashboard.
IDENTIFICATION_AWAITING = (
    IdentificationStatus.AWAITING_DECISION,
    IdentificationStatus.REVIEW_REQUESTED,
)


_I, _P, _S = IdentificationStatus, ProtectionStatus, ProsecutionStatus

# Each track's status graph, as data: the allowed next states of every state.
# `cases.services.transition_track` (through `workflow.move`) is the only writer of
# the status fields. "Identified" and "not identified" are guarded: only a recorded
# identification decision (victims.services) enters them.
TRACK_GRAPHS: dict[str, Graph] = {
    Track.IDENTIFICATION: Graph.build(
        "identification",
        "identification_status",
        {
            _I.NOT_SCREENED: {_I.SCREENING},
            _I.SCREENING: {_I.AWAITING_DECISION, _I.NOT_SCREENED},
            _I.AWAITING_DECISION: {_I.IDENTIFIED, _I.NOT_IDENTIFIED},
            _I.IDENTIFIED: {_I.REVIEW_REQUESTED},
            _I.NOT_IDENTIFIED: {_I.REVIEW_REQUESTED},
            _I.REVIEW_REQUESTED: {_I.IDENTIFIED, _I.NOT_IDENTIFIED},
        },
        guarded=IDENTIFICATION_DECIDED,
    ),
    Track.PROTECTION: Graph.build(
        "protection",
        "protection_status",
        {
            _P.NEEDS_ASSESSMENT: {_P.IN_PROGRESS, _P.DECLINED, _P.TRANSFERRED},
            _P.IN_PROGRESS: {_P.COMPLETED, _P.DECLINED, _P.TRANSFERRED},
            _P.COMPLETED: {_P.IN_PROGRESS},
            _P.DECLINED: {_P.NEEDS_ASSESSMENT},
            _P.TRANSFERRED: set(),
        },
    ),
    Track.PROSECUTION: Graph.build(
        "prosecution",
        "prosecution_status",
        {
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
    ),
    # Moved only by the closure services (request, approve, return, reopen).
    Track.CASE: Graph.build(
        "case",
        "status",
        {
            CaseStatus.OPEN: {CaseStatus.CLOSURE_REQUESTED},
            CaseStatus.CLOSURE_REQUESTED: {CaseStatus.CLOSED, CaseStatus.OPEN},
            CaseStatus.CLOSED: {CaseStatus.OPEN},
        },
    ),
}

# The Case field that holds each track's current status (read from the graphs).
TRACK_FIELDS = {track: graph.field for track, graph in TRACK_GRAPHS.items()}


class Source(models.TextChoices):
    RESCUE = "rescue", _("Rescue operation")
    HOTLINE = "hotline", _("Hotline")
    POLICE = "police", _("Police referral")
    EMBASSY = "embassy", _("Embassy")
    NGO_OUTREACH = "ngo_outreach", _("NGO outreach")
    SELF = "self", _("Self-referral")
    OTHER = "other", _("Other")


class ExploitationType(models.TextChoices):
    FORCED_CRIMINALITY = "forced_criminality", _("Forced criminality")
    FORCED_LABOUR = "forced_labour", _("Forced labour")
    SEXUAL = "sexual", _("Sexual exploitation")
    FORCED_MARRIAGE = "forced_marriage", _("Forced marriage")
    DOMESTIC_SERVITUDE = "domestic_servitude", _("Domestic servitude")
    ORGAN_REMOVAL = "organ_removal", _("Organ removal")
    CHILD = "child", _("Child exploitation")
    OTHER = "other", _("Other")


class CriminalitySubtype(models.TextChoices):
    ONLINE_FRAUD = "online_fraud", _("Online fraud (scam operations)")
    MONEY_LAUNDERING = "money_laundering", _("Money laundering / money mule")
    DRUGS = "drugs", _("Drug cultivation or trafficking")
    THEFT = "theft", _("Theft or pickpocketing")
    BEGGING = "begging", _("Forced begging")
    OTHER = "other", _("Other crime")


class LabourIndustry(models.TextChoices):
    # HTCDS industries (ISIC sections), the ones seen most in casework.
    AGRICULTURE = "agriculture", _("Agriculture, forestry and fishing")
    FISHING = "fishing", _("Fishing at sea")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    CONSTRUCTION = "construction", _("Construction")
    MINING = "mining", _("Mining and quarrying")
    HOSPITALITY = "hospitality", _("Accommodation and food service")
    DOMESTIC_WORK = "domestic_work", _("Domestic work in households")
    CARE = "care", _("Care work")
    TRANSPORT = "transport", _("Transportation and storage")
    CLEANING = "cleaning", _("Cleaning and other services to buildings")
    OTHER = "other", _("Other industry")


class RecruitmentMethod(models.TextChoices):
    JOB_AD = "job_ad", _("Job advertisement")
    SOCIAL_MEDIA = "social_media", _("Social media")
    MESSAGING_APP = "messaging_app", _("Messaging app")
    BROKER = "broker", _("Broker or recruitment agency")
    ACQUAINTANCE = "acquaintance", _("Acquaintance or friend")
    FAMILY = "family", _("Family member")
    OTHER = "other", _("Other")


class ControlMethod(models.TextChoices):
    # HTCDS 2.0 "Methods of control".
    DEBT_BONDAGE = "debt_bondage", _("Debt bondage")
    TAKES_EARNINGS = "takes_earnings", _("Takes earnings")
    RESTRICTS_FINANCIAL_ACCESS = "restricts_financial_access", _("Restricts financial access")
    THREATS = "threats", _("Threats")
    PSYCHOLOGICAL_ABUSE = "psychological_abuse", _("Psychological abuse")
    PHYSICAL_ABUSE = "physical_abuse", _("Physical abuse (violence)")
    SEXUAL_ABUSE = "sexual_abuse", _("Sexual abuse")
    FALSE_PROMISES = "false_promises", _("False promises")
    PSYCHOACTIVE_SUBSTANCES = "psychoactive_substances", _("Psychoactive substances")
    RESTRICTS_MOVEMENT = "restricts_movement", _("Restricts movement (confinement)")
    RESTRICTS_MEDICAL_CARE = "restricts_medical_care", _("Restricts medical care")
    EXCESSIVE_WORKING_HOURS = "excessive_working_hours", _("Excessive working hours")
    USES_CHILDREN = "uses_children", _("Uses children")
    THREAT_OF_LAW_ENFORCEMENT = "threat_of_law_enforcement", _("Threat of law enforcement")
    WITHHOLDS_NECESSITIES = "withholds_necessities", _("Withholds necessities")
    WITHHOLDS_DOCUMENTS = "withholds_documents", _("Withholds documents")
    OTHER = "other", _("Other")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class ProsecutionRole(models.TextChoices):
    NONE = "", _("None yet")
    COMPLAINANT = "complainant", _("Complainant")
    WITNESS = "witness", _("Witness")
    COMPLAINANT_WITNESS = "complainant_witness", _("Complainant and witness")


class ArchivableQuerySet(models.QuerySet):
    """The archive rule of a record that "Delete" archives (a case, a person, an attachment).

    `active()` is the one definition of "not archived": every `visible_to` starts from
    it, so an archived record answers 404 on every page and is in no list or count.
    Only the archive list (a supervisor's, to restore) reads `archived()`.
    """

    def active(self) -> Self:
        """Not archived: the records every scope, list and count starts from."""
        return self.filter(archived_at__isnull=True)

    # The path from the record to its owning agency (the archive list's scope).
    agency_field = "agency_id"

    def archived(self) -> Self:
        """Archived: only the supervisor's archive list and the restore views read these."""
        return self.filter(archived_at__isnull=False)

    def archived_for(self, user: User) -> Self:
        """The archived records a user may list and restore: their agency's, if they
        supervise (policy.SUPERVISES); nobody else's, and nothing for anybody else."""
        if not can(user, SUPERVISES) or user.agency_id is None:
            return self.none()
        return self.archived().filter(**{self.agency_field: user.agency_id})


class Archivable(models.Model):
    """Who archived the record, when and why; written only by cases.services.archive_record.

    The reason may describe the person, so it is encrypted; the audit row holds ids only.
    """

    archived_at = models.DateTimeField(_("archived"), null=True, blank=True, editable=False)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("archived by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # who wrote it: tests/test_redundant_indexes.py
    )
    archive_reason = EncryptedTextField(
        _("reason for archiving"), blank=True, editable=False, max_length=4000
    )

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


def risk_rank() -> models.Case:
    """A case's risk in severity order, for sorting (the stored values sort alphabetically):
    the case list's "Risk" order and the index that serves it (Case.Meta)."""
    return models.Case(
        *(
            models.When(risk_level=level, then=rank)
            for rank, level in enumerate(RiskLevel.values, start=1)
        ),
        default=0,
        output_field=models.IntegerField(),
    )


class CaseQuerySet(ArchivableQuerySet):
    def active(self) -> Self:
        """Neither archived nor the case of an archived person.

        Archiving a person hides their cases with them (the cases keep their own
        archive fields empty, so restoring the person brings them back whole).
        """
        return self.unarchived().filter(person__archived_at__isnull=True)

    def unarchived(self) -> Self:
        """Not archived themselves; the person's archive is left to the caller (a person's
        own scope, which checks the person row). Everybody else reads `active()`."""
        return super().active()

    def visible_to(self, user: User) -> CaseQuerySet:
        """The cases a user may see: the single definition, used by every lookup.

        Supervisors and agency admins see their agency's cases; caseworkers the
        cases of their agency assigned to them; platform admins and anybody else
        none. Archived cases (and the cases of archived people) are nobody's: see
        `active()`. (Cases shared through an accepted referral are a separate,
        section-limited scope, not part of this one.)
        """
        return self.active().of_agency_scope(user)

    def of_agency_scope(self, user: User) -> CaseQuerySet:
        """`visible_to` without the archive rule: the cases of the user's agency, and for a
        caseworker those assigned to them. Only for a caller that applies the archive rule
        itself (a person's scope, whose person row is already checked): a subquery that
        joins no person is a cheap index probe."""
        if not user.is_authenticated or user.agency_id is None:
            return self.none()
        own = self.filter(agency_id=user.agency_id)
        if user.sees_whole_agency:
            return own
        return own.filter(caseworkers=user)

    # The named rules below are the only definitions of "open", "awaiting decision",
    # "overdue" and "expiring permit" for cases: lists, filters, My work and the
    # dashboard call them (tests/cases/test_named_rules.py). Dates default to the
    # local today; a caller showing several figures passes one `today` to all.

    def open(self) -> CaseQuerySet:
        """Not closed: open or closure requested."""
        return self.exclude(status=CaseStatus.CLOSED)

    def closed(self) -> CaseQuerySet:
        """Closed by a supervisor's approval: exactly the cases open() leaves out."""
        return self.filter(status=CaseStatus.CLOSED)

    def awaiting_decision(self) -> CaseQuerySet:
        """Open cases whose identification awaits an authority's decision or review."""
        return self.open().filter(identification_status__in=IDENTIFICATION_AWAITING)

    # Rules on a case's rows are correlated EXISTS (never `pk IN (subquery)`): PostgreSQL
    # probes an index per case instead of materialising the subquery once per row when
    # it outgrows work_mem (issue 12). The permit rules probe row by row (RowExists):
    # a permit's type and expiry are correlated, so PostgreSQL counts one permit in
    # thirteen and hashes every permit of the country before the first case (1.4 s for
    # the 40th page of a million cases; 0.11 s probing case by case along the list).

    def with_overdue_tasks(self, today: datetime.date | None = None) -> CaseQuerySet:
        """Cases with at least one overdue task (TaskQuerySet.overdue)."""
        return self.filter(
            models.Exists(Task.objects.overdue(today).filter(case_id=models.OuterRef("pk")))
        )

    def with_expiring_permits(self, today: datetime.date | None = None) -> CaseQuerySet:
        """Cases with a permit expiring soon or already expired
        (ServiceItemQuerySet.expiring_permits): their earliest permit expiry is that soon."""
        return self.filter(first_permit_expiry__lte=permit_warning_limit(today))

    def with_expired_permits(self, today: datetime.date | None = None) -> CaseQuerySet:
        """Cases with an expired permit (ServiceItemQuerySet.expired_permits): their
        earliest permit expiry has passed."""
        return self.filter(first_permit_expiry__lt=today or timezone.localdate())

    def assigned_to(
        self, user: User, *, open_only: bool = False, per_row: bool = False
    ) -> CaseQuerySet:
        """Cases the user works: assigned as caseworker or named supervisor (no DISTINCT).

        The ids come from two indexes, the supervisor's and the assignments', as one small
        set joined to the cases: no walk through the whole agency testing an OR on every
        case. `open_only` (after `open()`) reads the supervisor's ids from the open cases'
        partial index alone: this queryset's scope is applied to the set once, not again
        inside it (a person probe per supervised case: My work's cases at 1,000,000 cases
        took 23 ms, 14 without).

        `per_row` tests each case row instead (its supervisor column, else the assignments'
        index): for a subquery that probes one case by key, where the id set was a second
        probe of the case after its person's (a supervisor's recent changes at 1,000,000
        cases: 43 ms, 25 per row).
        """
        if per_row:
            assignment = Case.caseworkers.through.objects.filter(
                user_id=user.pk, case_id=models.OuterRef("pk")
            )
            return self.filter(models.Q(supervisor=user) | models.Q(RowExists(assignment)))
        among = Case.objects.unarchived().open() if open_only else self
        return self.filter(pk__in=among.ids_worked_by(user))

    def case_of_row_visible(
        self, user: User, column: str = "case_id", *, own_rows: bool = False
    ) -> models.Q:
        """A row's case (its `column`) is one the user may see: the condition for the rows
        of cases (services, decisions, referrals), after the caller's filter on the
        agency column the row carries. Each row's case is probed by key; for a caseworker
        the ids of the cases they work (two indexes, no scope) narrow the rows first, so
        a few hundred cases never mean reading a national agency's rows (issue 12).

        `own_rows`: the caller's own filter already keeps a few rows of the user's (the
        tasks assigned to them), each then probed alone: the ids would read every row of
        their cases to keep those (a caseworker's overdue tasks at 1,000,000 cases: the
        1,070 tasks of their 770 cases read to keep 46, 4.4 ms; probed alone, 0.8 ms)."""
        probe = models.Q(RowExists(self.visible_to(user).filter(pk=models.OuterRef(column))))
        if user.sees_whole_agency or own_rows:
            return probe
        return models.Q(AmongIds(column, self.ids_worked_by(user))) & probe

    def worked_by_each(self, user: User) -> tuple[CaseQuerySet, CaseQuerySet]:
        """The cases of this queryset the user works, as `assigned_to`'s two sets apart:
        those they supervise, those assigned to them. For a caller that walks each set in
        its own order and merges them (My work's cases, selectors.my_cases_panel)."""
        return self.filter(supervisor=user), self.filter(caseworkers=user)

    def ids_worked_by(self, user: User) -> models.QuerySet:
        """The ids of the cases the user supervises (narrowed by this queryset's filters)
        or is assigned to, from those two indexes alone; no scope, no archive rule: only
        for a caller that applies `visible_to` too (`assigned_to`, My work's recent changes)."""
        supervised, assigned = self._worked_id_sets(user)
        return supervised.union(assigned, all=True)

    def case_of_row_worked_by(self, user: User, column: str = "case_id") -> models.Q:
        """A row's case (its `column`) is one the user supervises or is assigned to: the
        two id sets of `ids_worked_by`, each tested as a set. PostgreSQL hashes each once
        (an OR keeps them apart), so a walk through many rows tests each row in memory:
        a supervisor named on 7,000 cases found ten of them among a national agency's
        4,000 newest moves in 7 ms, where probing each move's case took 22 ms (issue 12).
        No scope, no archive rule, as `ids_worked_by`."""
        supervised, assigned = self._worked_id_sets(user)
        return models.Q(**{f"{column}__in": supervised}) | models.Q(**{f"{column}__in": assigned})

    def _worked_id_sets(self, user: User) -> tuple[models.QuerySet, models.QuerySet]:
        supervised = self.filter(supervisor=user).order_by().values("pk")
        assigned = Case.caseworkers.through.objects.filter(user_id=user.pk).order_by()
        return supervised, assigned.values("case_id")

    def with_row_flags(self, cases: Iterable[Case]) -> list[Case]:
        """The loaded cases with `with_flags()`'s two flags set on each: one query for the
        ids on a page, never the flags of every row a list sorts and counts."""
        rows = list(cases)
        flags = {
            pk: (exposure, overdue)
            for pk, exposure, overdue in self.filter(pk__in=[case.pk for case in rows])
            .order_by()
            .with_flags()
            .values_list("pk", "has_criminal_exposure", "has_overdue_tasks")
        }
        for case in rows:
            exposure, overdue = flags.get(case.pk, (False, False))
            vars(case).update(has_criminal_exposure=exposure, has_overdue_tasks=overdue)
        return rows

    def with_flags(self) -> CaseQuerySet:
        """Annotate `has_criminal_exposure` and `has_overdue_tasks` (one query, any size)."""
        return self.annotate(
            has_criminal_exposure=models.Exists(
                CriminalExposure.objects.filter(case=models.OuterRef("pk"))
            ),
            has_overdue_tasks=models.Exists(
                Task.objects.overdue().filter(case=models.OuterRef("pk"))
            ),
        )

    def for_panel(self) -> CaseQuerySet:
        """What a My work row shows, for the few ids a panel already cut: the person, the
        caseworkers (who may see the person's name) and the two flags, in one query and
        one prefetch (the list's row adds exploitations, supervisor and risk sorting)."""
        return self.select_related("person").prefetch_related("caseworkers").with_flags()

    def for_page(self) -> CaseQuerySet:
        """What the case page reads of the case beside its own rows: its agency, person,
        supervisor and caseworkers, with the case (each was read lazily before, the
        caseworkers twice)."""
        return self.select_related("agency", "person", "supervisor").prefetch_related("caseworkers")

    def ranked(self) -> CaseQuerySet:
        """With `risk_rank`, which the case list's "Risk" order sorts by."""
        return self.annotate(risk_rank=risk_rank())

    def for_list(self) -> CaseQuerySet:
        """What a list row shows, in a fixed number of queries whatever the length (the
        flags come after the page is cut: `with_row_flags`)."""
        return (
            self.ranked()
            .select_related("person", "supervisor")
            .prefetch_related("caseworkers", "exploitations")
        )


class Case(ChoiceLabels, CreatedModel, VersionedModel, Archivable):
    """One person's journey with the agency that owns the case."""

    Status = CaseStatus

    agency = models.ForeignKey(
        "partners.Agency",
        verbose_name=_("owning agency"),
        on_delete=models.PROTECT,
        related_name="cases",
        # The unique (agency, reference) constraint and the indexes below lead with it:
        # a plain index of its own would only slow every insert.
        db_index=False,
    )
    reference = models.CharField(_("reference number"), max_length=32, editable=False)
    person = models.ForeignKey(
        "victims.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,  # Meta.indexes: cases_case_person, which covers the scope's columns
    )
    # Nullable only for imported reference data that has banded years (reports.ctdc);
    # blank=False keeps every staff form requiring it.
    intake_date = models.DateField(_("intake date"), null=True, default=timezone.localdate)
    # The earliest expiry of the permits the case holds (ServiceItemQuerySet.permits), a
    # copy its permits write (ServiceItem.save, copy_permit_expiry): the case list's
    # permit filters walk the cases that hold one (cases_case_agency_permits) instead
    # of probing every case's services (issue 12).
    first_permit_expiry = models.DateField(
        _("earliest permit expiry"), null=True, blank=True, editable=False
    )
    source = models.CharField(
        _("source"), max_length=32, choices=Source.choices, default=Source.OTHER
    )
    recruitment_method = models.CharField(
        _("recruitment method"), max_length=32, choices=RecruitmentMethod.choices, blank=True
    )
    recruitment_channel = EncryptedCharField(
        _("recruitment channel"),
        max_length=100,
        blank=True,
        help_text=_("Which app, platform or agency, e.g. the messaging app used."),
    )
    methods_of_control = models.JSONField(_("methods of control"), default=list, blank=True)
    countries_of_recruitment = CountryField(
        _("countries of recruitment"), multiple=True, blank=True
    )
    countries_of_transit = CountryField(_("countries of transit"), multiple=True, blank=True)
    countries_of_exploitation = CountryField(
        _("countries of exploitation"), multiple=True, blank=True
    )
    place_description = EncryptedTextField(
        _("place of exploitation"),
        max_length=4000,
        blank=True,
        help_text=_("A free description of the place, e.g. a scam compound."),
    )
    risk_level = models.CharField(
        _("risk level"), max_length=16, choices=RiskLevel.choices, default=RiskLevel.MEDIUM
    )
    prosecution_role = models.CharField(
        _("person's role in proceedings"),
        max_length=32,
        choices=ProsecutionRole.choices,
        blank=True,
    )
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
        db_index=False,  # no index of its own: cases_case_supervisor leads with it
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-intake_date", "-pk"]
        indexes = [
            # A person's cases, with the columns a person's visibility and the people list's
            # intake filters test (PersonQuerySet.visible_to, PersonFilter): each probe
            # reads the index alone, never the case row (issue 12: "intake until" on a
            # national agency's people list, 233 -> 210 ms, or 160 -> 130 ms, by the plan
            # PostgreSQL's statistics choose).
            # A person's cases from the index alone, their ids too: a list filtered on the
            # cases' exploitation probes each one's types by case id (an agency's people
            # with none recorded at 1,000,000 cases: 13,789 people walked, 13.3 -> 10.1 ms).
            models.Index(
                fields=["person"],
                include=["agency", "archived_at", "intake_date", "id"],
                name="cases_case_person",
            ),
            # The case list's default order within the agency (its scope), archived left out;
            # and its "last change" sort.
            models.Index(
                fields=["agency", "-intake_date", "-id"],
                condition=models.Q(archived_at__isnull=True),
                name="cases_case_agency_intake",
            ),
            models.Index(
                fields=["agency", "-updated_at", "-id"],
                condition=models.Q(archived_at__isnull=True),
                name="cases_case_agency_updated",
            ),
            # The case list filtered on a permit expired or expiring, in its default order:
            # the one case in eight that holds a permit, its expiry read from the index.
            models.Index(
                fields=["agency", "-intake_date", "-id"],
                include=["first_permit_expiry"],
                condition=models.Q(archived_at__isnull=True, first_permit_expiry__isnull=False),
                name="cases_case_agency_permits",
            ),
            # The status filter, and the sort by status (ties in id order: listing's
            # OrderingFilter).
            models.Index(fields=["agency", "status", "id"], name="cases_case_agency_status_id"),
            # The sort by risk, in severity order (ties in id order).
            models.Index(
                models.F("agency"),
                risk_rank(),
                models.F("id"),
                condition=models.Q(archived_at__isnull=True),
                name="cases_case_agency_risk",
            ),
            # The supervisor inbox's closure requests, oldest first: a few rows of a national
            # agency, which the order of either index above would find only after reading
            # tens of thousands (issue 12).
            models.Index(
                fields=["agency", "updated_at", "id"],
                condition=models.Q(archived_at__isnull=True, status=CaseStatus.CLOSURE_REQUESTED),
                name="cases_case_closure_requested",
            ),
            # The supervisor's archive list (victims.views.archive_list), newest first: the
            # few archived cases of an agency, which a scan of every case found (issue 12).
            models.Index(
                fields=["agency", "-archived_at", "-id"],
                condition=models.Q(archived_at__isnull=False),
                name="cases_case_archived",
            ),
            # The ids of the cases a user supervises (ids_worked_by), from the index alone:
            # a supervisor named on 7,000 cases read 7,000 rows of the table to count
            # them (7.0 -> 0.9 ms at 1,000,000 cases).
            models.Index(fields=["supervisor", "id"], name="cases_case_supervisor"),
            # My work's open cases of their named supervisor, in the list's order
            # (selectors.my_cases_panel), their ids from the index alone too (assigned_to
            # after open()).
            models.Index(
                fields=["supervisor", "-intake_date", "-id"],
                condition=models.Q(archived_at__isnull=True) & ~models.Q(status=CaseStatus.CLOSED),
                name="cases_case_supervisor_open",
            ),
            # A scope's probe of a row's case (`active()` by id: a referral's, an MLA
            # request's), answered from the index alone: a case that is not archived, its
            # person (whose own probe is victims_person_live) and its agency. The referral
            # and MLA lists probe up to 1,001 cases for their capped count: 7.9 -> 4.3 ms
            # at 1,000,000 cases (issue 12).
            models.Index(
                fields=["id"],
                include=["person", "agency"],
                condition=models.Q(archived_at__isnull=True),
                name="cases_case_live",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "reference"], name="cases_case_reference_unique_per_agency"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A saved case writes every column but its copy of its permits' earliest expiry,
        which only copy_permit_expiry writes: a case read before one of its permits
        changed must not write the old copy back."""
        if _saves_whole(self, args, kwargs):
            kwargs["update_fields"] = _CASE_COLUMNS_BUT_THE_COPY
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("cases:detail", args=[self.pk])

    def get_methods_of_control_display(self) -> list[str]:
        labels = dict(ControlMethod.choices)
        return [str(labels.get(value, value)) for value in self.methods_of_control]

    @property
    def is_closed(self) -> bool:
        """Closed: pages hide every write form (`services.ensure_case_open` refuses them)."""
        return self.status == CaseStatus.CLOSED

    def works_on(self, user: User) -> bool:
        """Whether the user works this case: its supervisor or one of its caseworkers.

        The one rule for who sees the person's name where work happens (victims'
        `person_name` tag). Lists prefetch `caseworkers` so this costs no query per row;
        a page of many people reads it as a queryset, `assigned_to` (the search), which
        tests/cases/test_named_rules.py holds to the same answer.
        """
        if user.pk is None:
            return False
        return self.supervisor_id == user.pk or any(
            caseworker.pk == user.pk for caseworker in self.caseworkers.all()
        )

    def task_assignees(self, actor: User | None = None) -> UserQuerySet:
        """Who a task of this case may be given to: the active staff of its agency who work
        it (its caseworkers, its supervisor) and the person adding it.

        A task is seen through its case's scope, so anybody else might never see it; and
        the case page's dropdown stays a handful of names, not a national agency's staff.
        """
        team = models.Q(pk=self.supervisor_id) | models.Q(
            pk__in=Case.caseworkers.through.objects.filter(case_id=self.pk).values("user_id")
        )
        if actor is not None and actor.pk is not None:
            team |= models.Q(pk=actor.pk)
        return User.objects.active().in_agency(self.agency_id).filter(team)

    def has_active_service(self) -> bool:
        """A protection service still planned or in progress (ServiceItemQuerySet.open)."""
        return self.service_items.open().exists()

    def closure_blockers(self) -> list[str]:
        """Why the case should not close yet; a supervisor may override with a reason."""
        blockers = []
        if self.has_active_service():
            blockers.append(str(_("A protection service is still planned or in progress.")))
        if self.identification_status not in IDENTIFICATION_DECIDED:
            blockers.append(str(_("The identification decision has not been recorded.")))
        return blockers


def _saves_whole(instance: models.Model, args: tuple, kwargs: dict[str, Any]) -> bool:
    """Whether this save of a stored row would write every column (no update_fields)."""
    return not (
        instance._state.adding
        or args
        or kwargs.get("update_fields") is not None
        or kwargs.get("force_insert")
    )


# What a full save of a case writes (Case.save): every column but the permits' copy.
_CASE_COLUMNS_BUT_THE_COPY = [
    field.attname
    for field in Case._meta.concrete_fields
    if not field.primary_key and field.attname != "first_permit_expiry"
]


class CaseSequence(models.Model):
    """The last reference number handed out per agency and year (locked to allocate)."""

    agency = models.ForeignKey(
        "partners.Agency",
        verbose_name=_("agency"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # no index of its own: cases_sequence_unique leads with it
    )
    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("case reference sequence")
        verbose_name_plural = _("case reference sequences")
        constraints = [
            models.UniqueConstraint(fields=["agency", "year"], name="cases_sequence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}-{self.year}: {self.last_number}"


class CaseExploitation(ChoiceLabels, models.Model):
    """One type of exploitation the case involves (a case may have several)."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="exploitations"
    )
    type = models.CharField(_("type"), max_length=32, choices=ExploitationType.choices)
    subtype = models.CharField(
        _("crime the person was forced into"),
        max_length=32,
        choices=CriminalitySubtype.choices,
        blank=True,
    )
    industry = models.CharField(
        _("industry"), max_length=32, choices=LabourIndustry.choices, blank=True
    )

    class Meta:
        verbose_name = _("type of exploitation")
        verbose_name_plural = _("types of exploitation")
        ordering = ["type", "subtype", "industry"]

    def __str__(self) -> str:
        # Lists show one per row: the enums' labels, not get_FOO_display(), which rebuilds
        # (and so translates) the field's whole choice list on every call.
        detail = _choice_label(CriminalitySubtype, self.subtype) or _choice_label(
            LabourIndustry, self.industry
        )
        label = _choice_label(ExploitationType, self.type)
        return f"{label} ({detail})" if detail else label


class TrackTransition(TransitionRecord):
    """One move on one track of a case: the timeline is made of these rows."""

    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="transitions",
        db_index=False,  # no index of its own: cases_transition_case leads with it
    )
    track = models.CharField(_("track"), max_length=32, choices=Track.choices)
    override_reason = EncryptedTextField(
        _("reason for overriding closure rules"), blank=True, max_length=4000
    )

    class Meta(TransitionRecord.Meta):
        verbose_name = _("track transition")
        verbose_name_plural = _("track transitions")
        indexes = [
            # My work's recent changes: the newest moves first.
            models.Index(fields=["-occurred_at", "-id"], name="cases_transition_recent"),
            # A case's timeline, newest first: read from its own rows, never by walking the
            # newest moves of every case until fifty of this one turn up.
            models.Index(fields=["case", "-occurred_at", "-id"], name="cases_transition_case"),
        ]

    def __str__(self) -> str:
        return f"{self.track}: {self.from_status} → {self.to_status}"

    def get_from_status_display(self) -> str:
        return _status_label(self.track, self.from_status)

    def get_to_status_display(self) -> str:
        return _status_label(self.track, self.to_status)


def _choice_label(choices: type[models.TextChoices], value: str) -> str:
    """The label of a stored value; the value itself if it is not (or no longer) a choice."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _status_label(track: str, status: str) -> str:
    statuses: dict[str, type[models.TextChoices]] = {
        Track.IDENTIFICATION: IdentificationStatus,
        Track.PROTECTION: ProtectionStatus,
        Track.PROSECUTION: ProsecutionStatus,
        Track.CASE: CaseStatus,
    }
    choices = statuses[track]
    return str(dict(choices.choices).get(status, status))


class ProceedingStage(models.TextChoices):
    """Where a shared criminal proceeding stands (the statistics read these)."""

    INVESTIGATION = "investigation", _("Under investigation")
    INDICTED = "indicted", _("Prosecuted (indicted)")
    TRIAL = "trial", _("At trial")
    JUDGED = "judged", _("Judged (not final)")
    FINAL = "final", _("Final judgment")
    CLOSED_NO_INDICTMENT = "closed_no_indictment", _("Closed without indictment")


_PS = ProceedingStage

# A proceeding's stage graph: `cases.services.move_proceeding_stage` (through
# `workflow.move`) is its only writer. A judgment appealed goes back to trial at the
# next instance; a closed investigation may be reopened.
PROCEEDING_GRAPH = Graph.build(
    "proceeding",
    "stage",
    {
        _PS.INVESTIGATION: {_PS.INDICTED, _PS.CLOSED_NO_INDICTMENT},
        _PS.INDICTED: {_PS.TRIAL},
        _PS.TRIAL: {_PS.JUDGED},
        _PS.JUDGED: {_PS.TRIAL, _PS.FINAL},
        _PS.FINAL: set(),
        _PS.CLOSED_NO_INDICTMENT: {_PS.INVESTIGATION},
    },
)

# Indicted or later: "prosecuted" in every count.
PROSECUTED_STAGES = (_PS.INDICTED, _PS.TRIAL, _PS.JUDGED, _PS.FINAL)


class ProceedingExploitation(models.TextChoices):
    """The exploitation the proceeding is about (one per proceeding, for statistics)."""

    SEXUAL = "sexual", _("Sexual exploitation")
    LABOUR = "labour", _("Labour exploitation")
    SEXUAL_AND_LABOUR = "sexual_and_labour", _("Sexual and labour exploitation")
    FORCED_CRIMINALITY = "forced_criminality", _("Forced criminality")


class CourtInstance(models.IntegerChoices):
    """The court deciding; a higher number is a later instance (an appeal)."""

    DISTRICT = 1, _("District court")
    HIGH = 2, _("High court")
    SUPREME = 3, _("Supreme court")


class LegalProceedingQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> LegalProceedingQuerySet:
        """The proceedings a user may read: those linked to a case they may see
        (Case.visible_to, whichever agency owns the proceeding), and, for supervisors
        and agency admins, every proceeding their agency owns. Only the owning agency
        edits a proceeding (`owned_by`); another agency reads its numbers, stage and the
        hearings of its own cases, never the defendants."""
        if not user.is_authenticated or user.agency_id is None:
            return self.none()
        linked = ProceedingCase.objects.filter(case__in=Case.objects.visible_to(user))
        scope = models.Q(pk__in=linked.values("proceeding_id"))
        if user.sees_whole_agency:
            scope |= models.Q(agency_id=user.agency_id)
        return self.filter(scope)

    def owned_by(self, agency_id: int | None) -> LegalProceedingQuerySet:
        """The proceedings an agency owns, and so may edit."""
        return self.filter(agency_id=agency_id)

    def with_number(self, number: str) -> LegalProceedingQuerySet:
        """Proceedings known by this police, prosecutor or court number, or linked to
        the case with this reference (how staff find one to link another case to)."""
        match = (
            models.Q(police_case_number__iexact=number)
            | models.Q(prosecutor_case_number__iexact=number)
            | models.Q(court_case_number__iexact=number)
            | models.Q(links__case__reference__iexact=number)
        )
        return self.filter(pk__in=LegalProceeding.objects.filter(match).values("pk"))

    # The named rules the statistics read (tests/cases/test_proceedings_shared.py).

    def investigated(self) -> LegalProceedingQuerySet:
        """Every proceeding: each one starts as an investigation."""
        return self.filter(stage__in=ProceedingStage.values)

    def prosecuted(self) -> LegalProceedingQuerySet:
        """Indicted or later (PROSECUTED_STAGES)."""
        return self.filter(stage__in=PROSECUTED_STAGES)

    def with_conviction(self) -> LegalProceedingQuerySet:
        """At least one defendant convicted on a charge at its latest decided instance."""
        return self.filter(pk__in=Defendant.objects.convicted().values("proceeding_id"))


class LegalProceeding(ChoiceLabels, VersionedModel):
    """A criminal proceeding against traffickers, owned by one agency and shared by the
    cases of every victim it concerns (ProceedingCase): one prosecution counts once."""

    agency = models.ForeignKey(
        "partners.Agency",
        verbose_name=_("owning agency"),
        on_delete=models.PROTECT,
        related_name="legal_proceedings",
    )
    cases: models.ManyToManyField[Case, ProceedingCase] = models.ManyToManyField(
        Case,
        through="ProceedingCase",
        verbose_name=_("cases"),
        related_name="proceedings",
    )
    stage = models.CharField(
        _("stage"),
        max_length=32,
        choices=ProceedingStage.choices,
        default=ProceedingStage.INVESTIGATION,
        editable=False,
    )
    exploitation_type = models.CharField(
        _("exploitation prosecuted"),
        max_length=32,
        choices=ProceedingExploitation.choices,
        blank=True,
    )
    police_case_number = models.CharField(_("police case number"), max_length=64, blank=True)
    prosecutor_case_number = models.CharField(
        _("prosecutor's case number"), max_length=64, blank=True
    )
    court_case_number = models.CharField(_("court case number"), max_length=64, blank=True)
    court = models.CharField(_("court"), max_length=200, blank=True)
    verdict = EncryptedTextField(_("verdict"), max_length=4000, blank=True)
    verdict_date = models.DateField(_("verdict date"), null=True, blank=True)
    sentence = EncryptedTextField(_("sentence"), max_length=4000, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = LegalProceedingQuerySet.as_manager()

    class Meta:
        verbose_name = _("legal proceeding")
        verbose_name_plural = _("legal proceedings")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return (
            self.court_case_number
            or self.prosecutor_case_number
            or self.police_case_number
            or str(_("Proceeding"))
        )

    @property
    def numbers(self) -> str:
        """Every number it is known by, to find it when linking another case."""
        parts = [self.police_case_number, self.prosecutor_case_number, self.court_case_number]
        return " / ".join(part for part in parts if part) or str(self)


class ProceedingTransition(TransitionRecord):
    """One stage change of a proceeding: who, when, why."""

    proceeding = models.ForeignKey(
        LegalProceeding,
        verbose_name=_("proceeding"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )

    class Meta(TransitionRecord.Meta):
        verbose_name = _("proceeding stage change")
        verbose_name_plural = _("proceeding stage changes")


class ProceedingCase(ChoiceLabels, models.Model):
    """A victim's case linked to a proceeding, and the person's role in it.

    Written only by cases.services.link_case / unlink_case (a case of another agency
    only through cooperation.services.link_shared_proceeding, on an accepted referral
    that shares the legal section)."""

    proceeding = models.ForeignKey(
        LegalProceeding,
        verbose_name=_("proceeding"),
        on_delete=models.CASCADE,
        related_name="links",
        db_index=False,  # no index of its own: cases_proceedingcase_unique leads with it
    )
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="proceeding_links"
    )
    person_role = models.CharField(
        _("the person's role"), max_length=32, choices=ProsecutionRole.choices, blank=True
    )
    linked_at = models.DateTimeField(_("linked"), default=timezone.now, editable=False)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("linked by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("case in a proceeding")
        verbose_name_plural = _("cases in proceedings")
        ordering = ["linked_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["proceeding", "case"], name="cases_proceedingcase_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proceeding_id} · {self.case_id}"


class ChargeOutcomeQuerySet(models.QuerySet):
    def decided(self) -> ChargeOutcomeQuerySet:
        """Outcomes a court or prosecutor has decided (not pending)."""
        return self.exclude(outcome=ChargeOutcome.Outcome.PENDING)

    def at_latest_instance(self) -> ChargeOutcomeQuerySet:
        """Each charge's decided outcome at its latest instance: a later decided instance
        (an appeal) replaces an earlier one; an appeal still pending does not."""
        later = ChargeOutcome.objects.decided().filter(
            charge_id=models.OuterRef("charge_id"), instance__gt=models.OuterRef("instance")
        )
        return self.decided().filter(~models.Exists(later))


class SentenceBand(models.TextChoices):
    UNDER_1 = "under_1", _("Less than 1 year")
    FROM_1 = "1_to_3", _("1 to less than 3 years")
    FROM_3 = "3_to_5", _("3 to less than 5 years")
    FROM_5 = "5_to_10", _("5 to less than 10 years")
    FROM_10 = "10_or_more", _("10 years or more")
    FINE_ONLY = "fine_only", _("Fine only")


def sentence_band(months: int | None, fined: bool = False) -> SentenceBand | None:
    """The band of a convicted defendant's longest prison sentence (None: not known)."""
    if months is None or months == 0:
        return SentenceBand.FINE_ONLY if fined else None
    for limit, band in (
        (12, SentenceBand.UNDER_1),
        (36, SentenceBand.FROM_1),
        (60, SentenceBand.FROM_3),
        (120, SentenceBand.FROM_5),
    ):
        if months < limit:
            return band
    return SentenceBand.FROM_10


class DefendantQuerySet(models.QuerySet):
    def prosecuted(self) -> DefendantQuerySet:
        """Defendants of proceedings indicted or later (LegalProceedingQuerySet.prosecuted)."""
        return self.filter(proceeding__stage__in=PROSECUTED_STAGES)

    def convicted(self) -> DefendantQuerySet:
        """Convicted on at least one charge at that charge's latest decided instance."""
        convictions = ChargeOutcome.objects.at_latest_instance().filter(
            outcome=ChargeOutcome.Outcome.CONVICTED
        )
        return self.filter(pk__in=convictions.values("charge__defendant_id"))

    def with_sentence(self) -> DefendantQuerySet:
        """Annotate `longest_sentence_months` and `fined` from the convictions at the
        latest instance; `Defendant.sentence_band` reads them."""
        convictions = ChargeOutcome.objects.at_latest_instance().filter(
            outcome=ChargeOutcome.Outcome.CONVICTED, charge__defendant_id=models.OuterRef("pk")
        )
        longest = convictions.filter(sentence_months__isnull=False).order_by("-sentence_months")
        return self.annotate(
            longest_sentence_months=models.Subquery(longest.values("sentence_months")[:1]),
            fined=models.Exists(convictions.filter(fine__isnull=False)),
        )


class Defendant(VersionedModel):
    """An accused trafficker in a proceeding (not the person the case is about)."""

    proceeding = models.ForeignKey(
        LegalProceeding,
        verbose_name=_("proceeding"),
        on_delete=models.CASCADE,
        related_name="defendants",
    )
    name = EncryptedCharField(_("name or alias"), max_length=200)

    objects = DefendantQuerySet.as_manager()

    class Meta:
        verbose_name = _("defendant")
        verbose_name_plural = _("defendants")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def sentence_band(self) -> SentenceBand | None:
        """The band of the longest sentence (needs DefendantQuerySet.with_sentence())."""
        months = getattr(self, "longest_sentence_months", None)
        return sentence_band(months, bool(getattr(self, "fined", False)))


class Statute(models.TextChoices):
    """The offences a defendant is charged with (Taiwan)."""

    HTPA_31 = "htpa_31", _("HTPA art. 31 (sexual exploitation)")
    HTPA_32 = "htpa_32", _("HTPA art. 32 (labour exploitation)")
    HTPA_33 = "htpa_33", _("HTPA art. 33 (organ removal)")
    HTPA_34 = "htpa_34", _("HTPA art. 34")
    CC_231 = "cc_231", _("Criminal Code art. 231 (procuring sexual acts for gain)")
    CC_296 = "cc_296", _("Criminal Code art. 296 (enslavement)")
    CC_296_1 = "cc_296_1", _("Criminal Code art. 296-1 (trading in persons)")
    CC_302 = "cc_302", _("Criminal Code art. 302 (deprivation of liberty)")
    CC_339 = "cc_339", _("Criminal Code art. 339 (fraud)")
    CC_339_4 = "cc_339_4", _("Criminal Code art. 339-4 (aggravated fraud)")
    OCPA_3 = "ocpa_3", _("Organized Crime Prevention Act art. 3")
    MLCA = "mlca", _("Money Laundering Control Act")
    OTHER = "other", _("Other")


class Charge(ChoiceLabels, models.Model):
    """One offence a defendant is charged with; its outcomes are per court instance."""

    defendant = models.ForeignKey(
        Defendant, verbose_name=_("defendant"), on_delete=models.CASCADE, related_name="charges"
    )
    statute = models.CharField(_("charge"), max_length=16, choices=Statute.choices)
    other_text = EncryptedTextField(
        _("other charge"), max_length=4000, blank=True, help_text=_("For “Other”: the offence.")
    )

    class Meta:
        verbose_name = _("charge")
        verbose_name_plural = _("charges")
        ordering = ["pk"]

    def __str__(self) -> str:
        label = str(self.get_statute_display())
        return f"{label}: {self.other_text}" if self.other_text else label

    def clean(self) -> None:
        if self.statute == Statute.OTHER and not self.other_text.strip():
            raise ValidationError({"other_text": _("Describe the other charge.")})


class ChargeOutcome(ChoiceLabels, models.Model):
    """The decision on one charge at one instance; an appeal is a later instance."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Pending")
        CONVICTED = "convicted", _("Convicted")
        ACQUITTED = "acquitted", _("Acquitted")
        DISMISSED = "dismissed", _("Dismissed or not indicted")

    charge = models.ForeignKey(
        Charge,
        verbose_name=_("charge"),
        on_delete=models.CASCADE,
        related_name="outcomes",
        db_index=False,  # no index of its own: cases_chargeoutcome_unique_instance leads with it
    )
    instance = models.PositiveSmallIntegerField(
        _("instance"), choices=CourtInstance.choices, default=CourtInstance.DISTRICT
    )
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING
    )
    sentence_months = models.PositiveIntegerField(_("sentence (months)"), null=True, blank=True)
    fine = models.PositiveIntegerField(_("fine (NT$)"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)

    objects = ChargeOutcomeQuerySet.as_manager()

    class Meta:
        verbose_name = _("charge outcome")
        verbose_name_plural = _("charge outcomes")
        ordering = ["instance", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["charge", "instance"], name="cases_chargeoutcome_unique_instance"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_instance_display()}: {self.get_outcome_display()}"

    def clean(self) -> None:
        if self.outcome != self.Outcome.PENDING and not self.decided_on:
            raise ValidationError({"decided_on": _("Give the date of the decision.")})
        if self.outcome != self.Outcome.CONVICTED and (self.sentence_months or self.fine):
            raise ValidationError(
                {"sentence_months": _("A sentence or fine goes with a conviction only.")}
            )


class Hearing(ChoiceLabels, models.Model):
    """A hearing in a proceeding that one linked case's person attends, and how they
    are protected there (ProtectiveMeasure)."""

    proceeding = models.ForeignKey(
        LegalProceeding,
        verbose_name=_("proceeding"),
        on_delete=models.CASCADE,
        related_name="hearings",
    )
    case = models.ForeignKey(
        Case,
        verbose_name=_("case of the person attending"),
        on_delete=models.CASCADE,
        related_name="hearings",
    )
    starts_at = models.DateTimeField(_("date and time"))
    # Where and when the person will be is a safety matter: encrypted.
    place = EncryptedCharField(_("court and room"), max_length=200, blank=True)
    instance = models.PositiveSmallIntegerField(
        _("instance"), choices=CourtInstance.choices, default=CourtInstance.DISTRICT
    )
    person_role = models.CharField(
        _("the person's role"), max_length=32, choices=ProsecutionRole.choices, blank=True
    )
    description = EncryptedCharField(_("description"), max_length=200, blank=True)
    preparation_task = models.OneToOneField(
        "cases.Task",
        verbose_name=_("preparation task"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hearing",
        editable=False,
    )

    class Meta:
        verbose_name = _("hearing")
        verbose_name_plural = _("hearings")
        ordering = ["starts_at", "pk"]

    def __str__(self) -> str:
        when = timezone.localtime(self.starts_at).strftime("%Y-%m-%d %H:%M")
        return f"{when} {self.description}".strip()

    def to_arrange(self) -> list[ProtectiveMeasure]:
        """Measures requested and not yet decided: what preparing the hearing must chase."""
        return [m for m in self.measures.all() if m.status == ProtectiveMeasure.Status.REQUESTED]


class ProtectiveMeasure(ChoiceLabels, models.Model):
    """A protection asked of the court or prosecutor for one hearing, and the decision."""

    class Kind(models.TextChoices):
        SEPARATE_WAITING = "separate_waiting", _("Separate waiting area")
        VIDEO_LINK = "video_link", _("Testimony by video link")
        SCREEN = "screen", _("Testimony behind a screen")
        CLOSED_HEARING = "closed_hearing", _("Closed hearing")
        INTERPRETER = "interpreter", _("Interpreter")
        SOCIAL_WORKER = "social_worker", _("Social worker accompaniment")
        IDENTITY_SHIELDING = "identity_shielding", _("Identity shielding")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        GRANTED = "granted", _("Granted")
        REFUSED = "refused", _("Refused")

    hearing = models.ForeignKey(
        Hearing,
        verbose_name=_("hearing"),
        on_delete=models.CASCADE,
        related_name="measures",
        db_index=False,  # no index of its own: cases_measure_unique_kind leads with it
    )
    kind = models.CharField(_("measure"), max_length=32, choices=Kind.choices)
    language = models.CharField(_("interpreter language"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED
    )
    decided_by = EncryptedCharField(
        _("decided by"), max_length=200, blank=True, help_text=_("E.g. the judge or prosecutor.")
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)

    class Meta:
        verbose_name = _("protective measure")
        verbose_name_plural = _("protective measures")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["hearing", "kind"], name="cases_measure_unique_kind"),
        ]

    def __str__(self) -> str:
        label = str(self.get_kind_display())
        return f"{label} ({self.language})" if self.language else label

    def clean(self) -> None:
        if self.status != self.Status.REQUESTED and not self.decided_on:
            raise ValidationError({"decided_on": _("Give the date of the decision.")})


class CriminalMatterStage(models.TextChoices):
    """Where the person's own criminal matter stands (forced criminality)."""

    INVESTIGATION = "investigation", _("Under investigation")
    PROSECUTION = "prosecution", _("Prosecuted (indicted)")
    TRIAL = "trial", _("At trial")
    JUDGMENT = "judgment", _("Judgment")
    APPEAL = "appeal", _("Appeal")
    CLOSED = "closed", _("Closed")


_CM = CriminalMatterStage

# The stage graph of the person's own criminal matter: `cases.services.move_criminal_matter`
# is its only writer; a matter starts under investigation and may close at any stage (not
# prosecuted, case dropped, final judgment). A closed matter may be reopened.
CRIMINAL_MATTER_GRAPH = Graph.build(
    "criminal_matter",
    "stage",
    {
        _CM.INVESTIGATION: {_CM.PROSECUTION, _CM.CLOSED},
        _CM.PROSECUTION: {_CM.TRIAL, _CM.CLOSED},
        _CM.TRIAL: {_CM.JUDGMENT, _CM.CLOSED},
        _CM.JUDGMENT: {_CM.APPEAL, _CM.CLOSED},
        _CM.APPEAL: {_CM.JUDGMENT, _CM.CLOSED},
        _CM.CLOSED: {_CM.INVESTIGATION},
    },
)


class CriminalExposureQuerySet(models.QuerySet):
    """The named reads of the person's own criminal matters (statistics read these)."""

    def visible_to(self, user: User) -> CriminalExposureQuerySet:
        """Matters of the cases the user may see: the case scope decides."""
        return self.filter(case__in=Case.objects.visible_to(user).values("pk"))

    def non_punishment_requested(self) -> CriminalExposureQuerySet:
        """Matters in which non-punishment was asked for (a request date is recorded)."""
        return self.filter(non_punishment_requested_on__isnull=False)

    def decided(self) -> CriminalExposureQuerySet:
        """Matters in which an authority has decided on non-punishment."""
        return self.filter(decided_on__isnull=False)

    def requested_between(
        self, start: datetime.date, end: datetime.date
    ) -> CriminalExposureQuerySet:
        """Requests for non-punishment made from `start` to `end`, both included."""
        return self.filter(non_punishment_requested_on__range=(start, end))

    def decided_between(self, start: datetime.date, end: datetime.date) -> CriminalExposureQuerySet:
        """Decisions on non-punishment taken from `start` to `end`, both included."""
        return self.filter(decided_on__range=(start, end))

    def decision_recorded_since(self, since: datetime.date) -> CriminalExposureQuerySet:
        """Matters with a decision, saved on or after `since` (the supervisor's
        notifications: a decision recorded late still counts from when it was recorded)."""
        return self.decided().filter(updated_at__date__gte=since)

    def of_case(self, case_id: int) -> CriminalExposureQuerySet:
        """The matters of one case (archived or not: the caller looked the case up)."""
        return self.filter(case_id=case_id)

    def of_person(self, person_id: int, agency_id: int | None = None) -> CriminalExposureQuerySet:
        """The matters of every active case of a person (of one agency, if given)."""
        cases = Case.objects.active().filter(person_id=person_id)
        if agency_id is not None:
            cases = cases.filter(agency_id=agency_id)
        return self.filter(case__in=cases.values("pk"))

    def for_warning(self, user: User | None) -> CriminalExposureQuerySet:
        """What the non-punishment warning lists, with `details`: whether `user` may see
        the matter's case (numbers, stage) or only that the warning applies (a referral's
        receiving agency). No user (an export for the person): every detail."""
        if user is None:
            details: models.Value | models.Exists = models.Value(True)
        else:
            visible = Case.objects.visible_to(user).filter(pk=models.OuterRef("case_id"))
            details = models.Exists(visible)
        return self.annotate(details=details).order_by("pk")


class CriminalExposure(ChoiceLabels, VersionedModel):
    """The person's own criminal matter: they are a suspect or defendant (forced criminality).

    Its existence puts the non-punishment warning on every page that shows the case or
    the person (`cases.templatetags.non_punishment`): the non-punishment principle must
    be raised with police, prosecutors and courts. The matter has a stage (moved only by
    `move_criminal_matter`), charges (`CriminalMatterCharge` rows, each with the
    decision's outcome), the request for non-punishment and the authority's decision.
    """

    Stage = CriminalMatterStage

    class Role(models.TextChoices):
        SUSPECT = "suspect", _("Suspect")
        DEFENDANT = "defendant", _("Defendant")

    class Requester(models.TextChoices):
        PERSON = "person", _("The person")
        LAWYER = "lawyer", _("Their lawyer")
        NGO = "ngo", _("An NGO or shelter")
        PROSECUTOR = "prosecutor", _("The prosecutor")
        COURT = "court", _("The court of its own motion")
        OTHER = "other", _("Other")

    class Authority(models.TextChoices):
        PROSECUTOR = "prosecutor", _("Prosecutor's office")
        COURT = "court", _("Court")
        POLICE = "police", _("Police")
        IMMIGRATION = "immigration", _("Immigration agency")
        OTHER = "other", _("Other authority")

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="criminal_exposures"
    )
    role = models.CharField(_("the person is"), max_length=16, choices=Role.choices)
    case_numbers = EncryptedCharField(
        _("case numbers"),
        max_length=200,
        help_text=_("Police, prosecutor or court numbers of the matter against the person."),
    )
    stage = models.CharField(
        _("stage"),
        max_length=16,
        choices=CriminalMatterStage.choices,
        default=CriminalMatterStage.INVESTIGATION,
        editable=False,
    )
    requested_by = models.CharField(
        _("non-punishment requested by"), max_length=16, choices=Requester.choices, blank=True
    )
    non_punishment_requested_on = models.DateField(
        _("non-punishment request date"), null=True, blank=True
    )
    decision_authority = models.CharField(
        _("deciding authority"), max_length=16, choices=Authority.choices, blank=True
    )
    decided_on = models.DateField(_("decision date"), null=True, blank=True)
    decision_reference = EncryptedCharField(
        _("decision reference"),
        max_length=200,
        blank=True,
        help_text=_("The number of the decision, e.g. the non-prosecution order or judgment."),
    )

    objects = CriminalExposureQuerySet.as_manager()

    class Meta:
        verbose_name = _("criminal matter against the person (non-punishment)")
        verbose_name_plural = _("criminal matters against the person (non-punishment)")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.case_numbers}"

    def get_absolute_url(self) -> str:
        return reverse("cases:exposure_detail", args=[self.case_id, self.pk])


class CriminalMatterChargeQuerySet(models.QuerySet):
    """Named reads of the charges against the person, for statistics."""

    def outcome_counts(self) -> dict[str, int]:
        """How many charges have each outcome: {outcome: count}, every outcome present."""
        counts = dict.fromkeys(CriminalMatterCharge.Outcome.values, 0)
        for row in self.order_by().values("outcome").annotate(n=models.Count("pk")):
            counts[row["outcome"]] = row["n"]
        return counts

    def not_punished(self) -> CriminalMatterChargeQuerySet:
        """Charges on which the person was not punished: not prosecuted, acquitted, exempted."""
        return self.filter(outcome__in=NOT_PUNISHED)

    def decided(self) -> CriminalMatterChargeQuerySet:
        """Charges with an outcome (anything but pending)."""
        return self.exclude(outcome=CriminalMatterCharge.Outcome.PENDING)


class CriminalMatterCharge(ChoiceLabels, models.Model):
    """One charge against the person in their criminal matter, and the decision's outcome."""

    class Offence(models.TextChoices):
        FRAUD = "fraud", _("Fraud (e.g. telecom or online scams)")
        MONEY_LAUNDERING = "money_laundering", _("Money laundering or lending accounts")
        DRUGS = "drugs", _("Drug offences")
        IMMIGRATION = "immigration", _("Illegal entry, stay or work")
        DOCUMENTS = "documents", _("False documents")
        THEFT = "theft", _("Theft or robbery")
        ORGANISED_CRIME = "organised_crime", _("Taking part in a criminal organisation")
        PROSTITUTION = "prostitution", _("Prostitution-related offences")
        OTHER = "other", _("Other offence")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Pending")
        NOT_PROSECUTED = "not_prosecuted", _("Not prosecuted")
        ACQUITTED = "acquitted", _("Acquitted")
        EXEMPTED = "exempted", _("Sentence exempted")
        REDUCED = "reduced", _("Sentence reduced")
        REFUSED = "refused", _("Non-punishment refused")

    matter = models.ForeignKey(
        CriminalExposure,
        verbose_name=_("criminal matter"),
        on_delete=models.CASCADE,
        related_name="charges",
    )
    offence = models.CharField(_("offence"), max_length=32, choices=Offence.choices)
    description = EncryptedTextField(
        _("charge as written"),
        max_length=4000,
        blank=True,
        help_text=_("The article and wording, e.g. Criminal Code art. 339-4."),
    )
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING
    )

    objects = CriminalMatterChargeQuerySet.as_manager()

    class Meta:
        verbose_name = _("charge against the person")
        verbose_name_plural = _("charges against the person")
        ordering = ["pk"]

    def __str__(self) -> str:
        return str(self.get_offence_display())


# The outcomes in which the person was not punished for the charge.
NOT_PUNISHED = (
    CriminalMatterCharge.Outcome.NOT_PROSECUTED,
    CriminalMatterCharge.Outcome.ACQUITTED,
    CriminalMatterCharge.Outcome.EXEMPTED,
)


class CriminalMatterTransitionQuerySet(models.QuerySet):
    def since(self, since: datetime.date) -> CriminalMatterTransitionQuerySet:
        """Stage moves on or after `since` (the supervisor's notifications)."""
        return self.filter(occurred_at__date__gte=since)


class CriminalMatterTransition(TransitionRecord):
    """One stage move of the person's own criminal matter: who, when, why."""

    matter = models.ForeignKey(
        CriminalExposure,
        verbose_name=_("criminal matter"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )

    objects = CriminalMatterTransitionQuerySet.as_manager()

    class Meta(TransitionRecord.Meta):
        verbose_name = _("criminal matter stage change")
        verbose_name_plural = _("criminal matter stage changes")

    def get_from_status_display(self) -> str:
        return str(dict(CriminalMatterStage.choices).get(self.from_status, self.from_status))

    def get_to_status_display(self) -> str:
        return str(dict(CriminalMatterStage.choices).get(self.to_status, self.to_status))


class CaseRowQuerySet(models.QuerySet):
    """Rows of one case that carry the case's agency (`CaseAgencyRow`): tasks, services,
    identification decisions."""

    def visible_to(self, user: User, *, own_rows: bool = False) -> Self:
        """The rows of the cases the user may see: the case scope decides.

        Found from the agency's own column, each one's case then probed by key, for a
        supervisor or agency admin; for a caseworker, from the ids of the cases they work
        (two indexes, no scope), whose few hundred cases are a sliver of a national
        agency's rows, the probe then applying the scope to those alone (issue 12).
        `own_rows`: see CaseQuerySet.case_of_row_visible (the same rows, found otherwise).
        """
        if not user.is_authenticated or user.agency_id is None:
            return self.none()
        visible = Case.objects.case_of_row_visible(user, own_rows=own_rows)
        if not user.sees_whole_agency:
            return self.filter(visible)
        return self.filter(agency_id=user.agency_id).filter(visible)


class CaseAgencyRow(models.Model):
    """A row of one case (its `case`) that carries the case's agency, copied when it is
    added: a case never changes agency. Whole-agency lists find such rows by it through a
    per-agency index (CaseRowQuerySet.visible_to), never by walking every case."""

    agency = models.ForeignKey(
        "partners.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        db_index=False,
    )

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.agency_id is None and self.case_id is not None:
            self.agency_id = self.case.agency_id
        super().save(*args, **kwargs)


# My work's "upcoming tasks" window.
UPCOMING_DAYS = 14


class TaskQuerySet(CaseRowQuerySet):
    def for_list(self) -> TaskQuerySet:
        """What a task list row shows: its case, person, assignee and the case's
        caseworkers, in a fixed number of queries."""
        return self.select_related("case__person", "assignee").prefetch_related("case__caseworkers")

    def open(self) -> TaskQuerySet:
        """Still to do: neither done nor cancelled."""
        return self.filter(status=Task.Status.OPEN)

    def overdue(self, today: datetime.date | None = None) -> TaskQuerySet:
        """Open and due before today (a task due today is not overdue yet)."""
        return self.open().filter(due_date__lt=today or timezone.localdate())

    def of_cases_from(self, day: datetime.date) -> TaskQuerySet:
        """Tasks of the cases that came in on `day` or later (their copy of the intake
        date, `case_intake_date`), with a lower bound on their due date that the list's
        index (due date, id) can start from.

        A task falls due on or after its case came in, except the few planned before
        their case's intake date was set back: the earliest of those (its own partial
        index, cases_task_due_before_intake) lowers the bound. Without it, the list in
        due-date order passed every task of every older case before reaching the first
        one of a recent case (last month's intakes: 70 ms of index at 1,000,000 cases;
        9 ms from the bound). The bound changes no result: it only says where the
        matching rows begin.
        """
        matching = self.filter(case_intake_date__gte=day)
        earliest_early = (
            matching.filter(due_date__lt=models.F("case_intake_date"))
            .order_by("due_date")
            .values("due_date")[:1]
        )
        start = models.Value(day, output_field=models.DateField())
        return matching.filter(
            due_date__gte=Least(start, Coalesce(models.Subquery(earliest_early), start))
        )

    def upcoming(
        self, today: datetime.date | None = None, *, days: int = UPCOMING_DAYS
    ) -> TaskQuerySet:
        """Open and due from today to `days` days ahead, both ends included."""
        today = today or timezone.localdate()
        return self.open().filter(
            due_date__gte=today, due_date__lte=today + datetime.timedelta(days=days)
        )


class Task(ChoiceLabels, CaseAgencyRow, CreatedModel):
    """Something to do on a case by a date, by a person or created by a service."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Kind(models.TextChoices):
        """What made the task: a person, or a step of a track (closed by the next step)."""

        MANUAL = "manual", _("Added by staff")
        DECISION_AWAITED = "decision_awaited", _("Identification decision awaited")
        HEARING_PREPARATION = "hearing_preparation", _("Hearing preparation")

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="tasks"
    )
    title = EncryptedCharField(_("title"), max_length=200)
    due_date = models.DateField(_("due date"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_tasks",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN, editable=False
    )
    auto_created = models.BooleanField(_("created automatically"), default=False)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, default=Kind.MANUAL)
    # A copy of the case's intake date, like the agency (CaseAgencyRow), read beside the
    # due date in the task list's index (cases_task_due): filtered on the intake date, the
    # list reads the index alone instead of each task's case (issue 12). Set from the case
    # when the task is created (save) and kept by the only writer of a case's intake date
    # (update_case).
    case_intake_date = models.DateField(_("intake date of the case"), null=True, editable=False)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_date", "pk"]
        indexes = [
            # The task list's order; My work's and the filter's overdue/upcoming (open).
            # With the case (for the scope's probe) and the copies of its agency and intake
            # date: the list filtered on intake dates reads this index alone, not the
            # table (see `case_intake_date`).
            models.Index(
                fields=["due_date", "id"],
                include=["case", "agency", "case_intake_date"],
                name="cases_task_due",
            ),
            # Open tasks by due date, with the case and the agency as the index above: the
            # list's overdue tasks and their count read the index alone, then probe each
            # task's case (1,001 of them at 1,000,000 cases: 9.6 -> 7.6 ms without reading
            # the table).
            models.Index(
                fields=["due_date", "id"],
                include=["case", "agency"],
                condition=models.Q(status="open"),
                name="cases_task_open_due_with",
            ),
            # The list filtered on cancelled tasks, which are few: without it the list and
            # its count read every task of the country to find none (120 ms at 1,000,000
            # cases; 10 ms with it). Done tasks are most tasks: cases_task_due finds them.
            models.Index(
                fields=["due_date", "id"],
                condition=models.Q(status="cancelled"),
                name="cases_task_cancelled_due",
            ),
            # The few tasks due before their case's intake date (an intake date set back
            # after the tasks were planned): where the list filtered on recent intakes
            # starts (TaskQuerySet.of_cases_from).
            models.Index(
                fields=["due_date"],
                include=["case", "agency", "case_intake_date"],
                condition=models.Q(due_date__lt=models.F("case_intake_date")),
                name="cases_task_due_before_intake",
            ),
            # My work's overdue and upcoming panels: the reader's own open tasks in due order,
            # never a walk through every open task of the country until ten of theirs turn up.
            models.Index(
                fields=["assignee", "due_date", "id"],
                condition=models.Q(status="open"),
                name="cases_task_assignee_open_due",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding and self.case_id is not None:
            self.case_intake_date = self.case.intake_date  # see `case_intake_date`
        elif _saves_whole(self, args, kwargs):
            # The copy's writer is the case's (cases.services.update_case): a task read
            # before its case's intake date changed must not write the old date back.
            kwargs["update_fields"] = _TASK_COLUMNS_BUT_THE_COPY
        super().save(*args, **kwargs)

    @property
    def display_title(self) -> str:
        """The title to show: an automatic task's comes from its kind, in the reader's
        language (the stored one is in its creator's); a typed title stays as typed."""
        if self.kind == self.Kind.MANUAL or self.kind not in self.Kind.values:
            return self.title
        return str(self.Kind(self.kind).label)

    @property
    def is_overdue(self) -> bool:
        # The row-level twin of TaskQuerySet.overdue(), for lists already loaded;
        # tests/cases/test_named_rules.py checks that the two agree.
        return self.status == self.Status.OPEN and self.due_date < timezone.localdate()


_T = Task.Status

# A task's status graph: `cases.services.transition_task` is its only writer (the
# case page's buttons and the automatic closing of a decision-awaited task).
TASK_GRAPH = Graph.build(
    "task",
    "status",
    {
        _T.OPEN: {_T.DONE, _T.CANCELLED},
        _T.DONE: {_T.OPEN},
        _T.CANCELLED: {_T.OPEN},
    },
)


# What a full save of a task writes (Task.save): every column but its case's intake date.
_TASK_COLUMNS_BUT_THE_COPY = [
    field.attname
    for field in Task._meta.concrete_fields
    if not field.primary_key and field.attname != "case_intake_date"
]


class TaskTransition(TransitionRecord):
    """One status change of a task: who marked it done, cancelled or open again."""

    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="transitions"
    )

    class Meta(TransitionRecord.Meta):
        verbose_name = _("task status change")
        verbose_name_plural = _("task status changes")


class CaseNote(models.Model):
    """An append-only note; a correction is a new note pointing at the one it corrects."""

    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="notes",
        db_index=False,  # no index of its own: cases_note_case leads with it
    )
    text = EncryptedTextField(_("note"), max_length=10000)
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")
        ordering = ["-created_at", "-pk"]
        # A case's timeline, newest first (like cases_transition_case).
        indexes = [models.Index(fields=["case", "-created_at", "-id"], name="cases_note_case")]

    def __str__(self) -> str:
        return f"{self.case_id} #{self.pk}"


def _attachment_path(instance: Attachment, filename: str) -> str:
    # A random name: the original file name and type are kept in the row, never on disk.
    return f"cases/{instance.case_id}/{uuid.uuid4().hex}.enc"


class AttachmentQuerySet(ArchivableQuerySet):
    agency_field = "case__agency_id"

    def visible_to(self, user: User) -> AttachmentQuerySet:
        """Attachments not archived, of the cases the user may see (the case scope decides)."""
        return self.active().filter(case__in=Case.objects.visible_to(user).values("pk"))


class Attachment(Archivable):
    """An uploaded document, stored encrypted (crypto.files) outside any public URL; only
    views.attachment_download decrypts it."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=_attachment_path, max_length=200)
    original_name = EncryptedCharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    description = EncryptedCharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    # The file's data key; empty only for a file stored before encryption at rest.
    wrapped_key = WrappedKeyField(_("wrapped data key"), blank=True, editable=False)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-uploaded_at", "-pk"]
        indexes = [
            # The archive list's archived attachments, newest first (their case's agency
            # is checked row by row: a few rows of a national table).
            models.Index(
                fields=["-archived_at", "-id"],
                condition=models.Q(archived_at__isnull=False),
                name="cases_attachment_archived",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


PERMIT_TYPES = ["residence_permit", "work_permit"]
PERMIT_WARNING_DAYS = 30


def permit_warning_limit(today: datetime.date | None = None) -> datetime.date:
    """The last expiry date that counts as expiring soon (expiring_permits)."""
    return (today or timezone.localdate()) + datetime.timedelta(days=PERMIT_WARNING_DAYS)


def copy_permit_expiry(cases: CaseQuerySet) -> int:
    """Write these cases' `first_permit_expiry` from their permits: the copy's one writer
    (ServiceItem.save, and the scale seed after its bulk load; migration cases.0036
    filled the existing rows the same way)."""
    first = (
        ServiceItem.objects.permits()
        .filter(case_id=models.OuterRef("pk"), permit_expires_on__isnull=False)
        .order_by("permit_expires_on")
        .values("permit_expires_on")[:1]
    )
    return cases.update(first_permit_expiry=models.Subquery(first))


class ServiceItemQuerySet(CaseRowQuerySet):
    def open(self) -> ServiceItemQuerySet:
        """Still to deliver: planned or in progress (a case should not close with one)."""
        return self.filter(status__in=[ServiceItem.Status.PLANNED, ServiceItem.Status.IN_PROGRESS])

    def overdue(self, today: datetime.date | None = None) -> ServiceItemQuerySet:
        """Open and due before today."""
        return self.open().filter(due_date__lt=today or timezone.localdate())

    def permits(self) -> ServiceItemQuerySet:
        """Residence and work permits held or being obtained: not cancelled or declined."""
        return self.filter(service_type__in=PERMIT_TYPES).exclude(
            status__in=[ServiceItem.Status.CANCELLED, ServiceItem.Status.DECLINED]
        )

    def expiring_permits(self, today: datetime.date | None = None) -> ServiceItemQuerySet:
        """Permits expiring within PERMIT_WARNING_DAYS days, or expired already.

        Expired permits stay in: a permit that has run out needs more attention than
        one about to, so it must never drop out of the lists (expired_permits() marks it).
        """
        return self.permits().filter(permit_expires_on__lte=permit_warning_limit(today))

    def expired_permits(self, today: datetime.date | None = None) -> ServiceItemQuerySet:
        """Permits whose expiry date has passed (one expiring today is still valid)."""
        return self.permits().filter(permit_expires_on__lt=today or timezone.localdate())


class ServiceItem(ChoiceLabels, CaseAgencyRow, CreatedModel):
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
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED, editable=False
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    outcome = EncryptedTextField(_("outcome"), blank=True, max_length=4000)
    # Type-specific details: a few nullable columns, each used by one or two types.
    shelter_location = EncryptedTextField(
        _("shelter location"),
        blank=True,
        max_length=500,
        help_text=_("Sensitive: shown only to the caseworker and the supervisor."),
    )
    language = models.CharField(_("language"), max_length=100, blank=True)
    interpreter = EncryptedCharField(_("interpreter"), max_length=200, blank=True)
    hearing = EncryptedCharField(_("for which interview or hearing"), max_length=200, blank=True)
    permit_number = EncryptedTextField(_("permit number"), blank=True, max_length=100)
    permit_issued_on = models.DateField(_("permit issued"), null=True, blank=True)
    permit_expires_on = models.DateField(_("permit expiry"), null=True, blank=True)
    embassy_contact = EncryptedCharField(_("embassy contact"), max_length=200, blank=True)
    travel_document = EncryptedCharField(_("travel document"), max_length=200, blank=True)
    receiving_organisation = EncryptedCharField(
        _("receiving organisation abroad"), max_length=200, blank=True
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ServiceItemQuerySet.as_manager()

    class Meta:
        db_table = "victims_serviceitem"  # moved from victims; the table keeps its name
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["case", "created_at"]
        indexes = [
            # An agency's permits by expiry and open services by due date (My work).
            models.Index(
                fields=["agency", "permit_expires_on", "id"],
                condition=models.Q(service_type__in=PERMIT_TYPES),
                name="cases_service_agency_permit",
            ),
            models.Index(
                fields=["agency", "due_date", "id"],
                condition=models.Q(status__in=["planned", "in_progress"]),
                name="cases_service_agency_open_due",
            ),
            # The same, case by case, for a caseworker's cases (CaseRowQuerySet): a probe
            # reads a case's permits or open services only, not every service it had.
            models.Index(
                fields=["case", "permit_expires_on"],
                condition=models.Q(service_type__in=PERMIT_TYPES),
                name="cases_service_case_permit",
            ),
            models.Index(
                fields=["case", "due_date"],
                condition=models.Q(status__in=["planned", "in_progress"]),
                name="cases_service_case_open_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_service_type_display()} ({self.get_status_display()})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Saved, and its case's copy of its earliest permit expiry rewritten: any save
        may make the service a permit or not, change its expiry, or cancel it."""
        super().save(*args, **kwargs)
        copy_permit_expiry(Case.objects.filter(pk=self.case_id))

    @property
    def is_permit_expired(self) -> bool:
        # The row-level twin of ServiceItemQuerySet.expired_permits(), for rows already
        # loaded; tests/cases/test_named_rules.py checks that the two agree.
        return bool(
            self.service_type in PERMIT_TYPES
            and self.status not in (self.Status.CANCELLED, self.Status.DECLINED)
            and self.permit_expires_on
            and self.permit_expires_on < timezone.localdate()
        )


_SV = ServiceItem.Status

# A protection service's status graph: `cases.services.transition_service` is its
# only writer; a new service starts planned.
SERVICE_GRAPH = Graph.build(
    "service",
    "status",
    {
        _SV.PLANNED: {_SV.IN_PROGRESS, _SV.DECLINED, _SV.CANCELLED},
        _SV.IN_PROGRESS: {_SV.COMPLETED, _SV.DECLINED, _SV.CANCELLED},
        _SV.COMPLETED: set(),
        _SV.DECLINED: {_SV.PLANNED},
        _SV.CANCELLED: {_SV.PLANNED},
    },
)


class ServiceTransition(TransitionRecord):
    """One status change of a protection service: who, when, why."""

    service = models.ForeignKey(
        ServiceItem, verbose_name=_("service"), on_delete=models.CASCADE, related_name="transitions"
    )

    class Meta(TransitionRecord.Meta):
        verbose_name = _("service status change")
        verbose_name_plural = _("service status changes")


class ArchiveEntry(ChoiceLabels, models.Model):
    """One archive or restore of a case, person or attachment, and its reason.

    Written only by cases.services.archive_record / restore_record, next to the audit
    row (which names ids only). The reason may describe the person: encrypted.
    """

    class Action(models.TextChoices):
        ARCHIVE = "archive", _("Archived")
        RESTORE = "restore", _("Restored")

    object_type = models.CharField(_("record type"), max_length=64)
    object_id = models.CharField(_("record id"), max_length=64)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    reason = EncryptedTextField(_("reason"), max_length=4000)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("archive entry")
        verbose_name_plural = _("archive entries")
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="cases_archive_object")]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type} {self.object_id}"
