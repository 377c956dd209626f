from __future__ import annotations

import datetime
import uuid
from typing import Self

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from accounts.models import User
from crypto import EncryptedCharField, EncryptedTextField
from crypto.files import WrappedKeyField
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
    )
    archive_reason = EncryptedTextField(
        _("reason for archiving"), blank=True, editable=False, max_length=4000
    )

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class CaseQuerySet(ArchivableQuerySet):
    def active(self) -> Self:
        """Neither archived nor the case of an archived person.

        Archiving a person hides their cases with them (the cases keep their own
        archive fields empty, so restoring the person brings them back whole).
        """
        return super().active().filter(person__archived_at__isnull=True)

    def visible_to(self, user: User) -> CaseQuerySet:
        """The cases a user may see: the single definition, used by every lookup.

        Supervisors and agency admins see their agency's cases; caseworkers the
        cases of their agency assigned to them; platform admins and anybody else
        none. Archived cases (and the cases of archived people) are nobody's: see
        `active()`. (Cases shared through an accepted referral are a separate,
        section-limited scope, not part of this one.)
        """
        if not user.is_authenticated or user.agency_id is None:
            return self.none()
        own = self.active().filter(agency_id=user.agency_id)
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

    def with_overdue_tasks(self, today: datetime.date | None = None) -> CaseQuerySet:
        """Cases with at least one overdue task (TaskQuerySet.overdue)."""
        return self.filter(pk__in=Task.objects.overdue(today).values("case_id"))

    def with_expiring_permits(self, today: datetime.date | None = None) -> CaseQuerySet:
        """Cases with a permit expiring soon or already expired
        (ServiceItemQuerySet.expiring_permits)."""
        return self.filter(pk__in=ServiceItem.objects.expiring_permits(today).values("case_id"))

    def with_expired_permits(self, today: datetime.date | None = None) -> CaseQuerySet:
        """Cases with an expired permit (ServiceItemQuerySet.expired_permits)."""
        return self.filter(pk__in=ServiceItem.objects.expired_permits(today).values("case_id"))

    def assigned_to(self, user: User) -> CaseQuerySet:
        """Cases the user works: assigned as caseworker or named supervisor."""
        return self.filter(models.Q(caseworkers=user) | models.Q(supervisor=user)).distinct()

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

    def for_list(self) -> CaseQuerySet:
        """What a list row shows, in a fixed number of queries whatever the length."""
        return (
            self.with_flags()
            .annotate(
                # Severity order for sorting (the stored values sort alphabetically).
                risk_rank=models.Case(
                    *(
                        models.When(risk_level=level, then=rank)
                        for rank, level in enumerate(RiskLevel.values, start=1)
                    ),
                    default=0,
                    output_field=models.IntegerField(),
                )
            )
            .select_related("person", "supervisor")
            .prefetch_related("caseworkers", "exploitations")
        )


class Case(CreatedModel, VersionedModel, Archivable):
    """One person's journey with the agency that owns the case."""

    Status = CaseStatus

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
    # Nullable only for imported reference data that has banded years (reports.ctdc);
    # blank=False keeps every staff form requiring it.
    intake_date = models.DateField(_("intake date"), null=True, default=timezone.localdate)
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
    )

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
        `person_name` tag). Lists prefetch `caseworkers` so this costs no query per row.
        """
        if user.pk is None:
            return False
        return self.supervisor_id == user.pk or any(
            caseworker.pk == user.pk for caseworker in self.caseworkers.all()
        )

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


class CaseSequence(models.Model):
    """The last reference number handed out per agency and year (locked to allocate)."""

    agency = models.ForeignKey(
        "partners.Agency", verbose_name=_("agency"), on_delete=models.CASCADE, related_name="+"
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


class CaseExploitation(models.Model):
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
        detail = self.get_subtype_display() or self.get_industry_display()
        label = self.get_type_display()
        return f"{label} ({detail})" if detail else str(label)


class TrackTransition(TransitionRecord):
    """One move on one track of a case: the timeline is made of these rows."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="transitions"
    )
    track = models.CharField(_("track"), max_length=32, choices=Track.choices)
    override_reason = EncryptedTextField(
        _("reason for overriding closure rules"), blank=True, max_length=4000
    )

    class Meta(TransitionRecord.Meta):
        verbose_name = _("track transition")
        verbose_name_plural = _("track transitions")

    def __str__(self) -> str:
        return f"{self.track}: {self.from_status} → {self.to_status}"

    def get_from_status_display(self) -> str:
        return _status_label(self.track, self.from_status)

    def get_to_status_display(self) -> str:
        return _status_label(self.track, self.to_status)


def _status_label(track: str, status: str) -> str:
    statuses: dict[str, type[models.TextChoices]] = {
        Track.IDENTIFICATION: IdentificationStatus,
        Track.PROTECTION: ProtectionStatus,
        Track.PROSECUTION: ProsecutionStatus,
        Track.CASE: CaseStatus,
    }
    choices = statuses[track]
    return str(dict(choices.choices).get(status, status))


class LegalProceeding(VersionedModel):
    """Criminal proceedings against the traffickers, in which the person takes part."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="proceedings"
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


class Defendant(VersionedModel):
    """An accused trafficker in a proceeding (not the person the case is about)."""

    proceeding = models.ForeignKey(
        LegalProceeding,
        verbose_name=_("proceeding"),
        on_delete=models.CASCADE,
        related_name="defendants",
    )

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Awaiting judgment")
        CONVICTED = "convicted", _("Convicted")
        ACQUITTED = "acquitted", _("Acquitted")
        DISMISSED = "dismissed", _("Charges dropped or dismissed")

    name = EncryptedCharField(_("name or alias"), max_length=200)
    charges = EncryptedTextField(_("charges"), max_length=4000, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING
    )
    judgment_date = models.DateField(_("judgment date"), null=True, blank=True)

    class Meta:
        verbose_name = _("defendant")
        verbose_name_plural = _("defendants")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class Hearing(models.Model):
    proceeding = models.ForeignKey(
        LegalProceeding,
        verbose_name=_("proceeding"),
        on_delete=models.CASCADE,
        related_name="hearings",
    )
    date = models.DateField(_("date"))
    description = EncryptedCharField(_("description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("hearing")
        verbose_name_plural = _("hearings")
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return f"{self.date} {self.description}".strip()


class CriminalExposure(VersionedModel):
    """The person is themself a suspect or defendant (forced criminality).

    Its existence puts a warning on the case for everyone who works it: the
    non-punishment principle must be raised with police, prosecutors and courts.
    """

    class Role(models.TextChoices):
        SUSPECT = "suspect", _("Suspect")
        DEFENDANT = "defendant", _("Defendant")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Pending")
        IMMUNITY = "immunity", _("Granted immunity (not punished)")
        REDUCED = "reduced", _("Reduced sentence")
        REFUSED = "refused", _("Refused")

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="criminal_exposures"
    )
    role = models.CharField(_("the person is"), max_length=16, choices=Role.choices)
    case_numbers = EncryptedCharField(
        _("case numbers"),
        max_length=200,
        help_text=_("Police, prosecutor or court numbers of the matter against the person."),
    )
    charges = EncryptedTextField(_("charges"), max_length=4000, blank=True)
    non_punishment_requested_on = models.DateField(
        _("non-punishment request date"), null=True, blank=True
    )
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING
    )

    class Meta:
        verbose_name = _("criminal exposure (non-punishment)")
        verbose_name_plural = _("criminal exposures (non-punishment)")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.case_numbers}"


# My work's "upcoming tasks" window.
UPCOMING_DAYS = 14


class TaskQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> TaskQuerySet:
        """Tasks of the cases the user may see: the case scope decides."""
        return self.filter(case__in=Case.objects.visible_to(user).values("pk"))

    def open(self) -> TaskQuerySet:
        """Still to do: neither done nor cancelled."""
        return self.filter(status=Task.Status.OPEN)

    def overdue(self, today: datetime.date | None = None) -> TaskQuerySet:
        """Open and due before today (a task due today is not overdue yet)."""
        return self.open().filter(due_date__lt=today or timezone.localdate())

    def upcoming(
        self, today: datetime.date | None = None, *, days: int = UPCOMING_DAYS
    ) -> TaskQuerySet:
        """Open and due from today to `days` days ahead, both ends included."""
        today = today or timezone.localdate()
        return self.open().filter(
            due_date__gte=today, due_date__lte=today + datetime.timedelta(days=days)
        )


class Task(CreatedModel):
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

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return self.title

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
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="notes"
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

    def __str__(self) -> str:
        return self.original_name


PERMIT_TYPES = ["residence_permit", "work_permit"]
PERMIT_WARNING_DAYS = 30


class ServiceItemQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ServiceItemQuerySet:
        """Services of the cases the user may see (the case scope decides)."""
        return self.filter(case__in=Case.objects.visible_to(user))

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
        today = today or timezone.localdate()
        limit = today + datetime.timedelta(days=PERMIT_WARNING_DAYS)
        return self.permits().filter(permit_expires_on__lte=limit)

    def expired_permits(self, today: datetime.date | None = None) -> ServiceItemQuerySet:
        """Permits whose expiry date has passed (one expiring today is still valid)."""
        return self.permits().filter(permit_expires_on__lt=today or timezone.localdate())


class ServiceItem(CreatedModel):
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

    def __str__(self) -> str:
        return f"{self.get_service_type_display()} ({self.get_status_display()})"

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


class ArchiveEntry(models.Model):
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
