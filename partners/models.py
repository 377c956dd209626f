from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from listing import ChoiceLabels
from locking.models import CreatedModel, VersionedModel
from policy import MANAGES_AGENCIES, READS_PARTNERSHIP, Actor, can


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

    def visible_to(self, user: Actor) -> AgencyQuerySet:
        """The partner directory a user may browse.

        Agencies are not case data: every staff member sees the active ones (to
        choose a referral partner); platform admins also see deactivated ones. A
        national coordinator (no READS_PARTNERSHIP) sees none: national figures only.
        """
        if not can(user, READS_PARTNERSHIP):
            return self.none()
        if user.is_platform_admin:
            return self.all()
        return self.filter(models.Q(is_active=True) | models.Q(pk=user.agency_id))

    def coordinating(self) -> AgencyQuerySet:
        """The national coordinating agency (at most one: a unique partial constraint)."""
        return self.filter(is_coordinating=True)

    def manageable_by(self, user: Actor) -> AgencyQuerySet:
        """Agencies a user may create, edit and deactivate (policy.MANAGES_AGENCIES)."""
        if can(user, MANAGES_AGENCIES):
            return self.all()
        return self.none()


agency_code_validator = RegexValidator(
    r"^[A-Z0-9]{2,10}$", _("Use 2 to 10 capital letters or digits, e.g. TWNGO1.")
)


class Agency(ChoiceLabels, VersionedModel):
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
    # A platform setting: the one agency whose staff may be national coordinators
    # (policy.SEES_NATIONAL), who read the national statistics and no record.
    is_coordinating = models.BooleanField(
        _("national coordinating agency"),
        default=False,
        help_text=_(
            "Its staff may be given the national coordinator role: national figures "
            "across every agency, never a record. At most one agency."
        ),
    )
    # New cases get this supervisor (cases.services.create_case); the agency admin
    # changes it from a supervisor's staff page.
    default_supervisor = models.ForeignKey(
        "accounts.User",
        verbose_name=_("default supervisor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # An agency outlives the accounts that edited it (VersionedModel's protects them).
    updated_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # who wrote it: tests/test_redundant_indexes.py
    )

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="partners_agency_name_ci_unique"),
            models.UniqueConstraint(
                fields=["is_coordinating"],
                condition=models.Q(is_coordinating=True),
                name="partners_agency_one_coordinating",
            ),
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


# --- agreements (MOU) ------------------------------------------------------------------


class AgreementQuerySet(models.QuerySet):
    def visible_to(self, user: Actor) -> AgreementQuerySet:
        """Agreements are not case data: every signed-in staff member may read them
        (READS_PARTNERSHIP: not a national coordinator)."""
        if not can(user, READS_PARTNERSHIP):
            return self.none()
        return self.all()

    def manageable_by(self, user: Actor) -> AgreementQuerySet:
        """Agreements a user may record and edit (policy.MANAGES_AGENCIES)."""
        if can(user, MANAGES_AGENCIES):
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


class Agreement(ChoiceLabels, VersionedModel):
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
    def visible_to(self, user: Actor) -> PreventionActivityQuerySet:
        """Prevention activities are not case data: every staff member of an agency
        and platform admins may see all of them (to learn from each other's work); a
        national coordinator (no READS_PARTNERSHIP) none."""
        if not can(user, READS_PARTNERSHIP):
            return self.none()
        if user.is_platform_admin or user.agency_id is not None:
            return self.all()
        return self.none()

    def editable_by(self, user: Actor) -> PreventionActivityQuerySet:
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


class PreventionActivity(ChoiceLabels, CreatedModel, VersionedModel):
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
    # Not editable through a form, unlike CreatedModel's.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        db_index=False,  # who wrote it: tests/test_redundant_indexes.py
    )

    objects = PreventionActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("prevention activity")
        verbose_name_plural = _("prevention activities")
        ordering = ["-start_date", "-pk"]
        indexes = [
            # The list's order, and an agency page's newest first: the first rows walked
            # in order, never the whole country's activities sorted (issue 12).
            models.Index(fields=["-start_date", "-id"], name="partners_activity_newest"),
        ]

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
