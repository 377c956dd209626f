"""Demo agencies for `manage.py seed_demo`: fictional organisations only."""

from partners.models import Agency, AgencyType, ServiceType
from tests.factories import AgencyContactFactory, AgencyFactory

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
