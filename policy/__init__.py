"""Who may do what: the one place that names Harbor's roles and what each may do.

Every view declares its capability from here (`@access.allowed(WORKS_CASES, on=Case)`),
views and templates ask `can(user, ...)`, and `tests/test_policy_matrix.py` walks every
mutating URL against every role with the same table, so a rule is written once.

Record-level scope is separate and lives with the data: `Model.objects.visible_to(user)`
decides *which* records a user may see (404 outside it); this module decides what a
role may *do* with what it sees (403 otherwise).
"""

from __future__ import annotations

from typing import Any, Protocol

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Caseworker")
    SUPERVISOR = "supervisor", _("Supervisor")
    AGENCY_ADMIN = "agency_admin", _("Agency admin")
    PLATFORM_ADMIN = "platform_admin", _("Platform admin")
    # Staff of the national coordinating agency (partners.Agency.is_coordinating): the
    # national statistics across every agency, and no record at all.
    COORDINATOR = "coordinator", _("National coordinator")


class Actor(Protocol):
    """What the lowest layers need to know of a user (accounts.User satisfies it).

    Apps below `accounts` (partners, the kernel) type their `user` and `actor`
    parameters with this protocol instead of importing the User model upward.
    """

    pk: Any
    role: str
    agency_id: int | None

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_platform_admin(self) -> bool: ...


Capability = frozenset[str]

# Roles that work an agency's records (a platform admin belongs to no agency; a
# national coordinator belongs to one but sees no record).
AGENCY_ROLES: Capability = frozenset({Role.CASEWORKER, Role.SUPERVISOR, Role.AGENCY_ADMIN})

# Case work: move tracks, edit cases, screen, decide, plan services, refer, take notes,
# "Delete" (archive, with a reason) a case, a person or an attachment.
# Agency admins read their agency's cases and audit trail; they do no casework.
WORKS_CASES: Capability = frozenset({Role.CASEWORKER, Role.SUPERVISOR})
# Approve closure, reopen, assign, override missing consent on a referral; read the
# agency's archive and restore archived records.
SUPERVISES: Capability = frozenset({Role.SUPERVISOR})
# Read case lists and records within `visible_to` (a caseworker their own cases,
# supervisors and agency admins the agency's).
READS_CASES: Capability = AGENCY_ROLES
# Unmask identifying fields (names, documents, shelter location, photo).
SEES_IDENTITY: Capability = WORKS_CASES
# The agency-wide figures: dashboard and statistics.
SEES_AGENCY: Capability = frozenset({Role.SUPERVISOR, Role.AGENCY_ADMIN})
# Read the agency's audit trail.
READS_AUDIT: Capability = frozenset({Role.AGENCY_ADMIN})
# Invite, edit, deactivate staff accounts (scope: `User.objects.manageable_by`).
MANAGES_STAFF: Capability = frozenset({Role.AGENCY_ADMIN, Role.PLATFORM_ADMIN})
# Create and edit partner agencies and their agreements.
MANAGES_AGENCIES: Capability = frozenset({Role.PLATFORM_ADMIN})
# Record prevention activities of one's agency.
RECORDS_PREVENTION: Capability = AGENCY_ROLES
# Read the partnership pages (agencies, agreements, prevention activities).
READS_PARTNERSHIP: Capability = AGENCY_ROLES | {Role.PLATFORM_ADMIN}
# Ask for a person's data to be erased (privacy): whoever works the case.
REQUESTS_ERASURE: Capability = WORKS_CASES
# Approve or refuse an erasure, produce a subject access package: a supervisor.
APPROVES_ERASURE: Capability = SUPERVISES
PRODUCES_SUBJECT_ACCESS: Capability = SUPERVISES
# The national statistics: aggregates across every agency, never a record.
SEES_NATIONAL: Capability = frozenset({Role.COORDINATOR})
# Receive reminders of deadlines in the notification centre (and the e-mail digest).
RECEIVES_NOTIFICATIONS: Capability = AGENCY_ROLES

# Every capability above by name, for templates (`can.WORKS_CASES`): read from this
# module, so a new capability needs no second list.
CAPABILITIES: dict[str, Capability] = {
    name: value
    for name, value in list(globals().items())
    if name.isupper() and isinstance(value, frozenset) and name != "AGENCY_ROLES"
}


def can(user: Actor | Any, capability: Capability) -> bool:
    """Whether `user` holds `capability`; anonymous users hold none."""
    return bool(getattr(user, "is_authenticated", False)) and (
        getattr(user, "role", None) in capability
    )


def require(user: Actor | Any, capability: Capability) -> None:
    """Raise PermissionDenied (403) unless `user` holds `capability`."""
    if not can(user, capability):
        raise PermissionDenied


def capabilities(request: Any) -> dict[str, dict[str, bool]]:
    """Template context processor: `{% if can.WORKS_CASES %}` asks this module, not the role."""
    user = getattr(request, "user", None)
    return {"can": {name: can(user, capability) for name, capability in CAPABILITIES.items()}}
