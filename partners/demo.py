"""Demo agencies, agreements and prevention activities for `manage.py seed_demo` (fictional).

Referrals and MLA requests are seeded by `cooperation.demo`.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from partners.models import (
    ActivityType,
    Agency,
    AgencyContact,
    AgencyType,
    Agreement,
    Audience,
    PreventionActivity,
    ServiceType,
    TakedownOutcome,
)
from policy import Actor

DEMO_AGENCIES: list[dict[str, Any]] = [
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


def demo_agency(
    code: str, *, name: str, agency_type: str, country: str, services: list[str]
) -> Agency:
    """The agency with this code, created (with a focal point) if it does not exist yet."""
    agency, _created = Agency.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "agency_type": agency_type,
            "country": country,
            "services": services,
            "email": f"contact@{code.lower()}.example.org",
        },
    )
    if not agency.contacts.exists():
        AgencyContact.objects.create(
            agency=agency,
            name=f"Focal Point {agency.code}",
            title="Focal point",
            email=f"focal@{agency.code.lower()}.example.org",
        )
    return agency


def seed_agencies() -> list[Agency]:
    return [demo_agency(**data) for data in DEMO_AGENCIES]


def seed_partnerships(agencies: list[Agency], organiser_staff: Actor) -> None:
    """Demo agreements and prevention activities (fictional), recorded by `organiser_staff`.

    Each kind is created only when none exists yet, so running seed_demo twice adds nothing.
    """
    if not Agreement.objects.exists():
        seed_agreements(agencies)
    if not PreventionActivity.objects.exists():
        seed_activities(agencies, organiser_staff)


def seed_agreements(agencies: list[Agency]) -> list[Agreement]:
    today = timezone.localdate()
    rows = [
        ("MOU on trafficking for forced criminality (demo)", "PH", True, 45),
        ("Labour migration cooperation agreement (demo)", "VN", False, 700),
        ("Shelter and referral protocol (demo)", "", False, 365),
    ]
    agreements = []
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
        agreements.append(agreement)
    return agreements


def seed_activities(agencies: list[Agency], worker: Actor) -> list[PreventionActivity]:
    today = timezone.localdate()
    activities = []
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
            countries="TW,VN,PH",
            platform="Example Social (demo)" if takedown else "",
            link_or_identifier="https://social.example.org/ads/12345" if takedown else "",
            sent_on=today - datetime.timedelta(days=5) if takedown else None,
            takedown_outcome=TakedownOutcome.REMOVED if takedown else "",
            removed_on=today - datetime.timedelta(days=2) if takedown else None,
            created_by_id=worker.pk,
        )
        activity.partner_agencies.set(agencies[2:4])
        activities.append(activity)
    return activities
