from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from accounts.models import User
from cases.models import Archivable, ArchivableQuerySet, Case, CaseAgencyRow, CaseRowQuerySet
from crypto import EncryptedDateField, EncryptedTextField
from crypto.files import WrappedKeyField
from listing import AmongIds, ChoiceLabels, RowExists
from locking.models import CreatedModel, VersionedModel
from partners.models import AgencyType
from workflow import Graph, TransitionRecord


class Sex(models.TextChoices):
    """HTCDS gender values."""

    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    GENDER_MINORITY = "gender_minority", _("Transgender / gender minority")
    UNKNOWN = "unknown", _("Unknown")


class AgeBand(models.TextChoices):
    """HTCDS ageBroad bands, used when the date of birth is unknown."""

    B0_8 = "0-8", _("0-8")
    B9_17 = "9-17", _("9-17")
    B18_20 = "18-20", _("18-20")
    B21_23 = "21-23", _("21-23")
    B24_26 = "24-26", _("24-26")
    B27_29 = "27-29", _("27-29")
    B30_38 = "30-38", _("30-38")
    B39_47 = "39-47", _("39-47")
    B48 = "48+", _("48 and over")

    @classmethod
    def for_age(cls, age: int) -> AgeBand:
        for band in cls:
            low, _sep, high = band.value.replace("+", "-").partition("-")
            if int(low) <= age and (not high or age <= int(high)):
                return band
        return cls.B48


class ImmigrationStatus(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    RESIDENT = "resident", _("Resident")
    MIGRANT_WORKER = "migrant_worker", _("Migrant worker")
    VISITOR = "visitor", _("Visitor")
    UNDOCUMENTED = "undocumented", _("Undocumented")
    OTHER = "other", _("Other")


class Vulnerability(models.TextChoices):
    MINOR = "minor", _("Child (under 18)")
    DISABILITY = "disability", _("Disability")
    PREGNANCY = "pregnancy", _("Pregnancy")
    ILLNESS = "illness", _("Serious illness or injury")
    MENTAL_HEALTH = "mental_health", _("Mental health needs")
    SUBSTANCE = "substance", _("Substance dependence")
    NO_DOCUMENTS = "no_documents", _("No identity documents")
    DEBT = "debt", _("Debt")
    LANGUAGE = "language", _("Does not speak the local language")
    FAMILY_THREATENED = "family_threatened", _("Family threatened")


class PersonQuerySet(ArchivableQuerySet):
    def visible_to(self, user: User, *, with_case: models.Q | None = None) -> PersonQuerySet:
        """The people a user may see: the single definition, used by every lookup.

        A person is visible with at least one case the user may see. A person
        registered at intake but not yet given a case is visible to whoever
        registered them and to their agency's supervisors and admins. Anybody
        else gets 404. An archived person is nobody's (`active()`), and neither are
        their cases (CaseQuerySet.active); a person whose every case is archived
        drops out with those cases and comes back when one is restored.

        `with_case`, a condition on a case (a list's case-level filters), keeps only the
        people with a case they may see that meets it, and no caseless one: a condition
        can only narrow the scope, never widen it.
        """
        if not user.is_authenticated or user.agency_id is None:
            return self.none()
        # The person is checked active here: its visible cases are the agency scope's
        # unarchived ones (no second join to the person in the subquery).
        cases = Case.objects.unarchived().of_agency_scope(user)
        if with_case is not None:
            narrowed = cases.filter(with_case)
            if not user.sees_whole_agency:
                # One list of ids, the narrowed cases' people: tested beside the whole
                # scope's list, two lists on one index took 15 µs a person (a caseworker's
                # 770 filtered on themselves: 19 -> 4 ms at 1,000,000 cases).
                ids = narrowed.order_by().values("person_id")
                return self.active().filter(AmongIds("pk", ids))
            with_one = models.Exists(narrowed.filter(person_id=models.OuterRef("pk")))
            return self.active().filter(with_one)
        registered = models.Q(agency_id=user.agency_id)
        if not user.sees_whole_agency:
            registered &= models.Q(created_by=user)
        # Probed (listing.RowExists) only for the people the columns leave in, tested
        # first, never hashed from every case there is.
        caseless = models.Q(
            registered, ~RowExists(Case.objects.filter(person_id=models.OuterRef("pk")))
        )
        if not user.sees_whole_agency:
            # A caseworker's people are few (their assigned cases, the people they
            # registered) among an agency's hundreds of thousands: start from those ids
            # (the assignment and registrant indexes) instead of walking every person
            # for one in a thousand that matches (issue 12).
            mine = cases.order_by().values("person_id")
            registered_caseless = Person.objects.filter(caseless).order_by().values("pk")
            return self.active().filter(AmongIds("pk", mine.union(registered_caseless, all=True)))
        # Correlated EXISTS, no DISTINCT (issue 12): PostgreSQL walks the people in the
        # list's order and probes each one's cases by index, instead of materialising the
        # agency's cases once per row when they outgrow work_mem. Most of an agency's
        # people match, so the walk stops within a page.
        with_visible_case = models.Exists(cases.filter(person_id=models.OuterRef("pk")))
        return self.active().filter(with_visible_case | caseless)


class Person(ChoiceLabels, CreatedModel, VersionedModel, Archivable):
    """A (possible) victim of trafficking, known by a pseudonymous code by default."""

    agency = models.ForeignKey(
        "partners.Agency",
        verbose_name=_("registering agency"),
        on_delete=models.PROTECT,
        related_name="persons",
    )
    # Unique through Meta.constraints: a unique field would add a second, `LIKE` index
    # (varchar_pattern_ops) that nothing reads, since code searches use search's trigram
    # index, and that every bulk import writes (issue 12: 60 ms of the CTDC import).
    code = models.CharField(_("code"), max_length=32, editable=False)

    # Identifying: encrypted at rest, searched only through PersonLookup digests.
    legal_name = EncryptedTextField(_("legal name"), max_length=300, default="")
    other_names = EncryptedTextField(
        _("other names and spellings"),
        blank=True,
        max_length=2000,
        help_text=_("One per line: aliases, other spellings, names in other scripts."),
    )
    date_of_birth = EncryptedDateField(_("date of birth"), null=True, blank=True)
    document_numbers = EncryptedTextField(
        _("document numbers"),
        blank=True,
        max_length=2000,
        help_text=_("One per line: passport, ID card, residence permit numbers."),
    )
    phone = EncryptedTextField(_("phone"), blank=True, max_length=100)
    address = EncryptedTextField(_("address"), blank=True, max_length=1000)

    # Not identifying on their own.
    sex = models.CharField(_("sex/gender"), max_length=16, choices=Sex.choices, default=Sex.UNKNOWN)
    age_years = models.PositiveSmallIntegerField(
        _("age (years)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(120)],
        help_text=_("Only when the date of birth is unknown."),
    )
    age_band = models.CharField(_("age band"), max_length=8, choices=AgeBand.choices, blank=True)
    nationality = CountryField(_("nationality"), blank=True)
    other_citizenships = CountryField(_("other citizenship"), multiple=True, blank=True)
    languages = models.CharField(_("languages spoken"), max_length=200, blank=True)
    interpreter_needed = models.BooleanField(_("needs an interpreter"), default=False)
    immigration_status = models.CharField(
        _("immigration status"), max_length=16, choices=ImmigrationStatus.choices, blank=True
    )
    vulnerabilities = models.JSONField(_("vulnerabilities"), default=list, blank=True)

    objects = PersonQuerySet.as_manager()
    # Encrypted columns keep their field class in the history table: still ciphertext.
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["code"], name="victims_person_code_unique")]
        indexes = [
            # The supervisor's archive list, newest first: an agency's few archived people,
            # which a scan of every person found (issue 12).
            models.Index(
                fields=["agency", "-archived_at", "-id"],
                condition=models.Q(archived_at__isnull=False),
                name="victims_person_archived",
            ),
            # The people and case lists' filters on a person's non-identifying fields: a
            # rare value (a nationality, a gender minority, a child's age band) is found
            # from its few people, not by reading a national agency's every person.
            models.Index(fields=["nationality"], name="victims_person_nationality"),
            models.Index(fields=["sex"], name="victims_person_sex"),
            models.Index(fields=["age_band"], name="victims_person_age_band"),
            # The people a caseworker registered and has given no case yet (visible_to):
            # the registrant and the agency, both in the scope's condition, and the id it
            # reads, so that the scope reads this index alone (PostgreSQL's index-only
            # scan; a caseworker's 700 registrations took 5 ms through the rows, 2 here).
            models.Index(
                fields=["created_by", "agency"], include=["id"], name="victims_person_registrant"
            ),
            # A case's person not archived (CaseQuerySet.active), from the index alone: the
            # second half of every scope's probe of a row's case (cases_case_live).
            models.Index(
                fields=["id"],
                condition=models.Q(archived_at__isnull=True),
                name="victims_person_live",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("victims:person_detail", args=[self.pk])

    def current_consents(self) -> list[ConsentRecord]:
        """The latest record per purpose and target: the consent in force now."""
        latest: dict[tuple, ConsentRecord] = {}
        records = self.consents.select_related("target_agency").order_by("-recorded_at", "-pk")
        for record in records:
            latest.setdefault(record.target_key(), record)
        return list(latest.values())

    def get_vulnerabilities_display(self) -> list[str]:
        labels = dict(Vulnerability.choices)
        return [str(labels.get(code, code)) for code in self.vulnerabilities]


class PersonPhoto(models.Model):
    """A person's photo: re-encoded as JPEG without metadata, then encrypted under a data
    key of its own (crypto.files), wrapped by the field keys.

    The image bytes never touch the file system or a public URL; they are served
    only by `victims:person_photo` to roles that may see identity, and each view
    is audited (see victims.services.set_person_photo and crypto).
    """

    person = models.OneToOneField(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="photo"
    )
    ciphertext = models.BinaryField(_("encrypted image"), editable=False)
    # The photo's data key; empty only for a photo stored before per-file keys.
    wrapped_key = WrappedKeyField(_("wrapped data key"), blank=True, editable=False)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return f"{self.person.code} photo"


class PersonLookup(ChoiceLabels, models.Model):
    """Blind-index digests of a person's identifying values, for search and duplicates.

    Holds keyed hashes only (HMAC-SHA256), never a clear or reversible value. Exact
    kinds match a normalised value; NAME_PART (a keyed Bloom filter and phonetic code per
    name part) serves the approximate matcher in victims.matching, whose blocking reads
    the codes inside the tokens (victims_lookup_part_phonetic).
    """

    class Kind(models.TextChoices):
        DOCUMENT = "document", _("Document number")
        NAME = "name", _("Name")
        NAME_DOB = "name_dob", _("Name and date of birth")
        PHONE = "phone", _("Phone number")
        NAME_PART = "name_part", _("Similar name")

    person = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        related_name="lookups",
        db_index=False,  # no index of its own: victims_lookup_unique leads with it
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # Indexed through Meta.indexes: a field's own index would add a second, `LIKE` one
    # (varchar_pattern_ops) that no lookup reads and every new person writes.
    digest = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind", "digest"], name="victims_lookup_unique"
            )
        ]
        indexes = [models.Index(fields=["digest"], name="victims_lookup_digest")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.person_id}"


class EncryptionSentinel(models.Model):
    """One known value encrypted with the field keys: the startup check decrypts it."""

    ciphertext = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"sentinel {self.pk}"


class ExploitationKind(models.TextChoices):
    FORCED_LABOUR = "forced_labour", _("Forced labour")
    SEXUAL_EXPLOITATION = "sexual_exploitation", _("Sexual exploitation")
    FORCED_CRIMINALITY = "forced_criminality", _("Forced criminality (scam operations)")


class IndicatorSet(ChoiceLabels, models.Model):
    """One version of a screening checklist. Answers point at its indicators, so a
    new version never rewrites old answers."""

    # No index of its own: victims_indicatorset_version leads with it.
    code = models.SlugField(_("code"), max_length=40, db_index=False)
    version = models.PositiveSmallIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("exploitation"), max_length=32, choices=ExploitationKind.choices)
    is_current = models.BooleanField(_("current"), default=True)

    class Meta:
        verbose_name = _("indicator set")
        verbose_name_plural = _("indicator sets")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="victims_indicatorset_version")
        ]

    def __str__(self) -> str:
        return f"{self.display_title} (v{self.version})"

    @property
    def display_title(self) -> str:
        """The stored English title, translated when the catalogue has it."""
        return gettext(self.title)


class Indicator(models.Model):
    indicator_set = models.ForeignKey(
        IndicatorSet,
        on_delete=models.PROTECT,
        related_name="indicators",
        db_index=False,  # no index of its own: victims_indicator_code leads with it
    )
    code = models.SlugField(_("code"), max_length=60)
    text = models.CharField(_("question"), max_length=300)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["indicator_set", "position"]
        constraints = [
            models.UniqueConstraint(fields=["indicator_set", "code"], name="victims_indicator_code")
        ]

    def __str__(self) -> str:
        return self.display_text

    @property
    def display_text(self) -> str:
        """The stored English question, translated when the catalogue has it."""
        return gettext(self.text)


class ScreeningQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ScreeningQuerySet:
        """Screenings of the cases the user may see (the case scope decides)."""
        return self.filter(
            models.Exists(Case.objects.visible_to(user).filter(pk=models.OuterRef("case_id")))
        )


class Screening(ChoiceLabels, models.Model):
    """An indicator screening of one case; the caseworker decides, the score only suggests."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")

    class Decision(models.TextChoices):
        REFER = "refer", _("Refer for formal identification")
        NOT_REFER = "not_refer", _("Do not refer (back to not screened)")

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="screenings"
    )
    indicator_set = models.ForeignKey(
        IndicatorSet, verbose_name=_("indicator set"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.IN_PROGRESS,
        editable=False,
    )
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, blank=True)
    decision_note = EncryptedTextField(_("reasons for the decision"), blank=True, max_length=4000)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("screened by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    objects = ScreeningQuerySet.as_manager()

    class Meta:
        verbose_name = _("screening")
        verbose_name_plural = _("screenings")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.indicator_set} · {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return reverse("victims:screening_detail", args=[self.pk])


# A screening's status graph: `victims.services.complete_screening` (through
# `workflow.move`) is its only writer; a screening starts in progress.
SCREENING_GRAPH = Graph.build(
    "screening",
    "status",
    {Screening.Status.IN_PROGRESS: {Screening.Status.COMPLETED}, Screening.Status.COMPLETED: set()},
)


class ScreeningTransition(TransitionRecord):
    """One status change of a screening: who completed it, when."""

    screening = models.ForeignKey(
        Screening, verbose_name=_("screening"), on_delete=models.CASCADE, related_name="transitions"
    )

    class Meta(TransitionRecord.Meta):
        verbose_name = _("screening status change")
        verbose_name_plural = _("screening status changes")


class ScreeningAnswer(ChoiceLabels, models.Model):
    class Answer(models.TextChoices):
        YES = "yes", _("Yes")
        NO = "no", _("No")
        UNKNOWN = "unknown", _("Unknown")

    screening = models.ForeignKey(
        Screening,
        on_delete=models.CASCADE,
        related_name="answers",
        db_index=False,  # no index of its own: victims_answer_once_per_indicator leads with it
    )
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(
        _("answer"), max_length=8, choices=Answer.choices, default=Answer.UNKNOWN
    )
    note = EncryptedTextField(_("note"), blank=True, max_length=2000)

    class Meta:
        ordering = ["indicator__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["screening", "indicator"], name="victims_answer_once_per_indicator"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.answer}"


class DecisionQuerySet(CaseRowQuerySet):
    def awaiting_review(self) -> DecisionQuerySet:
        """Decisions whose review was requested and has no outcome yet (the supervisor
        inbox); index victims_decision_review_open holds exactly these, per agency."""
        return self.filter(review_requested_on__isnull=False, review_outcome="")


class IdentificationDecision(ChoiceLabels, CaseAgencyRow):
    """The formal decision of an authority on whether the person is a victim."""

    class Authority(models.TextChoices):
        POLICE = "police", _("Police")
        PROSECUTOR = "prosecutor", _("Prosecutor")
        IMMIGRATION = "immigration", _("Immigration")
        LABOUR = "labour", _("Labour authority")
        COURT = "court", _("Court")
        # Imported reference data (CTDC) records people already identified elsewhere,
        # without a decision date: the import records that decision as such.
        REFERENCE_DATA = "reference_data", _("Recorded in imported reference data")

    class Outcome(models.TextChoices):
        IDENTIFIED = "identified", _("Identified as a victim")
        NOT_IDENTIFIED = "not_identified", _("Not identified")

    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="identification_decisions",
    )
    authority = models.CharField(_("authority"), max_length=16, choices=Authority.choices)
    # Required on every form (blank=False); null only for imported reference data,
    # whose files give banded years, never a date.
    decided_on = models.DateField(_("decision date"), null=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    notice_given_on = models.DateField(_("notice given to the person on"), null=True, blank=True)
    notice_language = models.CharField(_("language of the notice"), max_length=100, blank=True)
    review_requested_on = models.DateField(_("review requested on"), null=True, blank=True)
    review_outcome = models.CharField(
        _("review outcome"), max_length=16, choices=Outcome.choices, blank=True
    )
    review_decided_on = models.DateField(_("review decided on"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # who wrote it: tests/test_redundant_indexes.py
    )

    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("identification decision")
        verbose_name_plural = _("identification decisions")
        ordering = ["-decided_on", "-pk"]
        indexes = [
            # The supervisor inbox's open reviews, oldest request first (awaiting_review).
            models.Index(
                fields=["agency", "review_requested_on", "id"],
                condition=models.Q(review_requested_on__isnull=False, review_outcome=""),
                name="victims_decision_review_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_authority_display()}: {self.get_outcome_display()}"

    def get_absolute_url(self) -> str:
        return reverse("victims:decision_detail", args=[self.pk])


class ConsentRecord(ChoiceLabels, models.Model):
    """One consent statement; append-only. The current state of a purpose (and
    target) is its latest record, so a withdrawal takes effect at once."""

    class Purpose(models.TextChoices):
        DATA_PROCESSING = "data_processing", _("Processing of personal data")
        SHARING = "sharing", _("Sharing with another agency")
        CONTACT = "contact", _("Being contacted")
        STATISTICS = "statistics", _("Use in anonymised statistics")

    class Status(models.TextChoices):
        GIVEN = "given", _("Given")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="consents"
    )
    purpose = models.CharField(_("purpose"), max_length=32, choices=Purpose.choices)
    target_agency = models.ForeignKey(
        "partners.Agency",
        verbose_name=_("agency shared with"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    target_agency_type = models.CharField(
        _("type of agency shared with"), max_length=32, choices=AgencyType.choices, blank=True
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    given_on = models.DateField(_("date"))
    explained_in = models.CharField(_("language in which it was explained"), max_length=100)
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # who wrote it: tests/test_redundant_indexes.py
    )

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}: {self.get_status_display()}"

    def target_key(self) -> tuple:
        return (self.purpose, self.target_agency_id, self.target_agency_type)
