"""Demo agencies and partnership records for `manage.py seed_demo`: fictional only."""

from __future__ import annotations

import datetime

from django.utils import timezone

from accounts.models import Role, User
from cases.models import Case
from partners import services
from partners.models import (
    ActivityType,
    Agency,
    AgencyType,
    Agreement,
    Audience,
    DeclineReason,
    MLAAsk,
    MLAChannel,
    MLADirection,
    MLARequest,
    MLAStatus,
    PreventionActivity,
    Referral,
    ReferralSection,
    ReferralUpdate,
    ServiceType,
    TakedownOutcome,
)
from tests.factories import AgencyContactFactory, AgencyFactory, ConsentFactory

DEMO_AGENCIES = [
    {
        "code": "DEMONGO",
        "name": "Harbor Demo NGO",
        "agency_type": AgencyType.NGO,
        "country": "TW",
        "services": [
            ServiceType.COUNSELLING,
            ServiceType.LEGAL_AID,
            ServiceType.ACCOMPANIMENT,
            ServiceType.HOTLINE,
        ],
    },
    {
        "code": "DEMOSHL",
        "name": "Harbor Demo Shelter",
        "agency_type": AgencyType.SHELTER,
        "country": "TW",
        "services": [ServiceType.SHELTER, ServiceType.MEDICAL, ServiceType.VOCATIONAL_TRAINING],
    },
    {
        "code": "DEMOPOL",
        "name": "Demo City Police Anti-Trafficking Unit",
        "agency_type": AgencyType.POLICE,
        "country": "TW",
        "services": [ServiceType.INVESTIGATION],
    },
    {
        "code": "DEMOEMB",
        "name": "Embassy of Examplestan (demo)",
        "agency_type": AgencyType.EMBASSY,
        "country": "PH",
        "services": [ServiceType.REPATRIATION, ServiceType.INTERPRETATION],
    },
]


def seed_agencies() -> list[Agency]:
    agencies = []
    for data in DEMO_AGENCIES:
        agency = AgencyFactory(**data)
        if not agency.contacts.exists():
            AgencyContactFactory(
                agency=agency,
                name=f"Focal Point {agency.code}",
                email=f"focal@{agency.code.lower()}.example.org",
            )
        agencies.append(agency)
    return agencies


def seed_partnerships(agencies: list[Agency], users: list[User]) -> None:
    """Demo referrals, agreements, MLA requests and prevention activities (fictional).

    Each kind is created only when none exists yet, so running seed_demo twice adds nothing.
    """
    ngo, shelter = agencies[0], agencies[1]
    staff = {(user.agency_id, user.role): user for user in users if user.agency_id}
    ngo_worker = staff[(ngo.pk, Role.CASEWORKER)]
    shelter_supervisor = staff[(shelter.pk, Role.SUPERVISOR)]
    shelter_worker = staff[(shelter.pk, Role.CASEWORKER)]
    if not Referral.objects.exists():
        _seed_referrals(ngo, shelter, agencies, ngo_worker, shelter_supervisor, shelter_worker)
    if not Agreement.objects.exists():
        _seed_agreements(agencies)
    if not MLARequest.objects.exists():
        _seed_mla(ngo, ngo_worker)
    if not PreventionActivity.objects.exists():
        _seed_activities(agencies, ngo_worker)


def _seed_referrals(
    ngo: Agency,
    shelter: Agency,
    agencies: list[Agency],
    worker: User,
    shelter_supervisor: User,
    shelter_worker: User,
) -> None:
    cases = list(Case.objects.filter(agency=ngo, caseworkers=worker).order_by("pk")[:5])
    if len(cases) < 5:
        return
    today = timezone.localdate()
    referrals = []
    for case, due in zip(cases[:4], (7, 5, -2, 3), strict=True):
        ConsentFactory(person=case.person, target_agency=shelter, recorded_by=worker)
        referrals.append(
            services.send_referral(
                Referral(
                    case=case,
                    to_agency=shelter,
                    purpose=ServiceType.SHELTER,
                    sections=[ReferralSection.SUMMARY, ReferralSection.SERVICES],
                    respond_by=today + datetime.timedelta(days=due),
                    message="Needs a safe shelter place (demo).",
                ),
                actor=worker,
            )
        )
    accepted, declined = referrals[0], referrals[1]
    services.accept_referral(accepted, actor=shelter_supervisor, assignees=[shelter_worker])
    services.add_referral_update(
        ReferralUpdate(referral=accepted, text="Admitted; medical check booked (demo)."),
        actor=shelter_worker,
    )
    services.decline_referral(declined, actor=shelter_supervisor, reason=DeclineReason.NO_CAPACITY)
    embassy = next((a for a in agencies if a.agency_type == AgencyType.EMBASSY), None)
    services.send_referral(
        Referral(
            case=cases[4],
            external_name="Example Returnee Foundation (demo)",
            external_country=embassy.country if embassy else "PH",
            external_contact="intake@returnee.example.org",
            purpose=ServiceType.REPATRIATION,
        ),
        actor=worker,
    )


def _seed_agreements(agencies: list[Agency]) -> None:
    today = timezone.localdate()
    rows = [
        ("MOU on trafficking for forced criminality (demo)", "PH", True, 45),
        ("Labour migration cooperation agreement (demo)", "VN", False, 700),
        ("Shelter and referral protocol (demo)", "", False, 365),
    ]
    for title, country, criminality, days in rows:
        agreement = Agreement.objects.create(
            title=title,
            foreign_party="Ministry of the Interior (demo)" if country else "",
            foreign_country=country,
            covers_forced_criminality=criminality,
            covers_labour=not criminality,
            signed_on=today - datetime.timedelta(days=900),
            expires_on=today + datetime.timedelta(days=days),
            focal_points="International cooperation desk (demo)",
            document_reference=f"DEMO-MOU-{len(title)}",
        )
        agreement.parties.set(agencies[:2])


def _seed_mla(agency: Agency, worker: User) -> None:
    today = timezone.localdate()
    case = Case.objects.filter(agency=agency, caseworkers=worker).order_by("pk").first()
    for due, status, channel in (
        (-10, MLAStatus.SENT, MLAChannel.FORMAL),
        (20, MLAStatus.ACKNOWLEDGED, MLAChannel.LIAISON),
        (-40, MLAStatus.REPLIED, MLAChannel.POLICE),
    ):
        MLARequest.objects.create(
            agency=agency,
            direction=MLADirection.OUTGOING,
            requesting_country="TW",
            requesting_authority="District Prosecutors Office (demo)",
            requested_country="KH",
            requested_authority="Ministry of Justice (demo)",
            channel=channel,
            requests=[MLAAsk.EVIDENCE, MLAAsk.ASSET_FREEZE],
            sent_on=today - datetime.timedelta(days=60),
            reply_due=today + datetime.timedelta(days=due),
            status=status,
            case=case,
            created_by=worker,
        )


def _seed_activities(agencies: list[Agency], worker: User) -> None:
    today = timezone.localdate()
    for number, activity_type in enumerate(ActivityType.values):
        takedown = activity_type == ActivityType.TAKEDOWN
        activity = PreventionActivity.objects.create(
            activity_type=activity_type,
            title=f"{ActivityType(activity_type).label} (demo)",
            organiser=agencies[number % 2],
            start_date=today - datetime.timedelta(days=40 * number),
            place="" if takedown else "Demo City",
            online=number % 2 == 1,
            audience=[Audience.MIGRANT_WORKERS] if number % 2 else [Audience.FRONTLINE],
            participants=None if takedown else 20 + 15 * number,
            countries=["TW", "VN", "PH"],
            platform="Example Social (demo)" if takedown else "",
            link_or_identifier="https://social.example.org/ads/12345" if takedown else "",
            sent_on=today - datetime.timedelta(days=5) if takedown else None,
            takedown_outcome=TakedownOutcome.REMOVED if takedown else "",
            removed_on=today - datetime.timedelta(days=2) if takedown else None,
            created_by=worker,
        )
        activity.partner_agencies.set(agencies[2:4])
