"""Demo referrals and MLA requests for `manage.py seed_demo`: fictional only (idempotent)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from accounts.demo import demo_staff
from accounts.models import User
from cases import demo as case_demo
from cases.models import Case, ProsecutionRole
from cooperation import services
from cooperation.models import (
    DeclineReason,
    MLAAsk,
    MLAChannel,
    MLADirection,
    MLARequest,
    MLAStatus,
    Referral,
    ReferralSection,
    ReferralUpdate,
)
from partners.models import Agency, AgencyType, ServiceType
from policy import Role
from victims.models import ConsentRecord
from victims.services import record_consent


def seed_cooperation(agencies: list[Agency], users: list[User]) -> None:
    """Referrals from the demo NGO to the demo shelter (and abroad) and its MLA requests.

    Each kind is created only when none exists yet, so running seed_demo twice adds nothing.
    """
    ngo, shelter = agencies[0], agencies[1]
    ngo_worker = demo_staff(users, ngo, Role.CASEWORKER)
    if not Referral.objects.exists():
        seed_referrals(
            ngo,
            shelter,
            agencies,
            worker=ngo_worker,
            shelter_supervisor=demo_staff(users, shelter, Role.SUPERVISOR),
            shelter_worker=demo_staff(users, shelter, Role.CASEWORKER),
        )
    if not MLARequest.objects.exists():
        seed_mla(ngo, ngo_worker)


def seed_referrals(
    ngo: Agency,
    shelter: Agency,
    agencies: list[Agency],
    *,
    worker: User,
    shelter_supervisor: User,
    shelter_worker: User,
) -> list[Referral]:
    """Accepted (with an update), declined, two waiting ones and one recorded abroad."""
    cases = list(Case.objects.filter(agency=ngo, caseworkers=worker).open().order_by("pk")[:5])
    if len(cases) < 5:
        return []
    today = timezone.localdate()
    referrals = []
    for case, due in zip(cases[:4], (7, 5, -2, 3), strict=True):
        record_consent(
            ConsentRecord(
                person=case.person,
                purpose=ConsentRecord.Purpose.SHARING,
                target_agency=shelter,
                status=ConsentRecord.Status.GIVEN,
                given_on=today,
                explained_in="English",
            ),
            actor=worker,
        )
        referrals.append(
            services.send_referral(
                Referral(
                    case=case,
                    to_agency=shelter,
                    purpose=ServiceType.SHELTER,
                    sections=[
                        ReferralSection.SUMMARY,
                        ReferralSection.SERVICES,
                        ReferralSection.LEGAL,
                    ],
                    respond_by=today + datetime.timedelta(days=due),
                    message="Needs a safe shelter place (demo).",
                ),
                actor=worker,
            )
        )
    accepted, declined = referrals[0], referrals[1]
    services.accept_referral(accepted, actor=shelter_supervisor, assignees=[shelter_worker])
    seed_shared_proceeding(accepted, [cases[0], cases[4]], worker=worker, receiver=shelter_worker)
    services.add_referral_update(
        ReferralUpdate(referral=accepted, text="Admitted; medical check booked (demo)."),
        actor=shelter_worker,
    )
    services.decline_referral(declined, actor=shelter_supervisor, reason=DeclineReason.NO_CAPACITY)
    embassy = next((a for a in agencies if a.agency_type == AgencyType.EMBASSY), None)
    referrals.append(
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
    )
    return referrals


def seed_shared_proceeding(
    referral: Referral, cases: list[Case], *, worker: User, receiver: User
) -> None:
    """One trafficker, three victims, two agencies: the NGO's proceeding links two of its
    cases, and the shelter links its own case of the referred person through the
    accepted referral that shares the legal section."""
    proceeding = case_demo.seed_proceeding(cases, actor=worker)
    if receiver.agency_id is None:
        return
    own = (
        Case.objects.filter(agency_id=receiver.agency_id, caseworkers=receiver)
        .open()
        .order_by("pk")
        .first()
    )
    if own is not None:
        services.link_shared_proceeding(
            referral, proceeding, own, actor=receiver, person_role=ProsecutionRole.WITNESS
        )


def seed_mla(agency: Agency, worker: User) -> list[MLARequest]:
    """Three outgoing requests: one overdue, one acknowledged, one answered."""
    today = timezone.localdate()
    case = Case.objects.filter(agency=agency, caseworkers=worker).order_by("pk").first()
    return [
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
        for due, status, channel in (
            (-10, MLAStatus.SENT, MLAChannel.FORMAL),
            (20, MLAStatus.ACKNOWLEDGED, MLAChannel.LIAISON),
            (-40, MLAStatus.REPLIED, MLAChannel.POLICE),
        )
    ]
