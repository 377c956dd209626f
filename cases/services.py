"""Writes of consequence on cases: domain verbs, atomic, audited.

Every function here is the only writer of what it changes. The caller (a view)
checks the actor's role; the service records the change, its history row and its
audit row in one transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.models import AuditEvent
from audit.services import record_event
from cases.models import (
    CRIMINAL_MATTER_GRAPH,
    PROCEEDING_GRAPH,
    SERVICE_GRAPH,
    TASK_GRAPH,
    TRACK_GRAPHS,
    Archivable,
    ArchiveEntry,
    Attachment,
    Case,
    CaseExploitation,
    CaseNote,
    CaseSequence,
    CaseStatus,
    Charge,
    ChargeOutcome,
    CriminalExposure,
    CriminalMatterCharge,
    CriminalMatterTransition,
    Defendant,
    Hearing,
    IdentificationStatus,
    LegalProceeding,
    ProceedingCase,
    ProceedingTransition,
    ProtectionStatus,
    ProtectiveMeasure,
    ServiceItem,
    ServiceTransition,
    Task,
    TaskTransition,
    Track,
    TrackTransition,
)
from crypto.files import EncryptingFile
from locking import claim_version
from partners.models import Agency
from workflow import TransitionError, move

# Deadlines the domain makes (days).
IDENTIFICATION_DECISION_DAYS = 14
HEARING_PREPARATION_DAYS = 7


class CaseClosedError(TransitionError):
    """A write on a closed case: nothing changes until a supervisor reopens it."""

    def __init__(self, case: Case) -> None:
        self.case = case
        super().__init__(
            _("This case is closed. A supervisor must reopen it before it can change.")
        )


def ensure_case_open(case: Case) -> None:
    """The one rule: a closed case refuses every write until `reopen_case` reopens it.

    Every service that writes a case's data (here, in victims and in cooperation)
    calls this first, inside its transaction. It locks the case row and reads the
    stored status, not the caller's copy, so a closure approved at the same moment
    either waits for the write or is seen by it. Raises CaseClosedError.
    """
    stored = Case.objects.select_for_update().filter(pk=case.pk).values_list("status", flat=True)
    if stored.first() == CaseStatus.CLOSED:
        raise CaseClosedError(case)


@transaction.atomic
def transition_track(
    case: Case,
    track: str,
    to_status: str,
    *,
    actor: User,
    note: str = "",
    override_reason: str = "",
    guard_ok: bool = False,
) -> TrackTransition:
    """Move one track of a case (or the case's own status) to `to_status`.

    The only writer of track statuses and of `Case.status`, through `workflow.move`
    (row lock, graph check, history row, audit row, one transaction). A closed case
    refuses track moves; only the closure services move `Case.status`. The guarded
    identification outcomes need `guard_ok` (passed only by the identification
    decision services) and a recorded decision with that outcome. Writes any task
    the move makes due, and closes the one it ends. The caller checks the role.
    """
    graph = TRACK_GRAPHS[track]
    if track != Track.CASE:
        ensure_case_open(case)
    if guard_ok and to_status in graph.guarded:
        _ensure_decision_recorded(case, to_status)
    transition = move(
        case,
        graph,
        to_status,
        actor=actor,
        history=TrackTransition,
        link="case",
        note=note,
        guard_ok=guard_ok,
        extra={"track": track, "override_reason": override_reason},
    )
    _after_identification_move(case, transition, actor=actor)
    return transition


def _ensure_decision_recorded(case: Case, outcome: str) -> None:
    """A guarded identification outcome stands only on a recorded decision (or review)."""
    decisions = case.identification_decisions.filter(
        Q(review_outcome=outcome) | Q(review_outcome="", outcome=outcome)
    )
    if not decisions.exists():
        raise TransitionError(
            _("“%(status)s” can only be set by recording an identification decision.")
            % {"status": IdentificationStatus(outcome).label}
        )


def _after_identification_move(case: Case, transition: TrackTransition, *, actor: User) -> None:
    if transition.track != Track.IDENTIFICATION:
        return
    if transition.from_status == IdentificationStatus.AWAITING_DECISION:
        # The decision ends the wait: its task is done, not overdue.
        for task in case.tasks.open().filter(kind=Task.Kind.DECISION_AWAITED):
            transition_task(task, Task.Status.DONE, actor=actor)
    if transition.to_status == IdentificationStatus.AWAITING_DECISION:
        _create_auto_task(
            case,
            kind=Task.Kind.DECISION_AWAITED,
            title=_("Identification decision awaited"),
            due_date=timezone.localdate() + datetime.timedelta(days=IDENTIFICATION_DECISION_DAYS),
            actor=actor,
        )


def _create_auto_task(
    case: Case, *, kind: str, title: str, due_date: datetime.date, actor: User
) -> Task:
    assignee = case.caseworkers.order_by("pk").first() or case.supervisor
    return Task.objects.create(
        case=case,
        kind=kind,
        title=title,
        due_date=due_date,
        assignee=assignee,
        auto_created=True,
        created_by=actor,
    )


@transaction.atomic
def transition_task(task: Task, to_status: str, *, actor: User, note: str = "") -> TaskTransition:
    """Mark a task done or cancelled, or open again: the only writer of `Task.status`."""
    ensure_case_open(task.case)
    return move(
        task, TASK_GRAPH, to_status, actor=actor, history=TaskTransition, link="task", note=note
    )


@transaction.atomic
def transition_service(
    service: ServiceItem, to_status: str, *, actor: User, note: str = ""
) -> ServiceTransition:
    """Move a protection service along its graph: the only writer of `ServiceItem.status`."""
    ensure_case_open(service.case)
    return move(
        service,
        SERVICE_GRAPH,
        to_status,
        actor=actor,
        history=ServiceTransition,
        link="service",
        note=note,
    )


# --- creation, editing, assignment -----------------------------------------------------


def allocate_reference(agency: Agency, year: int) -> str:
    """The next reference number of an agency for a year, e.g. DEMONGO-2026-00042.

    Call inside a transaction. The per-agency, per-year counter row is created if
    missing (a concurrent creator's insert is ignored, not an error) and then
    locked, so concurrent creations queue on it and never share a number.
    """
    CaseSequence.objects.bulk_create(
        [CaseSequence(agency=agency, year=year)], ignore_conflicts=True
    )
    sequence = CaseSequence.objects.select_for_update().get(agency=agency, year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return f"{agency.code}-{year}-{sequence.last_number:05d}"


@transaction.atomic
def create_case(
    case: Case,
    *,
    actor: User,
    exploitations: Iterable[CaseExploitation] = (),
) -> Case:
    """Open a case for a person in the actor's agency; a caseworker is assigned to it.

    Without a supervisor given, the agency's default supervisor (while active) takes it.
    """
    agency = actor.agency
    if agency is None:
        raise PermissionDenied  # A platform admin belongs to no agency and opens no case.
    case.agency = agency
    default = agency.default_supervisor
    if case.supervisor_id is None and default is not None and default.is_active:
        case.supervisor = default
    case.created_by = actor
    case.updated_by = actor
    # No intake date fails full_clean below; until then it numbers like the default, today.
    intake_date = case.intake_date or timezone.localdate()
    case.reference = allocate_reference(agency, intake_date.year)
    case.full_clean(exclude=["reference"])
    case.save()
    _replace_exploitations(case, exploitations)
    if actor.is_caseworker:
        case.caseworkers.add(actor)
    record_event(actor=actor, action=AuditEvent.Action.CREATE, target=case)
    return case


@transaction.atomic
def update_case(
    case: Case,
    *,
    actor: User,
    expected_version: int,
    exploitations: Iterable[CaseExploitation] | None = None,
) -> Case:
    """Save the intake details; a stale form raises StaleEditError and writes nothing."""
    ensure_case_open(case)
    claim_version(case, expected_version)
    case.updated_by = actor
    case.full_clean()
    case.save()
    # The tasks' copy of the intake date (Task.case_intake_date): this is its one writer.
    case.tasks.update(case_intake_date=case.intake_date)
    if exploitations is not None:
        _replace_exploitations(case, exploitations)
    record_event(actor=actor, action=AuditEvent.Action.UPDATE, target=case)
    return case


def _replace_exploitations(case: Case, exploitations: Iterable[CaseExploitation]) -> None:
    case.exploitations.all().delete()
    rows = []
    for row in exploitations:
        row.case = case
        row.full_clean()
        rows.append(row)
    CaseExploitation.objects.bulk_create(rows)


@transaction.atomic
def assign_case(
    case: Case,
    *,
    actor: User,
    caseworkers: Iterable[User],
    supervisor: User | None,
) -> Case:
    """Set who works a case. Only staff of the case's agency can be assigned."""
    caseworkers = list(caseworkers)
    people = [*caseworkers, *([supervisor] if supervisor else [])]
    if any(person.agency_id != case.agency_id for person in people):
        raise ValueError("Cannot assign staff of another agency.")
    ensure_case_open(case)
    locked = Case.objects.select_for_update().get(pk=case.pk)
    locked.supervisor = supervisor
    locked.updated_by = actor
    locked.version += 1
    locked.save(update_fields=["supervisor", "updated_by", "version", "updated_at"])
    locked.caseworkers.set(caseworkers)
    record_event(actor=actor, action=AuditEvent.Action.ASSIGN, target=locked)
    return locked


# --- closure -----------------------------------------------------------------------------


def request_closure(case: Case, *, actor: User, reason: str) -> TrackTransition:
    """Ask a supervisor to close the case; the reason goes into the history."""
    return transition_track(
        case, Track.CASE, CaseStatus.CLOSURE_REQUESTED, actor=actor, note=reason
    )


@transaction.atomic
def approve_closure(
    case: Case, *, actor: User, comment: str = "", override_reason: str = ""
) -> TrackTransition:
    """Close the case (a supervisor's decision).

    Refused while a protection service is active or the identification decision
    is missing, unless `override_reason` says why the case closes anyway.
    """
    blockers = case.closure_blockers()
    if blockers and not override_reason.strip():
        raise TransitionError(
            " ".join([*blockers, _("Record a reason to override, or resolve this first.")])
        )
    return transition_track(
        case,
        Track.CASE,
        CaseStatus.CLOSED,
        actor=actor,
        note=comment,
        override_reason=override_reason.strip() if blockers else "",
    )


def return_closure(case: Case, *, actor: User, comment: str) -> TrackTransition:
    """Send a closure request back to open, with the supervisor's comment."""
    if case.status != CaseStatus.CLOSURE_REQUESTED:
        raise TransitionError(_("Only a closure request can be sent back."))
    return transition_track(case, Track.CASE, CaseStatus.OPEN, actor=actor, note=comment)


def reopen_case(case: Case, *, actor: User, reason: str) -> TrackTransition:
    """Reopen a closed case, with the reason (a supervisor's decision)."""
    if case.status != CaseStatus.CLOSED:
        raise TransitionError(_("Only a closed case can be reopened."))
    return transition_track(case, Track.CASE, CaseStatus.OPEN, actor=actor, note=reason)


# --- work on a case ------------------------------------------------------------------------


def _save_child(obj: Model, *, actor: User, creating: bool) -> None:
    obj.full_clean()
    obj.save()
    action = AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE
    record_event(actor=actor, action=action, target=obj)


@transaction.atomic
def add_note(
    case: Case,
    *,
    actor: User,
    text: str,
    corrects: CaseNote | None = None,
) -> CaseNote:
    """Append a note. Notes are never edited: a correction is a new note."""
    ensure_case_open(case)
    if corrects is not None and corrects.case_id != case.pk:
        raise ValueError("A correction must refer to a note of the same case.")
    note = CaseNote(case=case, text=text, corrects=corrects, author=actor)
    _save_child(note, actor=actor, creating=True)
    return note


@transaction.atomic
def add_task(task: Task, *, actor: User) -> Task:
    """Create a task by hand on a case."""
    ensure_case_open(task.case)
    task.created_by = actor
    task.auto_created = False
    _save_child(task, actor=actor, creating=True)
    return task


@transaction.atomic
def save_proceeding(
    proceeding: LegalProceeding,
    *,
    actor: User,
    case: Case,
    expected_version: int | None = None,
    person_role: str = "",
) -> LegalProceeding:
    """Create a proceeding owned by the case's agency and linked to the case, or update
    one the case's agency owns (optimistic locking on update)."""
    ensure_case_open(case)
    creating = proceeding.pk is None
    if creating:
        proceeding.agency_id = case.agency_id
    elif proceeding.agency_id != case.agency_id:
        raise PermissionDenied  # only the owning agency edits a proceeding
    else:
        claim_version(proceeding, expected_version or 0)
    proceeding.updated_by = actor
    _save_child(proceeding, actor=actor, creating=creating)
    if creating:
        _link(proceeding, case, actor=actor, person_role=person_role)
    return proceeding


def _link(
    proceeding: LegalProceeding, case: Case, *, actor: User, person_role: str
) -> ProceedingCase:
    if proceeding.links.filter(case=case).exists():
        raise TransitionError(_("This case is already linked to the proceeding."))
    link = ProceedingCase(
        proceeding=proceeding, case=case, person_role=person_role, linked_by=actor
    )
    _save_child(link, actor=actor, creating=True)
    return link


@transaction.atomic
def link_case(
    proceeding: LegalProceeding,
    case: Case,
    *,
    actor: User,
    person_role: str = "",
    shared: bool = False,
) -> ProceedingCase:
    """Link a victim's case to a proceeding: a case of the owning agency, or (`shared`,
    only from cooperation.services.link_shared_proceeding, which checks the referral)
    a case of another agency. Raises PermissionDenied for another agency's case
    without `shared`, TransitionError when already linked."""
    if proceeding.agency_id != case.agency_id and not shared:
        raise PermissionDenied
    ensure_case_open(case)
    return _link(proceeding, case, actor=actor, person_role=person_role)


@transaction.atomic
def unlink_case(link: ProceedingCase, *, actor: User, reason: str) -> None:
    """Take a case out of a proceeding; the reason becomes a note on the case (encrypted,
    in its timeline) and the audit row names the link. Hearings of that case in the
    proceeding go with it. The caller checks that the actor works the case."""
    case = link.case
    ensure_case_open(case)
    note = _("Removed from proceeding %(proceeding)s: %(reason)s") % {
        "proceeding": link.proceeding.numbers,
        "reason": reason,
    }
    CaseNote.objects.create(case=case, text=note, author=actor)
    record_event(actor=actor, action=AuditEvent.Action.DELETE, target=link)
    link.proceeding.hearings.filter(case=case).delete()
    link.delete()


@transaction.atomic
def move_proceeding_stage(
    proceeding: LegalProceeding,
    to_stage: str,
    *,
    actor: User,
    note: str = "",
    case: Case | None = None,
) -> ProceedingTransition:
    """Move a proceeding along PROCEEDING_GRAPH: the only writer of its stage. The caller
    checks that the actor's agency owns it; `case`, the page it is moved from, must be
    open."""
    if case is not None:
        ensure_case_open(case)
    return move(
        proceeding,
        PROCEEDING_GRAPH,
        to_stage,
        actor=actor,
        history=ProceedingTransition,
        link="proceeding",
        note=note,
    )


@transaction.atomic
def save_defendant(
    defendant: Defendant,
    *,
    actor: User,
    case: Case,
    expected_version: int | None = None,
    charges: Iterable[Charge] = (),
) -> Defendant:
    """Add an accused trafficker (with their charges) to a proceeding, or rename one."""
    ensure_case_open(case)
    creating = defendant.pk is None
    if not creating:
        claim_version(defendant, expected_version or 0)
    defendant.updated_by = actor
    _save_child(defendant, actor=actor, creating=creating)
    for charge in charges:
        add_charge(charge, defendant=defendant, actor=actor)
    return defendant


@transaction.atomic
def add_charge(
    charge: Charge, *, defendant: Defendant, actor: User, case: Case | None = None
) -> Charge:
    """A charge against a defendant; `case`, the page it is added from, must be open."""
    if case is not None:
        ensure_case_open(case)
    charge.defendant = defendant
    _save_child(charge, actor=actor, creating=True)
    return charge


@transaction.atomic
def record_charge_outcome(outcome: ChargeOutcome, *, actor: User, case: Case) -> ChargeOutcome:
    """The decision on a charge at one instance; recording the same instance again
    replaces it (one row per charge and instance)."""
    ensure_case_open(case)
    existing = (
        ChargeOutcome.objects.select_for_update()
        .filter(charge=outcome.charge, instance=outcome.instance)
        .first()
    )
    if existing is not None:
        outcome.pk = existing.pk
        outcome._state.adding = False
    _save_child(outcome, actor=actor, creating=existing is None)
    return outcome


@transaction.atomic
def add_hearing(
    hearing: Hearing, *, actor: User, measures: Iterable[ProtectiveMeasure] = ()
) -> Hearing:
    """Record a hearing the case's person attends, the protective measures requested for
    it, and a task to prepare the person (and chase the measures) before it."""
    case = hearing.case
    ensure_case_open(case)
    _save_child(hearing, actor=actor, creating=True)
    for measure in measures:
        measure.hearing = hearing
        _save_child(measure, actor=actor, creating=True)
    today = timezone.localdate()
    day = timezone.localtime(hearing.starts_at).date()
    prepare_by = max(today, day - datetime.timedelta(days=HEARING_PREPARATION_DAYS))
    hearing.preparation_task = _create_auto_task(
        case,
        kind=Task.Kind.HEARING_PREPARATION,
        title=_("Prepare the person for the hearing on %(date)s") % {"date": day},
        due_date=prepare_by,
        actor=actor,
    )
    hearing.save(update_fields=["preparation_task"])
    return hearing


@transaction.atomic
def decide_measure(measure: ProtectiveMeasure, *, actor: User) -> ProtectiveMeasure:
    """Record the court's or prosecutor's decision on a protective measure."""
    ensure_case_open(measure.hearing.case)
    _save_child(measure, actor=actor, creating=False)
    return measure


@transaction.atomic
def save_criminal_exposure(
    exposure: CriminalExposure,
    *,
    actor: User,
    expected_version: int | None = None,
) -> CriminalExposure:
    """Record or update a matter where the person is a suspect or defendant."""
    ensure_case_open(exposure.case)
    creating = exposure.pk is None
    if not creating:
        claim_version(exposure, expected_version or 0)
    exposure.updated_by = actor
    _save_child(exposure, actor=actor, creating=creating)
    return exposure


@transaction.atomic
def save_criminal_matter_charge(
    charge: CriminalMatterCharge, *, actor: User
) -> CriminalMatterCharge:
    """Add a charge to the person's own criminal matter, or correct its offence or wording.

    The outcome is written only by `record_non_punishment_decision`."""
    ensure_case_open(charge.matter.case)
    _save_child(charge, actor=actor, creating=charge.pk is None)
    return charge


@transaction.atomic
def move_criminal_matter(
    matter: CriminalExposure, to_stage: str, *, actor: User, note: str = ""
) -> CriminalMatterTransition:
    """Move the person's own criminal matter to its next stage: the only writer of
    `CriminalExposure.stage` (history row and audit row through `workflow.move`). The
    case's supervisor hears of it from the notification worker."""
    ensure_case_open(matter.case)
    return move(
        matter,
        CRIMINAL_MATTER_GRAPH,
        to_stage,
        actor=actor,
        history=CriminalMatterTransition,
        link="matter",
        note=note,
    )


@transaction.atomic
def record_non_punishment_decision(
    matter: CriminalExposure,
    *,
    actor: User,
    authority: str,
    decided_on: datetime.date,
    reference: str,
    outcomes: Mapping[int, str],
    expected_version: int | None = None,
) -> CriminalExposure:
    """Record the authority's decision on non-punishment: who decided, when, its reference,
    and the outcome of each charge (`outcomes`: charge id → outcome). Audited: the matter
    and every charge whose outcome changed. The case's supervisor is notified by the worker.
    """
    ensure_case_open(matter.case)
    claim_version(matter, expected_version if expected_version is not None else matter.version)
    charges = {charge.pk: charge for charge in matter.charges.select_for_update()}
    unknown = set(outcomes) - set(charges)
    if unknown:
        raise ValueError("An outcome names a charge of another matter.")
    matter.decision_authority = authority
    matter.decided_on = decided_on
    matter.decision_reference = reference
    matter.updated_by = actor
    _save_child(matter, actor=actor, creating=False)
    for pk, outcome in outcomes.items():
        charge = charges[pk]
        if charge.outcome != outcome:
            charge.outcome = outcome
            _save_child(charge, actor=actor, creating=False)
    return matter


def add_attachment(attachment: Attachment, *, actor: User) -> Attachment:
    """Store an uploaded file (already checked by AttachmentForm) in private storage.

    The upload, held in memory, is encrypted chunk by chunk as it is written, under a
    data key of its own wrapped on the row (crypto.files): no plaintext reaches the disk.
    The file is written when the row is saved; if the transaction then fails, the
    file is deleted again, so no orphan stays on disk. (Called inside an outer
    transaction that rolls back later, the file would remain: views don't do that.)
    """
    attachment.uploaded_by = actor
    upload = attachment.file
    sealed = EncryptingFile(upload.file, upload.name, upload.size)
    attachment.file = sealed
    attachment.wrapped_key = sealed.wrapped_key
    try:
        with transaction.atomic():
            ensure_case_open(attachment.case)
            _save_child(attachment, actor=actor, creating=True)
    except BaseException:
        if attachment.file.name:
            attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


# Every ServiceItem column but its status, which only `transition_service` writes.
_SERVICE_DETAIL_FIELDS = [
    field.attname
    for field in ServiceItem._meta.concrete_fields
    if field.name not in ("id", "status", "case", "agency", "created_at", "created_by")
]


@transaction.atomic
def save_service(service: ServiceItem, *, actor: User) -> ServiceItem:
    """Add a service (it starts planned) or update its details; the first one starts
    the protection track. The status moves only through `transition_service`."""
    ensure_case_open(service.case)
    creating = service.pk is None
    if creating:
        service.created_by = actor
        service.status = ServiceItem.Status.PLANNED
    service.full_clean()
    if creating:
        service.save()
    else:
        service.save(update_fields=_SERVICE_DETAIL_FIELDS)
    case = service.case
    if creating and case.protection_status == ProtectionStatus.NEEDS_ASSESSMENT:
        transition_track(case, Track.PROTECTION, ProtectionStatus.IN_PROGRESS, actor=actor)
    action = AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE
    record_event(actor=actor, action=action, target=service)
    return service


# --- archive and restore ("Delete" archives; a supervisor restores) -----------------------

# The shortest reason accepted for archiving or restoring.
ARCHIVE_REASON_MIN_LENGTH = 10


class ArchiveError(Exception):
    """An archive or restore refused: no real reason, already archived, or not archived."""


def _checked_reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) < ARCHIVE_REASON_MIN_LENGTH:
        raise ArchiveError(
            _("Give a reason of at least %(count)d characters.")
            % {"count": ARCHIVE_REASON_MIN_LENGTH}
        )
    return reason


def _locked(record: Archivable) -> Archivable:
    """The stored row, locked: a second click or a concurrent restore sees the first."""
    return type(record)._default_manager.select_for_update().get(pk=record.pk)


def _log_archive_step(record: Archivable, action: str, *, actor: User, reason: str) -> None:
    ArchiveEntry.objects.create(
        object_type=record._meta.label_lower,
        object_id=str(record.pk),
        action=action,
        reason=reason,
        actor=actor,
    )
    record_event(actor=actor, action=AuditEvent.Action(action), target=record)


@transaction.atomic
def archive_record(record: Archivable, *, actor: User, reason: str) -> None:
    """Archive a case, person or attachment ("Delete"): it leaves every scope at once.

    Every `visible_to` starts from `active()`, so the record answers 404 everywhere
    and drops out of every list and count; nothing is deleted. The reason (required,
    encrypted) is kept on the record and in the archive log; the audit row names ids
    only. Raises ArchiveError for a short reason or a record already archived.
    The caller checks the role and that the record is in the actor's scope.
    """
    reason = _checked_reason(reason)
    if _locked(record).archived_at is not None:
        raise ArchiveError(_("This record is already archived."))
    record.archived_at = timezone.now()
    record.archived_by = actor
    record.archive_reason = reason
    record.save(update_fields=["archived_at", "archived_by", "archive_reason"])
    _log_archive_step(record, ArchiveEntry.Action.ARCHIVE, actor=actor, reason=reason)


@transaction.atomic
def restore_record(record: Archivable, *, actor: User, reason: str) -> None:
    """Bring an archived case, person or attachment back, whole, into every scope.

    Clears the archive fields (the archive log keeps both steps and their reasons) and
    writes a RESTORE audit row. Raises ArchiveError for a short reason or a record
    that is not archived. The caller checks that the actor supervises its agency.
    """
    reason = _checked_reason(reason)
    if _locked(record).archived_at is None:
        raise ArchiveError(_("This record is not archived."))
    record.archived_at = None
    record.archived_by = None
    record.archive_reason = ""
    record.save(update_fields=["archived_at", "archived_by", "archive_reason"])
    _log_archive_step(record, ArchiveEntry.Action.RESTORE, actor=actor, reason=reason)


@transaction.atomic
def archive_case(case: Case, *, actor: User, reason: str) -> None:
    """Archive a case: its tasks, services, decisions, referrals (for the receiver too)
    and attachments leave every scope with it; the person stays (archive_record).
    A closed case refuses it like any write (CaseClosedError): reopen it first."""
    ensure_case_open(case)
    archive_record(case, actor=actor, reason=reason)


def restore_case(case: Case, *, actor: User, reason: str) -> None:
    """Restore an archived case with everything that hangs off it (restore_record)."""
    restore_record(case, actor=actor, reason=reason)


@transaction.atomic
def archive_attachment(attachment: Attachment, *, actor: User, reason: str) -> None:
    """Archive one attachment: its download answers 404 from now on (archive_record).
    A closed case refuses it like any write (CaseClosedError)."""
    ensure_case_open(attachment.case)
    archive_record(attachment, actor=actor, reason=reason)


def restore_attachment(attachment: Attachment, *, actor: User, reason: str) -> None:
    """Restore an archived attachment (restore_record)."""
    restore_record(attachment, actor=actor, reason=reason)
