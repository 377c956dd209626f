from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

if TYPE_CHECKING:
    from accounts.models import User


class ServiceType(models.TextChoices):
    """What an agency offers and what a protection plan provides: one vocabulary."""

    SHELTER = "shelter", _("Shelter placement")
    MEDICAL = "medical", _("Medical care")
    COUNSELLING = "counselling", _("Psychological counselling")
    LEGAL_AID = "legal_aid", _("Legal aid")
    INTERPRETATION = "interpretation", _("Interpretation")
    ACCOMPANIMENT = "accompaniment", _("Accompaniment at interviews and in court")
    LIVING_ALLOWANCE = "living_allowance", _("Living allowance")
    VOCATIONAL_TRAINING = "vocational_training", _("Vocational training")
    RESIDENCE_PERMIT = "residence_permit", _("Temporary residence permit")
    WORK_PERMIT = "work_permit", _("Work permit")
    REPATRIATION = "repatriation", _("Repatriation")
    RESETTLEMENT = "resettlement", _("Resettlement and follow-up")
    COMPENSATION = "compensation", _("Compensation claim")
    INVESTIGATION = "investigation", _("Investigation")
    PROSECUTION = "prosecution", _("Prosecution")
    HOTLINE = "hotline", _("Hotline")
    OUTREACH = "outreach", _("Outreach and prevention")


class AgencyType(models.TextChoices):
    NGO = "ngo", _("NGO")
    SHELTER = "shelter", _("Shelter")
    POLICE = "police", _("Police")
    PROSECUTOR = "prosecutor", _("Prosecutor's office")
    IMMIGRATION = "immigration", _("Immigration")
    LABOUR = "labour", _("Labour authority")
    SOCIAL_WELFARE = "social_welfare", _("Social welfare")
    HEALTH = "health", _("Health")
    EMBASSY = "embassy", _("Embassy or foreign authority")
    INTERNATIONAL = "international", _("International organisation")
    TECH_PLATFORM = "tech_platform", _("Technology platform")
    FINANCIAL = "financial", _("Financial institution")
    OTHER = "other", _("Other")


class AgencyQuerySet(models.QuerySet):
    def active(self) -> AgencyQuerySet:
        return self.filter(is_active=True)

    def visible_to(self, user: User) -> AgencyQuerySet:
        """The partner directory a user may browse.

        Agencies are not case data: every staff member sees the active ones (to
        choose a referral partner); platform admins also see deactivated ones.
        """
        if not user.is_authenticated:
            return self.none()
        if user.is_platform_admin:
            return self.all()
        return self.filter(models.Q(is_active=True) | models.Q(pk=user.agency_id))

    def manageable_by(self, user: User) -> AgencyQuerySet:
        """Agencies a user may create, edit and deactivate: platform admins only."""
        if user.is_authenticated and user.is_platform_admin:
            return self.all()
        return self.none()


agency_code_validator = RegexValidator(
    r"^[A-Z0-9]{2,10}$", _("Use 2 to 10 capital letters or digits, e.g. TWNGO1.")
)


class Agency(models.Model):
    """A partner organisation on this Harbor installation; it owns its cases."""

    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(
        _("code"),
        max_length=10,
        unique=True,
        validators=[agency_code_validator],
        help_text=_("Short code used in case reference numbers, e.g. TWNGO1."),
    )
    agency_type = models.CharField(_("type"), max_length=32, choices=AgencyType.choices)
    country = CountryField(_("country"))
    services = models.JSONField(_("services offered"), default=list, blank=True)
    description = models.TextField(_("description"), blank=True, max_length=4000)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="partners_agency_name_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("partners:agency_detail", args=[self.pk])

    def get_services_display(self) -> list[str]:
        labels = dict(ServiceType.choices)
        return [str(labels.get(value, value)) for value in self.services]


class AgencyContact(models.Model):
    """A focal point at a partner agency (staff contact, not a victim)."""

    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("role or title"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("contact person")
        verbose_name_plural = _("contact people")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


# --- referrals -------------------------------------------------------------------------


class ReferralSection(models.TextChoices):
    """The parts of a case a referral can share; nothing else ever leaves the owner."""

    SUMMARY = "summary", _("Summary (exploitation types, intake date, risk)")
    IDENTIFICATION = "identification", _("Identification (status and decisions)")
    SERVICES = "services", _("Protection services")
    LEGAL = "legal", _("Legal proceedings and hearings")


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("Sent, awaiting response")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    CLOSED = "closed", _("Closed")
    REVOKED = "revoked", _("Revoked")
    # A referral to an organisation not on Harbor: recorded for the case file, no access.
    RECORDED = "recorded", _("Recorded (external)")


class DeclineReason(models.TextChoices):
    NO_CAPACITY = "no_capacity", _("No capacity")
    OUTSIDE_MANDATE = "outside_mandate", _("Outside our mandate")
    NOT_REACHABLE = "not_reachable", _("Person not reachable")
    OTHER = "other", _("Other")


_R = ReferralStatus

# The referral status graph, as data. `partners.services.transition_referral` is the
# only writer of `Referral.status`; the dashboard reads these states.
REFERRAL_GRAPH: dict[str, set[str]] = {
    _R.SENT: {_R.ACCEPTED, _R.DECLINED, _R.REVOKED, _R.CLOSED},
    _R.ACCEPTED: {_R.CLOSED, _R.REVOKED},
    _R.RECORDED: {_R.CLOSED},
    _R.DECLINED: set(),
    _R.CLOSED: set(),
    _R.REVOKED: set(),
}

# States in which a referral is still "open" (shown in lists of open referrals).
REFERRAL_OPEN = (_R.SENT, _R.ACCEPTED, _R.RECORDED)


class ReferralQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ReferralQuerySet:
        """The referrals a user may see: the single definition, used by every lookup.

        Sending side: referrals of the cases the user may see (Case.visible_to).
        Receiving side: supervisors and agency admins see every referral to their
        agency; caseworkers see those awaiting a response (the queue) and those
        they are assigned to. A revoked referral disappears for the receiver at
        once. Platform admins and staff of any third agency see none.
        """
        from cases.models import Case

        if not user.is_authenticated or user.agency_id is None:
            return self.none()
        sent = models.Q(from_agency_id=user.agency_id, case__in=Case.objects.visible_to(user))
        received = models.Q(to_agency_id=user.agency_id) & ~models.Q(status=_R.REVOKED)
        if not user.sees_whole_agency:
            received &= models.Q(status=_R.SENT) | models.Q(
                pk__in=Referral.assigned_to.through.objects.filter(user_id=user.pk).values(
                    "referral_id"
                )
            )
        return self.filter(sent | received)

    def sent_by(self, agency: Agency) -> ReferralQuerySet:
        return self.filter(from_agency=agency)

    def received_by(self, agency: Agency) -> ReferralQuerySet:
        return self.filter(to_agency=agency)

    def internal(self) -> ReferralQuerySet:
        return self.filter(to_agency__isnull=False)

    def open(self) -> ReferralQuerySet:
        return self.filter(status__in=REFERRAL_OPEN)

    def awaiting_response(self) -> ReferralQuerySet:
        """Sent to an agency on Harbor and not yet accepted or declined."""
        return self.internal().filter(status=_R.SENT)

    def overdue_response(self, today: datetime.date) -> ReferralQuerySet:
        return self.awaiting_response().filter(respond_by__lt=today)

    def for_list(self) -> ReferralQuerySet:
        """What a list row shows, in a fixed number of queries whatever the length."""
        return self.select_related("case", "from_agency", "to_agency").prefetch_related(
            "assigned_to"
        )


class Referral(models.Model):
    """A case referred by its owning agency to another agency for a purpose."""

    Status = ReferralStatus

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="referrals"
    )
    from_agency = models.ForeignKey(
        Agency,
        verbose_name=_("referring agency"),
        on_delete=models.PROTECT,
        related_name="referrals_out",
    )
    to_agency = models.ForeignKey(
        Agency,
        verbose_name=_("receiving agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_in",
        help_text=_("Leave empty for an organisation that is not on Harbor."),
    )
    external_name = models.CharField(_("organisation not on Harbor"), max_length=200, blank=True)
    external_country = CountryField(_("its country"), blank=True)
    external_contact = models.CharField(_("its contact"), max_length=300, blank=True)
    purpose = models.CharField(_("purpose"), max_length=32, choices=ServiceType.choices)
    sections = models.JSONField(_("sections shared"), default=list, blank=True)
    message = models.TextField(
        _("message to the receiving agency"),
        max_length=4000,
        blank=True,
        help_text=_("What they need to know to decide. No names or contact details."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SENT, editable=False
    )
    sent_at = models.DateTimeField(_("sent"), default=timezone.now, editable=False)
    respond_by = models.DateField(_("respond by"), null=True, blank=True)
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True, editable=False)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    decline_reason = models.CharField(
        _("reason for declining"), max_length=32, choices=DeclineReason.choices, blank=True
    )
    decline_note = models.TextField(_("explanation"), max_length=4000, blank=True)
    assigned_to = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned staff"),
        related_name="assigned_referrals",
        blank=True,
    )
    consent_override_reason = models.TextField(
        _("reason for sending without consent"), max_length=4000, blank=True
    )
    consent_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("consent override by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["to_agency", "status"])]

    def __str__(self) -> str:
        return str(_("Referral %(number)s") % {"number": self.pk})

    def get_absolute_url(self) -> str:
        return reverse("partners:referral_detail", args=[self.pk])

    @property
    def is_external(self) -> bool:
        return self.to_agency_id is None

    @property
    def receiver_name(self) -> str:
        return self.to_agency.name if self.to_agency_id else self.external_name

    def get_sections_display(self) -> list[str]:
        labels = dict(ReferralSection.choices)
        return [str(labels.get(value, value)) for value in self.sections]

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return bool(
            self.status == _R.SENT
            and not self.is_external
            and self.respond_by
            and self.respond_by < today
        )


class ReferralTransition(models.Model):
    """One status change of a referral: who, when, why."""

    referral = models.ForeignKey(
        Referral, verbose_name=_("referral"), on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(_("from"), max_length=16, choices=ReferralStatus.choices)
    to_status = models.CharField(_("to"), max_length=16, choices=ReferralStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), max_length=4000, blank=True)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("referral status change")
        verbose_name_plural = _("referral status changes")
        ordering = ["-occurred_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class ReferralUpdate(models.Model):
    """A service update written by the receiving agency, read by both sides."""

    referral = models.ForeignKey(
        Referral, verbose_name=_("referral"), on_delete=models.CASCADE, related_name="updates"
    )
    occurred_on = models.DateField(_("date"), default=timezone.localdate)
    text = models.TextField(_("update"), max_length=4000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("referral update")
        verbose_name_plural = _("referral updates")
        ordering = ["-occurred_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.occurred_on}"


# --- agreements (MOU) ------------------------------------------------------------------


class AgreementQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> AgreementQuerySet:
        """Agreements are not case data: every signed-in staff member may read them."""
        if not user.is_authenticated:
            return self.none()
        return self.all()

    def manageable_by(self, user: User) -> AgreementQuerySet:
        """Platform admins record and edit agreements (they manage the network)."""
        if user.is_authenticated and user.is_platform_admin:
            return self.all()
        return self.none()

    def in_force(self, today: datetime.date | None = None) -> AgreementQuerySet:
        today = today or timezone.localdate()
        return self.filter(models.Q(expires_on__isnull=True) | models.Q(expires_on__gte=today))

    def expiring(
        self, within_days: int = 90, today: datetime.date | None = None
    ) -> AgreementQuerySet:
        """In force today and expiring within `within_days` days."""
        today = today or timezone.localdate()
        return self.filter(
            expires_on__gte=today, expires_on__lte=today + datetime.timedelta(days=within_days)
        )


class Agreement(models.Model):
    """A memorandum of understanding between agencies, or with a foreign authority."""

    title = models.CharField(_("title"), max_length=300)
    parties = models.ManyToManyField(
        Agency, verbose_name=_("agencies party to it"), related_name="agreements", blank=True
    )
    foreign_party = models.CharField(
        _("foreign party"), max_length=300, blank=True, help_text=_("E.g. a ministry abroad.")
    )
    foreign_country = CountryField(_("foreign country"), blank=True)
    covers_forced_criminality = models.BooleanField(
        _("covers forced criminality / online scams"), default=False
    )
    covers_labour = models.BooleanField(_("covers labour trafficking"), default=False)
    covers_sexual = models.BooleanField(_("covers sexual exploitation"), default=False)
    scope = models.TextField(_("scope"), max_length=4000, blank=True)
    signed_on = models.DateField(_("signed on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    focal_points = models.TextField(_("focal points"), max_length=2000, blank=True)
    document_reference = models.CharField(
        _("document"),
        max_length=300,
        blank=True,
        help_text=_("Title or reference number of the signed document and where it is kept."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
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

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["expires_on", "title", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("partners:agreement_detail", args=[self.pk])


# --- mutual legal assistance -----------------------------------------------------------


class MLADirection(models.TextChoices):
    OUTGOING = "outgoing", _("Sent to another country")
    INCOMING = "incoming", _("Received from another country")


class MLAChannel(models.TextChoices):
    FORMAL = "formal", _("Formal MLA request")
    LIAISON = "liaison", _("Liaison officer")
    POLICE = "police", _("Police-to-police")


class MLAAsk(models.TextChoices):
    EVIDENCE = "evidence", _("Evidence")
    ASSET_FREEZE = "asset_freeze", _("Asset freeze")
    WITNESS = "witness", _("Witness")
    EXTRADITION = "extradition", _("Extradition")


class MLAStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    REPLIED = "replied", _("Replied")
    REFUSED = "refused", _("Refused")
    CLOSED = "closed", _("Closed")


# Awaiting a reply: what "open" and "overdue" mean for MLA requests.
MLA_OPEN = (MLAStatus.SENT, MLAStatus.ACKNOWLEDGED, MLAStatus.IN_PROGRESS)


class MLARequestQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> MLARequestQuerySet:
        """MLA requests a user may see (they name prosecutions: agency data).

        Supervisors and agency admins see their agency's requests; caseworkers
        those they created and those of cases they may see. Platform admins and
        other agencies see none.
        """
        from cases.models import Case

        if not user.is_authenticated or user.agency_id is None:
            return self.none()
        own = self.filter(agency_id=user.agency_id)
        if user.sees_whole_agency:
            return own
        return own.filter(
            models.Q(created_by=user) | models.Q(case__in=Case.objects.visible_to(user))
        )

    def for_agency(self, agency: Agency) -> MLARequestQuerySet:
        return self.filter(agency=agency)

    def open(self) -> MLARequestQuerySet:
        return self.filter(status__in=MLA_OPEN)

    def overdue(self, today: datetime.date) -> MLARequestQuerySet:
        """Still awaiting a reply after its due date."""
        return self.open().filter(reply_due__lt=today)


class MLARequest(models.Model):
    """A mutual legal assistance request sent to, or received from, another country."""

    Status = MLAStatus

    agency = models.ForeignKey(
        Agency,
        verbose_name=_("handling agency"),
        on_delete=models.PROTECT,
        related_name="mla_requests",
    )
    direction = models.CharField(_("direction"), max_length=16, choices=MLADirection.choices)
    requesting_country = CountryField(_("requesting country"))
    requesting_authority = models.CharField(_("requesting authority"), max_length=200)
    requested_country = CountryField(_("requested country"))
    requested_authority = models.CharField(_("requested authority"), max_length=200)
    channel = models.CharField(_("channel"), max_length=16, choices=MLAChannel.choices)
    requests = models.JSONField(_("what is asked"), default=list)
    description = models.TextField(_("details"), max_length=4000, blank=True)
    sent_on = models.DateField(_("date sent"))
    reply_due = models.DateField(_("reply due"), null=True, blank=True)
    replied_on = models.DateField(_("reply received"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=MLAStatus.choices, default=MLAStatus.SENT
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mla_requests",
    )
    proceeding = models.ForeignKey(
        "cases.LegalProceeding",
        verbose_name=_("legal proceeding"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mla_requests",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
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

    objects = MLARequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("mutual legal assistance request")
        verbose_name_plural = _("mutual legal assistance requests")
        ordering = ["reply_due", "-sent_on", "-pk"]

    def __str__(self) -> str:
        return str(
            _("MLA %(from)s → %(to)s, %(date)s")
            % {
                "from": self.requesting_country.code,
                "to": self.requested_country.code,
                "date": self.sent_on,
            }
        )

    def get_absolute_url(self) -> str:
        return reverse("partners:mla_detail", args=[self.pk])

    def get_requests_display(self) -> list[str]:
        labels = dict(MLAAsk.choices)
        return [str(labels.get(value, value)) for value in self.requests]

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return bool(self.status in MLA_OPEN and self.reply_due and self.reply_due < today)


# --- prevention activities -------------------------------------------------------------


class ActivityType(models.TextChoices):
    CAMPAIGN = "campaign", _("Awareness campaign")
    TRAINING = "training", _("Training session")
    WORKSHOP = "workshop", _("Workshop")
    CONFERENCE = "conference", _("Conference")
    OUTREACH = "outreach", _("Outreach to migrant workers")
    TAKEDOWN = "takedown", _("Take-down request")


class Audience(models.TextChoices):
    MIGRANT_WORKERS = "migrant_workers", _("Migrant workers")
    STUDENTS = "students", _("Students")
    JOB_SEEKERS = "job_seekers", _("Job seekers")
    FRONTLINE = "frontline", _("Frontline officers")
    EMPLOYERS = "employers", _("Employers and brokers")
    GENERAL_PUBLIC = "general_public", _("General public")
    PARTNER_STAFF = "partner_staff", _("Partner agency staff")


class TakedownOutcome(models.TextChoices):
    PENDING = "pending", _("Pending")
    REMOVED = "removed", _("Removed")
    REFUSED = "refused", _("Refused by the platform")
    NO_REPLY = "no_reply", _("No reply")


class PreventionActivityQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> PreventionActivityQuerySet:
        """Prevention activities are not case data: every staff member of an agency
        and platform admins may see all of them (to learn from each other's work)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_platform_admin or user.agency_id is not None:
            return self.all()
        return self.none()

    def editable_by(self, user: User) -> PreventionActivityQuerySet:
        """Staff edit their own agency's activities (as organiser)."""
        if not user.is_authenticated or user.agency_id is None:
            return self.none()
        return self.filter(organiser_id=user.agency_id)

    def for_agency(self, agency: Agency) -> PreventionActivityQuerySet:
        """Organised by the agency or with it as a partner."""
        return self.filter(
            models.Q(organiser=agency)
            | models.Q(
                pk__in=PreventionActivity.partner_agencies.through.objects.filter(
                    agency_id=agency.pk
                ).values("preventionactivity_id")
            )
        )

    def in_year(self, year: int) -> PreventionActivityQuerySet:
        return self.filter(start_date__year=year)

    def for_list(self) -> PreventionActivityQuerySet:
        return self.select_related("organiser").prefetch_related("partner_agencies")


class PreventionActivity(models.Model):
    """An awareness, training, outreach or take-down activity (the first P)."""

    Type = ActivityType

    activity_type = models.CharField(_("type"), max_length=16, choices=ActivityType.choices)
    title = models.CharField(_("title"), max_length=300)
    organiser = models.ForeignKey(
        Agency,
        verbose_name=_("organiser"),
        on_delete=models.PROTECT,
        related_name="activities_organised",
    )
    partner_agencies = models.ManyToManyField(
        Agency,
        verbose_name=_("partner agencies"),
        related_name="activities_partnered",
        blank=True,
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    online = models.BooleanField(_("online"), default=False)
    audience = models.JSONField(_("audience"), default=list, blank=True)
    participants = models.PositiveIntegerField(_("number of participants"), null=True, blank=True)
    countries = CountryField(_("countries represented"), multiple=True, blank=True)
    materials = models.TextField(_("materials"), max_length=4000, blank=True)
    # Take-down requests only (activity_type == takedown).
    platform = models.CharField(_("platform"), max_length=200, blank=True)
    link_or_identifier = models.CharField(_("link or identifier"), max_length=2000, blank=True)
    sent_on = models.DateField(_("request sent on"), null=True, blank=True)
    takedown_outcome = models.CharField(
        _("outcome"), max_length=16, choices=TakedownOutcome.choices, blank=True
    )
    removed_on = models.DateField(_("removed on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
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

    objects = PreventionActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("prevention activity")
        verbose_name_plural = _("prevention activities")
        ordering = ["-start_date", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("partners:activity_detail", args=[self.pk])

    @property
    def is_takedown(self) -> bool:
        return self.activity_type == ActivityType.TAKEDOWN

    def get_audience_display(self) -> list[str]:
        labels = dict(Audience.choices)
        return [str(labels.get(value, value)) for value in self.audience]
