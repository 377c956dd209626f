"""Reads the referral views and templates rely on: consent per section, the shared
view of a case, and who may do what on a referral.

Consent: `victims.ConsentRecord` records sharing consent per receiving agency (or
agency type), not per section, so a section is covered exactly when the person's
consent in force allows sharing with the receiving agency. The shared view asks
again on every request, so a withdrawal takes effect at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from accounts.models import User
from cases.models import Hearing, LegalProceeding
from cooperation.models import Referral, ReferralSection, ReferralStatus
from partners.models import Agency
from policy import SUPERVISES, WORKS_CASES, can
from victims.models import ConsentRecord, Person
from victims.selectors import has_sharing_consent


def consented_sections(person: Person, agency: Agency) -> list[str]:
    """The sections the person's consent in force lets us share with `agency`."""
    if has_sharing_consent(person, agency):
        return list(ReferralSection.values)
    return []


def sections_without_consent(person: Person, agency: Agency, sections: Iterable[str]) -> list[str]:
    allowed = set(consented_sections(person, agency))
    return [section for section in sections if section not in allowed]


def _deciding_consent(person: Person, agency: Agency) -> ConsentRecord | None:
    """The sharing statement in force that decides for `agency` (agency first, then type)."""
    sharing = [c for c in person.current_consents() if c.purpose == ConsentRecord.Purpose.SHARING]
    by_agency = [c for c in sharing if c.target_agency_id == agency.pk]
    by_type = [
        c for c in sharing if not c.target_agency_id and c.target_agency_type == agency.agency_type
    ]
    deciding = by_agency or by_type
    return deciding[0] if deciding else None


def readable_sections(referral: Referral) -> list[str]:
    """The sections the receiver may read right now, re-checked on every request.

    Only an accepted referral shares anything. Consent in force covers the
    sections; a supervisor's override (made at sending) stands until the person
    refuses or withdraws after the referral was sent.
    """
    if referral.status != ReferralStatus.ACCEPTED or referral.to_agency is None:
        return []
    record = _deciding_consent(referral.case.person, referral.to_agency)
    if record is not None and record.status == ConsentRecord.Status.GIVEN:
        return list(referral.sections)
    if referral.consent_override_reason and (
        record is None or record.recorded_at <= referral.sent_at
    ):
        return list(referral.sections)
    return []


def is_sender(user: User, referral: Referral) -> bool:
    return user.agency_id == referral.from_agency_id


def is_receiver(user: User, referral: Referral) -> bool:
    return referral.to_agency_id is not None and user.agency_id == referral.to_agency_id


def may_respond(user: User, referral: Referral) -> bool:
    """Receiving caseworkers and supervisors answer the queue (agency admins do not
    work cases). Whether the referral still awaits an answer is the service's call,
    under a row lock, so a late second answer gets a message rather than a 403."""
    return is_receiver(user, referral) and can(user, WORKS_CASES)


def can_respond(user: User, referral: Referral) -> bool:
    return may_respond(user, referral) and referral.status == ReferralStatus.SENT


def works_referral(user: User, referral: Referral) -> bool:
    """Assigned receiving staff and receiving supervisors: they read the shared
    sections and write service updates."""
    if not is_receiver(user, referral) or referral.status != ReferralStatus.ACCEPTED:
        return False
    return can(user, SUPERVISES) or any(u.pk == user.pk for u in referral.assigned_to.all())


def may_link_proceedings(user: User, referral: Referral) -> bool:
    """Receiving staff who work an accepted referral whose legal section they may read
    (shared, and covered by the person's consent or an override: readable_sections) may
    link their own case to the sender's proceedings (cooperation.services
    .link_shared_proceeding holds the rule again under the write)."""
    return (
        works_referral(user, referral)
        and can(user, WORKS_CASES)
        and ReferralSection.LEGAL in readable_sections(referral)
    )


def can_close(user: User, referral: Referral) -> bool:
    """Either side's workers may close an open referral."""
    workers = can(user, WORKS_CASES)
    if referral.status not in (
        ReferralStatus.SENT,
        ReferralStatus.ACCEPTED,
        ReferralStatus.RECORDED,
    ):
        return False
    return workers and (is_sender(user, referral) or works_referral(user, referral))


def can_revoke(user: User, referral: Referral) -> bool:
    return (
        is_sender(user, referral)
        and can(user, WORKS_CASES)
        and referral.status in (ReferralStatus.SENT, ReferralStatus.ACCEPTED)
    )


@dataclass
class SharedCase:
    """Exactly what an accepted referral shares: never the person's identity, notes or files."""

    sections: list[str]
    summary: dict = field(default_factory=dict)
    identification: dict = field(default_factory=dict)
    services: list = field(default_factory=list)
    legal: list = field(default_factory=list)


def shared_case(referral: Referral) -> SharedCase:
    """Load only the readable sections of the referral's case (one query per section)."""
    sections = readable_sections(referral)
    shared = SharedCase(sections=sections)
    case = referral.case
    if ReferralSection.SUMMARY in sections:
        shared.summary = {
            "intake_date": case.intake_date,
            "risk": case.get_risk_level_display(),
            "exploitations": [str(e) for e in case.exploitations.all()],
            "countries_of_exploitation": [c.name for c in case.countries_of_exploitation],
        }
    if ReferralSection.IDENTIFICATION in sections:
        shared.identification = {
            "status": case.get_identification_status_display(),
            "decisions": list(case.identification_decisions.all()),
        }
    if ReferralSection.SERVICES in sections:
        shared.services = list(case.service_items.select_related("provider"))
    if ReferralSection.LEGAL in sections:
        # The referred person's own hearings only (a proceeding may concern other victims).
        hearings = Hearing.objects.filter(case=case).prefetch_related("measures")
        shared.legal = list(
            LegalProceeding.objects.filter(cases=case).prefetch_related(
                Prefetch("hearings", queryset=hearings)
            )
        )
    return shared


def case_referrals(user: User, case_id: int) -> QuerySet[Referral]:
    """The referrals of a case for the case page panel (one query)."""
    return (
        Referral.objects.visible_to(user)
        .filter(case_id=case_id)
        .select_related("to_agency")
        .order_by("-sent_at", "-pk")
    )
