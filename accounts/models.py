from __future__ import annotations

import time
from base64 import b32encode
from binascii import unhexlify
from collections.abc import Iterator
from typing import ClassVar
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP
from django_otp.util import random_hex

from crypto import EncryptedTextField
from listing import ChoiceLabels
from locking.models import VersionedModel
from policy import MANAGES_STAFF, SEES_AGENCY, Role, can


class UserQuerySet(models.QuerySet):
    def active(self) -> UserQuerySet:
        return self.filter(is_active=True)

    def in_agency(self, agency_id: int | None) -> UserQuerySet:
        return self.filter(agency_id=agency_id)

    def caseworkers(self) -> UserQuerySet:
        return self.filter(role=Role.CASEWORKER)

    def supervisors(self) -> UserQuerySet:
        return self.filter(role__in=[Role.SUPERVISOR, Role.AGENCY_ADMIN])

    def agency_admins(self) -> UserQuerySet:
        return self.filter(role=Role.AGENCY_ADMIN)

    def ids_named(self, text: str) -> list[int]:
        """The ids of these staff whose name contains the text, read now: a list filtered
        "by name" then filters on the ids, and PostgreSQL plans it knowing how many they
        are. A text that 150 names contain, left as a join, was planned as one name and
        collected 105,000 cases to sort (1 s at a million cases; issue 12)."""
        return list(self.filter(full_name__icontains=text).values_list("pk", flat=True))

    def visible_to(self, user: User) -> UserQuerySet:
        """Staff records a user may look up: exactly those they manage (`manageable_by`)."""
        return self.manageable_by(user)

    def manageable_by(self, user: User) -> UserQuerySet:
        """Staff accounts a user may manage.

        Platform admins manage every account; an agency admin manages the accounts
        of their own agency; everyone else manages none. Lookups of staff records
        start here, so another agency's account answers 404.
        """
        if not user.is_authenticated:
            return self.none()
        if user.is_platform_admin:
            return self.all()
        if user.is_agency_admin:
            return self.filter(agency_id=user.agency_id)
        return self.none()


# django-stubs cannot type a subclass of a from_queryset() manager
# (typeddjango/django-stubs#1699): the base is Any to mypy, the methods below are typed.
class UserManager(BaseUserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    use_in_migrations = True

    def get_by_natural_key(self, username: str) -> User:
        return self.get(email__iexact=username)

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("role", Role.PLATFORM_ADMIN)
        extra.setdefault("full_name", "Platform admin")
        return self.create_user(email, password, **extra)


class User(ChoiceLabels, AbstractBaseUser, PermissionsMixin, VersionedModel):
    """A staff member: one agency and one role, or a platform admin with no agency."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    agency = models.ForeignKey(
        "partners.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # Part of the session auth hash: raising it ends every session of the account
    # (Django drops a session whose hash no longer matches), whatever the session store.
    session_epoch = models.PositiveIntegerField(_("session generation"), default=0, editable=False)
    # A user's own row; deleting the editor's account keeps this one.
    updated_by = models.ForeignKey(
        "self",
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # who wrote it: tests/test_redundant_indexes.py
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.CheckConstraint(
                condition=(
                    models.Q(role=Role.PLATFORM_ADMIN, agency__isnull=True)
                    | (~models.Q(role=Role.PLATFORM_ADMIN) & models.Q(agency__isnull=False))
                ),
                name="accounts_user_agency_matches_role",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def is_platform_admin(self) -> bool:
        return self.role == Role.PLATFORM_ADMIN

    @property
    def is_agency_admin(self) -> bool:
        return self.role == Role.AGENCY_ADMIN

    @property
    def is_supervisor(self) -> bool:
        return self.role == Role.SUPERVISOR

    @property
    def is_caseworker(self) -> bool:
        return self.role == Role.CASEWORKER

    @property
    def sees_whole_agency(self) -> bool:
        """Supervisors and agency admins see every case of their agency (policy.SEES_AGENCY)."""
        return can(self, SEES_AGENCY)

    @property
    def can_manage_staff(self) -> bool:
        return can(self, MANAGES_STAFF)

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def get_session_auth_hash(self) -> str:
        return self._session_auth_hash()

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_auth_hash(secret=fallback_secret)

    def _session_auth_hash(self, secret: str | bytes | None = None) -> str:
        """An HMAC of the password hash and the session generation.

        Generation 0 gives Django's own hash (same salt, same value), so sessions opened
        before the field existed stay valid; each later generation invalidates all
        earlier sessions.
        """
        value = f"{self.password}|{self.session_epoch}" if self.session_epoch else self.password
        return salted_hmac(
            "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
            value,
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def end_sessions(self) -> None:
        """Invalidate every session of this account at its next request (save to apply)."""
        self.session_epoch += 1


class TOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """A staff member's authenticator app (RFC 6238 TOTP, 6 digits, 30 s).

    Like django-otp's own TOTP device, but the shared secret is encrypted at rest
    with the field keys (HARBOR_FIELD_KEYS): a database dump alone cannot mint codes.
    `last_t` makes every code work once; ThrottlingMixin slows down guessing.
    """

    STEP = 30
    DIGITS = 6
    TOLERANCE = 1

    secret = EncryptedTextField(_("secret"), editable=False)
    # django_otp ships no types, so its Device base is Any to mypy: name the types here.
    last_t: models.BigIntegerField[int, int] = models.BigIntegerField(
        _("last time step used"), default=-1
    )
    _default_manager: ClassVar[models.Manager[TOTPDevice]]

    class Meta:
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")

    @classmethod
    def new_for(cls, user: User) -> TOTPDevice:
        return cls(user=user, name="authenticator", confirmed=False, secret=random_hex(20))

    @property
    def bin_key(self) -> bytes:
        return unhexlify(self.secret.encode())

    @property
    def base32_secret(self) -> str:
        """For typing into an app by hand, in groups of four."""
        encoded = b32encode(self.bin_key).decode()
        return " ".join(encoded[i : i + 4] for i in range(0, len(encoded), 4))

    def config_url(self, issuer: str = "Harbor") -> str:
        label = quote(f"{issuer}:{self.user.email}")
        query = urlencode(
            {"secret": b32encode(self.bin_key).decode(), "issuer": issuer, "digits": self.DIGITS}
        )
        return f"otpauth://totp/{label}?{query}"

    def get_throttle_factor(self) -> int:
        """Seconds of delay after the first wrong code; doubles with each further one."""
        return 1

    def matching_step(self, token: str) -> int | None:
        """The time step a code belongs to, if it is valid now and newer than the last one used."""
        try:
            number = int(str(token).strip())
        except ValueError:
            return None
        totp = TOTP(self.bin_key, self.STEP, 0, self.DIGITS, 0)
        totp.time = time.time()
        if totp.verify(number, self.TOLERANCE, self.last_t + 1):
            return totp.t()
        return None

    def verify_token(self, token) -> bool:
        """django-otp's contract: check a code, throttled; a used code never works again."""
        allowed, _details = self.verify_is_allowed()
        if not allowed:
            return False
        step = self.matching_step(token)
        if step is None:
            self.throttle_increment(commit=True)
            return False
        self.last_t = step
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True
