"""Demo staff for `manage.py seed_demo`: one account per role in two agencies."""

from __future__ import annotations

from accounts.models import User
from partners.models import Agency
from policy import Role

# The documented demo password (README); seed_demo refuses to run with DEBUG off.
DEMO_PASSWORD = "harbor-demo-2026"  # noqa: S105 (published on purpose, demo only)

ROLE_NAMES = {
    Role.CASEWORKER: "Caseworker",
    Role.SUPERVISOR: "Supervisor",
    Role.AGENCY_ADMIN: "Agency Admin",
}


def demo_user(email: str, *, full_name: str, agency: Agency | None, role: Role) -> User:
    """The account with this email, created with the demo password if it does not exist yet."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(
            email, DEMO_PASSWORD, full_name=full_name, agency=agency, role=role
        )
    return user


def demo_staff(users: list[User], agency: Agency, role: Role) -> User:
    """The agency's demo account with `role`; the last one seeded (the second caseworker)."""
    return [user for user in users if user.agency_id == agency.pk and user.role == role][-1]


def seed_staff(agencies: list[Agency]) -> list[User]:
    """Accounts like caseworker@demongo.example.org for the first two agencies."""
    users = [
        demo_user(
            "platform@example.org",
            full_name="Demo Platform Admin",
            agency=None,
            role=Role.PLATFORM_ADMIN,
        )
    ]
    for agency in agencies[:2]:
        domain = f"{agency.code.lower()}.example.org"
        for role, title in ROLE_NAMES.items():
            local = role.value.replace("_", "")
            users.append(
                demo_user(
                    f"{local}@{domain}",
                    full_name=f"Demo {title} ({agency.code})",
                    agency=agency,
                    role=role,
                )
            )
        users.append(
            demo_user(
                f"caseworker2@{domain}",
                full_name=f"Demo Second Caseworker ({agency.code})",
                agency=agency,
                role=Role.CASEWORKER,
            )
        )
    return users
