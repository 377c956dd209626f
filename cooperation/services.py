"""Writes of consequence on agencies, referrals, agreements, MLA requests and
prevention activities: each atomic, audited in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.models import AuditEvent
from audit.services import record_event
from cases.models import Case, LegalProceeding, ProceedingCase
from cases.services import ensure_case_open, link_case
from cooperation.models import (
    MLA_GRAPH,
    REFERRAL_GRAPH,
    DeclineReason,
    MLARequest,
    MLATransition,
    Referral,
    ReferralSection,
    ReferralStatus,
    ReferralTransition,
    ReferralUpdate,
)
from cooperation.selectors import readable_sections, sections_without_consent
from policy import SUPERVISES, can
from workflow import TransitionError, move


class ReferralError(TransitionError):
    """A referral step the status graph or the consent rules refuse (shown to the user)."""


@transaction.atomic
def transition_referral(
    referral: Referral, to_status: str, *, actor: User, note: str = "", **changes
) -> ReferralTransition:
    """Move a referral to `to_status`: the only writer of `Referral.status`.

    `workflow.move` locks the row (two concurrent responses cannot both start from
    "sent"), refuses a move REFERRAL_GRAPH does not allow and writes the history and
    audit rows; `changes` (the fields that go with the move, e.g. who responded) are
    saved in the same transaction. The caller checks who may make the move.
    """
    try:
        transition = move(
            referral,
            REFERRAL_GRAPH,
            to_status,
            actor=actor,
            history=ReferralTransition,
            link="referral",
            note=note,
        )
    except TransitionError as refused:
        current = Referral.objects.get(pk=referral.pk)
        raise ReferralError(
            _("This referral is already “%(status)s”; it can no longer be changed that way.")
            % {"status": current.get_status_display()}
        ) from refused
    if changes:
        for field, value in changes.items():
            setattr(referral, field, value)
        referral.save(update_fields=list(changes))
    return transition


@transaction.atomic
def send_referral(
    referral: Referral,
    *,
    actor: User,
    override_reason: str = "",
) -> Referral:
    """Send a case to another agency on Harbor, or record one to an outside organisation.

    Every shared section must be covered by the person's sharing consent for the
    receiving agency (or its type); otherwise only a supervisor's recorded
    `override_reason` lets it go, and the override is audited. An external
    referral shares nothing and gets status RECORDED. A closed case is not referred.
    """
    ensure_case_open(referral.case)
    referral.from_agency_id = referral.case.agency_id
    referral.created_by = actor
    referral.updated_by = actor
    if referral.to_agency is None:
        referral.sections = []
        referral.status = ReferralStatus.RECORDED
    else:
        missing = sections_without_consent(
            referral.case.person, referral.to_agency, referral.sections
        )
        if missing and not (override_reason.strip() and can(actor, SUPERVISES)):
            raise ReferralError(_missing_consent_message(missing))
        if missing:
            referral.consent_override_reason = override_reason
            referral.consent_override_by = actor
        referral.status = ReferralStatus.SENT
    referral.full_clean(exclude=["case", "created_by"])
    referral.save()
    ReferralTransition.objects.create(
        referral=referral, from_status="", to_status=referral.status, actor=actor
    )
    record_event(actor=actor, action=AuditEvent.Action.CREATE, target=referral)
    if referral.consent_override_by_id:
        record_event(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            object_type="cooperation.referral_consent_override",
            object_id=str(referral.pk),
        )
    return referral


def _missing_consent_message(missing: list[str]) -> str:
    labels = dict(ReferralSection.choices)
    return _(
        "The person has not consented to share these sections with this agency: "
        "%(sections)s. Record their consent first, or ask a supervisor to override."
    ) % {"sections": ", ".join(str(labels.get(s, s)) for s in missing)}


@transaction.atomic
def accept_referral(
    referral: Referral, *, actor: User, assignees: Iterable[User], note: str = ""
) -> Referral:
    """The receiving agency accepts and names who works it. Exactly one response stands:
    the row lock in `transition_referral` makes a concurrent second response fail.
    Accepting starts work on the case, so a closed case refuses it (declining does not);
    the case is checked after the referral's row lock, the order every response takes."""
    transition_referral(
        referral,
        ReferralStatus.ACCEPTED,
        actor=actor,
        note=note,
        responded_at=timezone.now(),
        responded_by=actor,
    )
    ensure_case_open(referral.case)
    referral.assigned_to.set(assignees)
    record_event(actor=actor, action=AuditEvent.Action.ASSIGN, target=referral)
    return referral


@transaction.atomic
def decline_referral(referral: Referral, *, actor: User, reason: str, note: str = "") -> Referral:
    """The receiving agency declines with a structured reason (and text for "other")."""
    if reason == DeclineReason.OTHER and not note.strip():
        raise ReferralError(_("Explain why when the reason is “Other”."))
    transition_referral(
        referral,
        ReferralStatus.DECLINED,
        actor=actor,
        note=note,
        responded_at=timezone.now(),
        responded_by=actor,
        decline_reason=reason,
        decline_note=note,
    )
    return referral


def respond_to_referral(
    referral: Referral,
    *,
    actor: User,
    accept: bool,
    assignees: Iterable[User] = (),
    reason: str = "",
    note: str = "",
) -> Referral:
    """Accept or decline a referral awaiting a response (one entry point for the queue)."""
    if accept:
        return accept_referral(referral, actor=actor, assignees=assignees, note=note)
    return decline_referral(referral, actor=actor, reason=reason, note=note)


def close_referral(referral: Referral, *, actor: User, note: str = "") -> Referral:
    """Either side ends the referral; the receiver's access to the sections ends with it."""
    transition_referral(referral, ReferralStatus.CLOSED, actor=actor, note=note)
    return referral


def revoke_referral(referral: Referral, *, actor: User, note: str = "") -> Referral:
    """The owner withdraws the referral: the receiver gets 404 from the next request on."""
    transition_referral(referral, ReferralStatus.REVOKED, actor=actor, note=note)
    return referral


@transaction.atomic
def add_referral_update(update: ReferralUpdate, *, actor: User) -> ReferralUpdate:
    """A service update by the receiving agency on an accepted referral (an open case)."""
    ensure_case_open(update.referral.case)
    locked = Referral.objects.select_for_update().get(pk=update.referral_id)
    if locked.status != ReferralStatus.ACCEPTED:
        raise ReferralError(_("Updates can only be added while the referral is accepted."))
    update.author = actor
    update.full_clean(exclude=["referral", "author"])
    update.save()
    record_event(actor=actor, action=AuditEvent.Action.CREATE, target=update)
    return update


@transaction.atomic
def transition_mla(mla: MLARequest, to: str, *, actor: User, note: str = "") -> MLATransition:
    """Move an MLA request along MLA_GRAPH: the only writer of `MLARequest.status`.

    Row lock, graph check, history row and audit row in one transaction
    (`workflow.move`); the caller checks that the actor works the request.
    """
    return move(
        mla, MLA_GRAPH, to, actor=actor, history=MLATransition, link="mla_request", note=note
    )


@transaction.atomic
def link_shared_proceeding(
    referral: Referral,
    proceeding: LegalProceeding,
    case: Case,
    *,
    actor: User,
    person_role: str = "",
) -> ProceedingCase:
    """Link the receiving agency's own case to a proceeding of the referring agency.

    Only on an accepted referral whose legal section the receiver may read (shared, and
    covered by consent or an override: selectors.readable_sections), for a proceeding the
    referring agency owns and has linked to the referred case, and for a case of the
    actor's own (receiving) agency; anything else raises ReferralError and writes
    nothing. The link is audited by cases.services.link_case.
    """
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if ReferralSection.LEGAL not in readable_sections(locked):  # accepted, shared, consented
        raise ReferralError(_("Only an accepted referral sharing legal proceedings allows this."))
    if (
        proceeding.agency_id != locked.from_agency_id
        or not proceeding.links.filter(case_id=locked.case_id).exists()
        or case.agency_id != locked.to_agency_id
        or actor.agency_id != locked.to_agency_id
    ):
        raise ReferralError(_("This proceeding cannot be linked to this case."))
    return link_case(proceeding, case, actor=actor, person_role=person_role, shared=True)
