from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
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
