"""Factories shared by the tests and by `manage.py seed_demo`.

Every value is obviously fictional. Related objects stay consistent: a staff
member's agency is the agency their cases belong to.
"""

from __future__ import annotations

import datetime

import factory
from factory.django import DjangoModelFactory

from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from cases.models import Case, ProceedingCase
from partners.models import Agency, AgencyContact, AgencyType, ServiceType
from policy import Role
from victims.models import Person


class AgencyFactory(DjangoModelFactory[Agency]):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Example Agency {n}")
    code = factory.Sequence(lambda n: f"AG{n:03d}")
    agency_type = AgencyType.NGO
    country = "TW"
    services = factory.LazyFunction(lambda: [ServiceType.SHELTER, ServiceType.COUNSELLING])
    email = factory.LazyAttribute(lambda o: f"contact@{o.code.lower()}.example.org")


class AgencyContactFactory(DjangoModelFactory[AgencyContact]):
    class Meta:
        model = AgencyContact

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"Contact Person {n}")
    title = "Focal point"
    email = factory.Sequence(lambda n: f"focal{n}@example.org")


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"staff{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Staff Member {n}")
    agency = factory.SubFactory(AgencyFactory)
    role = Role.CASEWORKER
    password = factory.django.Password(DEMO_PASSWORD)


class PlatformAdminFactory(UserFactory):
    agency = None
    role = Role.PLATFORM_ADMIN


# --- victims -------------------------------------------------------------------


class PersonFactory(DjangoModelFactory[Person]):
    """A fictional person; identifying values are encrypted and blind-indexed on create."""

    class Meta:
        model = Person
        skip_postgeneration_save = True

    agency = factory.SubFactory(AgencyFactory)
    code = factory.Sequence(lambda n: f"P-{n:06d}")
    created_by = factory.SubFactory(UserFactory, agency=factory.SelfAttribute("..agency"))
    legal_name = factory.Sequence(lambda n: f"Demo Person {n}")
    date_of_birth = factory.Sequence(
        lambda n: datetime.date(1990, 1, 1) + datetime.timedelta(days=n)
    )
    document_numbers = factory.Sequence(lambda n: f"X{n:07d}")
    sex = factory.Iterator(["female", "male", "unknown"])
    age_band = "30-38"
    nationality = factory.Iterator(["TW", "VN", "ID", "PH", "TH"])
    languages = "Mandarin"
    immigration_status = "migrant_worker"

    @factory.post_generation
    def lookups(self, create: bool, extracted, **kwargs) -> None:
        if create:
            from victims.services import index_person

            index_person(self)


# --- cases ---------------------------------------------------------------------


class CaseFactory(DjangoModelFactory[Case]):
    """A case of `agency` for a person of the same agency.

    Pass `caseworkers=[user]` to assign it; track statuses are set only by
    `cases.services.transition_track`, so a factory case starts at the beginning.
    """

    class Meta:
        model = Case
        skip_postgeneration_save = True

    agency = factory.SubFactory(AgencyFactory)
    reference = factory.Sequence(lambda n: f"TST-2026-{n:05d}")
    person = factory.SubFactory(PersonFactory, agency=factory.SelfAttribute("..agency"))
    created_by = factory.SubFactory(UserFactory, agency=factory.SelfAttribute("..agency"))

    @factory.post_generation
    def caseworkers(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted:
            self.caseworkers.set(extracted)


class TaskFactory(DjangoModelFactory):
    class Meta:
        model = "cases.Task"

    case = factory.SubFactory(CaseFactory)
    title = factory.Sequence(lambda n: f"Follow-up task {n}")
    due_date = factory.Faker("date_between", start_date="+1d", end_date="+10d")
    created_by = factory.SelfAttribute("case.created_by")


class CriminalExposureFactory(DjangoModelFactory):
    class Meta:
        model = "cases.CriminalExposure"

    case = factory.SubFactory(CaseFactory)
    role = "suspect"
    case_numbers = factory.Sequence(lambda n: f"POL-DEMO-{n:04d}")


class CriminalMatterChargeFactory(DjangoModelFactory):
    class Meta:
        model = "cases.CriminalMatterCharge"

    matter = factory.SubFactory(CriminalExposureFactory)
    offence = "fraud"
    description = "Criminal Code art. 339-4 (fictional)"


class LegalProceedingFactory(DjangoModelFactory):
    """A proceeding owned by `case`'s agency and linked to `case` (a new case if none);
    pass `cases=[...]` to link several cases of any agency."""

    class Meta:
        model = "cases.LegalProceeding"

    case = factory.SubFactory(CaseFactory)
    agency = factory.SelfAttribute("case.agency")
    police_case_number = factory.Sequence(lambda n: f"PD-{n:05d}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        case = kwargs.pop("case")
        others = kwargs.pop("cases", None) or []
        proceeding = super()._create(model_class, *args, **kwargs)
        for linked in [case, *[c for c in others if c.pk != case.pk]]:
            ProceedingCase.objects.create(
                proceeding=proceeding, case=linked, linked_by=linked.created_by
            )
        return proceeding


class HearingFactory(DjangoModelFactory):
    """A hearing in a week for the proceeding's first linked case."""

    class Meta:
        model = "cases.Hearing"

    proceeding = factory.SubFactory(LegalProceedingFactory)
    case = factory.LazyAttribute(lambda o: o.proceeding.cases.order_by("pk").first())
    starts_at = factory.LazyFunction(
        lambda: timezone.now().replace(microsecond=0) + datetime.timedelta(days=7)
    )
    description = "First hearing"


# --- partners: referrals, MLA, activities, agreements ---------------------------

from django.utils import timezone  # noqa: E402


class ConsentFactory(DjangoModelFactory):
    """A sharing consent statement (victims.ConsentRecord) for the referral tests."""

    class Meta:
        model = "victims.ConsentRecord"

    person = factory.SubFactory(PersonFactory)
    purpose = "sharing"
    status = "given"
    given_on = factory.LazyFunction(timezone.localdate)
    explained_in = "English"
    recorded_by = factory.SelfAttribute("person.created_by")


class ReferralFactory(DjangoModelFactory):
    """A referral sent from the case's agency (status SENT, no transition history).

    Status moves are made by `partners.services`; tests that need an accepted or
    revoked referral call those services.
    """

    class Meta:
        model = "cooperation.Referral"
        skip_postgeneration_save = True

    case = factory.SubFactory(CaseFactory)
    from_agency = factory.SelfAttribute("case.agency")
    to_agency = factory.SubFactory(AgencyFactory)
    purpose = ServiceType.SHELTER
    sections = factory.LazyFunction(lambda: ["summary", "services"])
    respond_by = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=7))
    created_by = factory.SelfAttribute("case.created_by")


class MLARequestFactory(DjangoModelFactory):
    class Meta:
        model = "cooperation.MLARequest"

    agency = factory.SubFactory(AgencyFactory)
    direction = "outgoing"
    requesting_country = "TW"
    requesting_authority = "Demo District Prosecutors Office"
    requested_country = "KH"
    requested_authority = "Demo Ministry of Justice"
    channel = "formal"
    requests = factory.LazyFunction(lambda: ["evidence"])
    sent_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    reply_due = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
    created_by = factory.SubFactory(UserFactory, agency=factory.SelfAttribute("..agency"))


class PreventionActivityFactory(DjangoModelFactory):
    class Meta:
        model = "partners.PreventionActivity"

    activity_type = "training"
    title = factory.Sequence(lambda n: f"Frontline training {n}")
    organiser = factory.SubFactory(AgencyFactory)
    start_date = factory.LazyFunction(timezone.localdate)
    place = "Demo City Hall"
    audience = factory.LazyFunction(lambda: ["frontline"])
    participants = 30
    created_by = factory.SubFactory(UserFactory, agency=factory.SelfAttribute("..organiser"))


class AgreementFactory(DjangoModelFactory):
    class Meta:
        model = "partners.Agreement"

    title = factory.Sequence(lambda n: f"Memorandum of understanding {n}")
    foreign_party = "Demo Ministry of the Interior"
    foreign_country = "PH"
    covers_forced_criminality = True
    signed_on = datetime.date(2024, 1, 15)
    expires_on = datetime.date(2029, 1, 14)
