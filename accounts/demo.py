"""Demo staff for `manage.py seed_demo`: one account per role in two agencies."""

from accounts.models import Role, User
from partners.models import Agency
from tests.factories import PlatformAdminFactory, UserFactory

ROLE_NAMES = {
    Role.CASEWORKER: "Caseworker",
    Role.SUPERVISOR: "Supervisor",
    Role.AGENCY_ADMIN: "Agency Admin",
}


def seed_staff(agencies: list[Agency]) -> list[User]:
    """Accounts like caseworker@demongo.example.org for the first two agencies."""
    users = [PlatformAdminFactory(email="platform@example.org", full_name="Demo Platform Admin")]
    for agency in agencies[:2]:
        domain = f"{agency.code.lower()}.example.org"
        for role, title in ROLE_NAMES.items():
            local = role.value.replace("_", "")
            users.append(
                UserFactory(
                    email=f"{local}@{domain}",
                    full_name=f"Demo {title} ({agency.code})",
                    agency=agency,
                    role=role,
                )
            )
        users.append(
            UserFactory(
                email=f"caseworker2@{domain}",
                full_name=f"Demo Second Caseworker ({agency.code})",
                agency=agency,
                role=Role.CASEWORKER,
            )
        )
    return users
