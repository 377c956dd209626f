from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, cast

from django.contrib import messages
from django.db.models import Field, Model, Prefetch
from django.forms import Form
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access import allowed, get_child_or_404, get_visible_or_404, record_form_read
from accounts.http import AuthenticatedHttpRequest
from audit.models import AuditEvent
from audit.services import record_event, record_view
from cases import selectors, services
from cases.decorators import refuses_closed_case
from cases.filters import CaseFilter, TaskFilter
from cases.forms import (
    AssignForm,
    AttachmentForm,
    CaseForm,
    ChargeForm,
    ChargeOutcomeForm,
    ClosureApprovalForm,
    CriminalExposureForm,
    CriminalMatterChargeForm,
    CriminalMatterMoveForm,
    DefendantForm,
    HearingForm,
    LinkProceedingForm,
    MeasureDecisionForm,
    NewProceedingForm,
    NonPunishmentDecisionForm,
    NoteForm,
    ProceedingForm,
    ProceedingStageForm,
    ReasonForm,
    ServiceForm,
    ServiceMoveForm,
    TaskForm,
    TaskMoveForm,
    TrackMoveForm,
    UnlinkProceedingForm,
)
from cases.models import (
    CRIMINAL_MATTER_GRAPH,
    PROCEEDING_GRAPH,
    SERVICE_GRAPH,
    TRACK_GRAPHS,
    WORK_TRACKS,
    Case,
    Charge,
    CriminalExposure,
    CriminalMatterStage,
    Hearing,
    LegalProceeding,
    ProceedingStage,
    ProtectiveMeasure,
    ServiceItem,
    Task,
)
from crypto.files import decrypt_stream
from listing import filter_queryset, paginate
from locking.forms import VersionedModelForm
from locking.models import VersionedModel
from locking.views import save_or_stale
from policy import READS_CASES, SEES_IDENTITY, SUPERVISES, WORKS_CASES, can
from widgets import form_errors
from workflow import TransitionError


def _get_case(request: AuthenticatedHttpRequest, pk: int) -> Case:
    """The case if the user may see it: 404 otherwise, audited (access.get_visible_or_404)."""
    return get_visible_or_404(Case, request.user, pk=pk)


# --- lists -----------------------------------------------------------------------------


@allowed(READS_CASES)
def case_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    cases = Case.objects.visible_to(request.user).ranked()
    filterset = filter_queryset(CaseFilter, request, cases)
    page = paginate(
        request, filterset, rows_by_id=lambda ids: Case.objects.filter(pk__in=ids).for_list()
    )
    page.object_list = Case.objects.with_row_flags(page.object_list)
    return render(request, "cases/case_list.html", {"filter": filterset, "page": page})


@allowed(READS_CASES)
def task_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Tasks of the cases the user may see; the dashboard's task counts link here."""
    filterset = filter_queryset(TaskFilter, request, Task.objects.visible_to(request.user))
    page = paginate(
        request, filterset, rows_by_id=lambda ids: Task.objects.filter(pk__in=ids).for_list()
    )
    return render(request, "cases/task_list.html", {"filter": filterset, "page": page})


@allowed(READS_CASES)
def my_work(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's work, each panel its first rows, count and link to the full list:
    a fixed number of queries and a small page whatever the caseload."""
    # A hearing-preparation task shows the measures still to arrange.
    tasks = selectors.my_tasks(request.user).prefetch_related("hearing__measures")
    limit = selectors.MY_WORK_LIMIT
    cases = selectors.my_cases_panel(request.user, limit)
    overdue, upcoming = selectors.inbox_panels(tasks.overdue(), tasks.upcoming(), limit=limit)
    context = {
        "cases": cases,
        "overdue_tasks": overdue,
        "upcoming_tasks": upcoming,
        "recent_changes": selectors.recent_changes(request.user),
        "services_attention": selectors.services_needing_attention(request.user),
        "closure_requests": (
            selectors.closure_requests(request.user) if can(request.user, SUPERVISES) else None
        ),
    }
    return render(request, "cases/my_work.html", context)


# --- the case --------------------------------------------------------------------------


@allowed(READS_CASES, on=Case)
def case_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = get_visible_or_404(Case, request.user, queryset=Case.objects.for_page(), pk=pk)
    record_view(request.user, case)
    return _render_detail(request, case)


def _render_detail(
    request: AuthenticatedHttpRequest, case: Case, status: int = 200, **forms
) -> HttpResponse:
    context = {
        "case": case,
        "tracks": _track_moves(case),
        "timeline": selectors.case_timeline(case, limit=50),
        "proceedings": _proceedings_with_forms(case, forms),
        "exposures": case.criminal_exposures.all(),
        "tasks": case.tasks.select_related("assignee")
        .prefetch_related("hearing__measures")
        .order_by("status", "due_date"),
        "attachments": case.attachments.active().select_related("uploaded_by"),
        "services": case.service_items.all(),
        "exploitations": case.exploitations.all(),
        "closure_blockers": case.closure_blockers(),
        "note_form": NoteForm(),
        "task_form": TaskForm(
            instance=Task(case=case), agency_id=case.agency_id, actor=request.user
        ),
        "attachment_form": AttachmentForm(),
        "link_form": LinkProceedingForm(agency_id=case.agency_id),
        **forms,
    }
    return render(request, "cases/case_detail.html", context, status=status)


def _auto_id(kind: str, key: object) -> str:
    """Ids unique on the case page, whatever the number of proceedings shown."""
    return f"id_{kind}{key}_%s"


def _proceedings_with_forms(case: Case, forms: dict[str, Any]) -> list[LegalProceeding]:
    """The proceedings linked to the case, each with what the case's agency may see and
    its own forms (ids unique per proceeding); a form refused with 400 stays where it
    was posted. The owning agency sees the defendants; another agency's case sees the
    numbers, the stage and its own person's hearings only."""
    # Only this case's person's hearings (a proceeding concerns several victims).
    hearings = Hearing.objects.filter(case=case).prefetch_related("measures")
    proceedings = list(
        case.proceedings.prefetch_related("defendants__charges__outcomes").prefetch_related(
            Prefetch("hearings", queryset=hearings)
        )
    )
    links = {link.proceeding_id: link for link in case.proceeding_links.all()}
    posted = {name: form for name, form in forms.items() if name.startswith("proc_")}

    def form_for(name: str, form_class: type, key: object, **kwargs: Any) -> Any:
        form = posted.get(f"proc_{name}")
        if form is not None and getattr(form, "slot", None) == key:
            return form
        return form_class(auto_id=_auto_id(name, key), **kwargs)

    for proceeding in proceedings:
        proceeding.owned = proceeding.agency_id == case.agency_id
        proceeding.link = links.get(proceeding.pk)
        proceeding.hearing_form = form_for("hearing", HearingForm, proceeding.pk)
        proceeding.unlink_form = form_for("unlink", UnlinkProceedingForm, proceeding.pk)
        for hearing in proceeding.hearings.all():
            for measure in hearing.measures.all():
                measure.form = form_for(
                    "measure", MeasureDecisionForm, measure.pk, instance=measure
                )
        if not proceeding.owned:
            continue
        proceeding.defendant_form = form_for("defendant", DefendantForm, proceeding.pk)
        proceeding.stage_moves = [
            (stage, ProceedingStage(stage).label)
            for stage in PROCEEDING_GRAPH.next_states(proceeding.stage)
        ]
        for defendant in proceeding.defendants.all():
            defendant.charge_form = form_for("charge", ChargeForm, defendant.pk)
            for charge in defendant.charges.all():
                charge.outcome_form = form_for("outcome", ChargeOutcomeForm, charge.pk)
    return proceedings


def _track_moves(case: Case) -> list[dict]:
    """Each track's state and the moves the form offers: never a guarded target (an
    identification outcome is recorded as a decision, on the identification panel)."""
    rows = []
    for track in WORK_TRACKS:
        graph = TRACK_GRAPHS[track]
        # A track's status is a concrete field of Case, never a relation.
        field = cast("Field[Any, Any]", Case._meta.get_field(graph.field))
        labels = dict(field.flatchoices)
        current = getattr(case, field.name)
        allowed = [state for state in graph.next_states(current) if state not in graph.guarded]
        rows.append(
            {
                "track": track,
                "current": labels[current],
                "current_value": current,
                "moves": [(value, labels[value]) for value in allowed],
            }
        )
    return rows


@allowed(READS_CASES, on=Case)
def case_timeline(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _get_case(request, pk)
    record_view(request.user, case)
    timeline = selectors.case_timeline(case)
    return render(request, "cases/case_timeline.html", {"case": case, "timeline": timeline})


@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def case_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _get_case(request, pk)
    record_form_read(request, case)
    form = CaseForm(request.POST or None, instance=case)
    if form.is_valid() and save_or_stale(
        request,
        form,
        services.update_case,
        exploitations=form.exploitation_rows(),
        saved=_("Case saved."),
    ):
        return redirect(case)
    heading = _("Edit case %(reference)s") % {"reference": case}
    return render(request, "cases/case_form.html", {"form": form, "heading": heading, "case": case})


@allowed(SUPERVISES, on=Case)
@refuses_closed_case
def case_assign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _get_case(request, pk)
    initial = {"caseworkers": case.caseworkers.all(), "supervisor": case.supervisor}
    form = AssignForm(request.POST or None, initial=initial, agency_id=case.agency_id)
    if request.method == "POST" and form.is_valid():
        services.assign_case(
            case,
            actor=request.user,
            caseworkers=form.cleaned_data["caseworkers"],
            supervisor=form.cleaned_data["supervisor"],
        )
        messages.success(request, _("Assignment saved."))
        return redirect(case)
    heading = _("Assign case %(reference)s") % {"reference": case}
    return render(request, "cases/case_form.html", {"form": form, "heading": heading, "case": case})


# --- tracks and closure ----------------------------------------------------------------


@require_POST
@allowed(WORKS_CASES, on=Case)
def case_transition(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _get_case(request, pk)
    form = TrackMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(case)
    data = form.cleaned_data
    try:
        services.transition_track(
            case, data["track"], data["to_status"], actor=request.user, note=data["note"]
        )
    except TransitionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Track updated."))
    return redirect(case)


def _closure_step(
    request: AuthenticatedHttpRequest,
    case: Case,
    form: Form,
    step: Callable[..., object],
    success: str,
) -> HttpResponse:
    """Validate the reason form, run one closure service, report the outcome."""
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(case)
    try:
        step(case, actor=request.user, **form.cleaned_data)
    except TransitionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect(case)


@require_POST
@allowed(WORKS_CASES, on=Case)
def closure_request(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _get_case(request, pk)
    return _closure_step(
        request,
        case,
        ReasonForm(request.POST),
        _reasoned(services.request_closure),
        _("Closure requested; a supervisor will decide."),
    )


@require_POST
@allowed(SUPERVISES, on=Case)
def closure_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _get_case(request, pk)
    return _closure_step(
        request,
        case,
        ClosureApprovalForm(request.POST),
        services.approve_closure,
        _("Case closed."),
    )


@require_POST
@allowed(SUPERVISES, on=Case)
def closure_return(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _get_case(request, pk)
    return _closure_step(
        request,
        case,
        ReasonForm(request.POST),
        _commented(services.return_closure),
        _("Closure request sent back; the case is open."),
    )


@require_POST
@allowed(SUPERVISES, on=Case)
def case_reopen(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _get_case(request, pk)
    return _closure_step(
        request,
        case,
        ReasonForm(request.POST),
        _reasoned(services.reopen_case),
        _("Case reopened."),
    )


def _reasoned(step: Callable[..., object]) -> Callable[..., object]:
    return lambda case, *, actor, reason: step(case, actor=actor, reason=reason)


def _commented(step: Callable[..., object]) -> Callable[..., object]:
    return lambda case, *, actor, reason: step(case, actor=actor, comment=reason)


# --- notes, tasks, attachments -------------------------------------------------------------


@require_POST
@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def note_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _get_case(request, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, case, status=400, note_form=form)
    corrects = form.cleaned_data["corrects"]
    corrected = get_child_or_404(case.notes, request.user, pk=corrects) if corrects else None
    services.add_note(
        case,
        actor=request.user,
        text=form.cleaned_data["text"],
        corrects=corrected,
    )
    messages.success(request, _("Note added."))
    return redirect(case)


@require_POST
@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def task_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _get_case(request, pk)
    form = TaskForm(
        request.POST, instance=Task(case=case), agency_id=case.agency_id, actor=request.user
    )
    if not form.is_valid():
        return _render_detail(request, case, status=400, task_form=form)
    services.add_task(form.save(commit=False), actor=request.user)
    messages.success(request, _("Task added."))
    return redirect(case)


@require_POST
@allowed(WORKS_CASES, on=Case)
def task_status(request: AuthenticatedHttpRequest, pk: int, task_pk: int) -> HttpResponse:
    case = _get_case(request, pk)
    task = get_child_or_404(case.tasks, request.user, pk=task_pk)
    return _status_move(
        request,
        case,
        TaskMoveForm(request.POST),
        services.transition_task,
        task,
        _("Task updated."),
    )


def _status_move(
    request: AuthenticatedHttpRequest,
    case: Case,
    form: Form,
    step: Callable[..., object],
    record: Model,
    success: str,
) -> HttpResponse:
    """Validate a status form, run one status writer on `record`, report the outcome."""
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(case)
    data = form.cleaned_data
    try:
        step(record, data["to_status"], actor=request.user, note=data["note"])
    except TransitionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect(case)


@require_POST
@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def attachment_upload(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _get_case(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    form.instance.case = case
    if not form.is_valid():
        return _render_detail(request, case, status=400, attachment_form=form)
    services.add_attachment(form.save(commit=False), actor=request.user)
    messages.success(request, _("File attached."))
    return redirect(case)


@allowed(READS_CASES, on=Case)
def attachment_download(
    request: AuthenticatedHttpRequest, pk: int, attachment_pk: int
) -> StreamingHttpResponse:
    case = _get_case(request, pk)
    attachment = get_child_or_404(case.attachments.active(), request.user, pk=attachment_pk)
    record_event(actor=request.user, action=AuditEvent.Action.DOWNLOAD, target=attachment)
    # The whole file is authenticated before the first byte goes out; then it streams.
    body = decrypt_stream(attachment.file.open("rb"), attachment.wrapped_key)
    response = StreamingHttpResponse(body, content_type=attachment.content_type)
    disposition = content_disposition_header(True, attachment.original_name) or "attachment"
    response["Content-Disposition"] = disposition
    response["Content-Length"] = str(attachment.size)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- prosecution: shared proceedings and protection in court ------------------------------


def _slotted(form: Any, kind: str, key: object) -> Any:
    """A posted form, marked with the proceeding/record it belongs to on the case page."""
    form.slot = key
    form.auto_id = _auto_id(kind, key)
    return form


def _owned_proceeding(
    request: AuthenticatedHttpRequest, case: Case, proceeding_pk: int
) -> LegalProceeding:
    """A proceeding linked to the case and owned by the case's agency (editable), else 404."""
    owned = case.proceedings.owned_by(case.agency_id)
    return get_child_or_404(owned, request.user, pk=proceeding_pk)


@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def proceeding_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A new proceeding, owned by the case's agency and linked to the case."""
    case = _get_case(request, pk)
    form = NewProceedingForm(request.POST or None, instance=LegalProceeding())
    if form.is_valid() and save_or_stale(
        request,
        form,
        services.save_proceeding,
        case=case,
        person_role=form.cleaned_data["person_role"],
    ):
        return redirect(case)
    heading = _("New legal proceeding")
    return render(request, "cases/case_form.html", {"form": form, "heading": heading, "case": case})


@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def proceeding_edit(request: AuthenticatedHttpRequest, pk: int, proceeding_pk: int) -> HttpResponse:
    case = _get_case(request, pk)
    proceeding = _owned_proceeding(request, case, proceeding_pk)
    record_form_read(request, proceeding)
    form = ProceedingForm(request.POST or None, instance=proceeding)
    if save_or_stale(request, form, services.save_proceeding, case=case):
        return redirect(case)
    heading = _("Edit legal proceeding")
    return render(request, "cases/case_form.html", {"form": form, "heading": heading, "case": case})


@require_POST
@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def proceeding_stage(
    request: AuthenticatedHttpRequest, pk: int, proceeding_pk: int
) -> HttpResponse:
    case = _get_case(request, pk)
    proceeding = _owned_proceeding(request, case, proceeding_pk)
    return _status_move(
        request,
        case,
        ProceedingStageForm(request.POST),
        partial(services.move_proceeding_stage, case=case),
        proceeding,
        _("Stage updated."),
    )


@require_POST
@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def proceeding_link(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Link the case to a proceeding its agency owns, found by one of its numbers."""
    case = _get_case(request, pk)
    form = LinkProceedingForm(request.POST, agency_id=case.agency_id)
    if not form.is_valid():
        return _render_detail(request, case, status=400, link_form=form)
    try:
        services.link_case(
            form.cleaned_data["proceeding"],
            case,
            actor=request.user,
            person_role=form.cleaned_data["person_role"],
        )
    except TransitionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The case is linked to the proceeding."))
    return redirect(case)


@require_POST
@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def proceeding_unlink(
    request: AuthenticatedHttpRequest, pk: int, proceeding_pk: int
) -> HttpResponse:
    case = _get_case(request, pk)
    proceeding = get_child_or_404(case.proceedings, request.user, pk=proceeding_pk)
    link = case.proceeding_links.get(proceeding=proceeding)
    form = _slotted(UnlinkProceedingForm(request.POST), "unlink", proceeding_pk)
    if not form.is_valid():
        return _render_detail(request, case, status=400, proc_unlink=form)
    services.unlink_case(link, actor=request.user, reason=form.cleaned_data["reason"])
    messages.success(request, _("The case is no longer linked to the proceeding."))
    return redirect(case)


@require_POST
@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def defendant_add(request: AuthenticatedHttpRequest, pk: int, proceeding_pk: int) -> HttpResponse:
    case = _get_case(request, pk)
    proceeding = _owned_proceeding(request, case, proceeding_pk)
    form = _slotted(DefendantForm(request.POST), "defendant", proceeding.pk)
    form.instance.proceeding = proceeding
    if not form.is_valid():
        return _render_detail(request, case, status=400, proc_defendant=form)
    services.save_defendant(
        form.save(commit=False), actor=request.user, case=case, charges=form.charges()
    )
    messages.success(request, _("Defendant added."))
    return redirect(case)


@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def defendant_edit(
    request: AuthenticatedHttpRequest, pk: int, proceeding_pk: int, defendant_pk: int
) -> HttpResponse:
    case = _get_case(request, pk)
    proceeding = _owned_proceeding(request, case, proceeding_pk)
    defendant = get_child_or_404(proceeding.defendants, request.user, pk=defendant_pk)
    record_form_read(request, defendant)
    form = DefendantForm(request.POST or None, instance=defendant)
    if save_or_stale(request, form, services.save_defendant, case=case):
        return redirect(case)
    heading = _("Edit defendant")
    return render(request, "cases/case_form.html", {"form": form, "heading": heading, "case": case})


@require_POST
@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def charge_add(
    request: AuthenticatedHttpRequest, pk: int, proceeding_pk: int, defendant_pk: int
) -> HttpResponse:
    case = _get_case(request, pk)
    proceeding = _owned_proceeding(request, case, proceeding_pk)
    defendant = get_child_or_404(proceeding.defendants, request.user, pk=defendant_pk)
    form = _slotted(ChargeForm(request.POST), "charge", defendant.pk)
    form.instance.defendant = defendant
    if not form.is_valid():
        return _render_detail(request, case, status=400, proc_charge=form)
    services.add_charge(form.save(commit=False), defendant=defendant, actor=request.user, case=case)
    messages.success(request, _("Charge added."))
    return redirect(case)


@require_POST
@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def charge_outcome(
    request: AuthenticatedHttpRequest, pk: int, proceeding_pk: int, charge_pk: int
) -> HttpResponse:
    """The outcome of a charge at one instance (district court, appeal, supreme court)."""
    case = _get_case(request, pk)
    proceeding = _owned_proceeding(request, case, proceeding_pk)
    charges = Charge.objects.filter(defendant__proceeding=proceeding)
    charge = get_child_or_404(charges, request.user, pk=charge_pk)
    form = _slotted(ChargeOutcomeForm(request.POST), "outcome", charge.pk)
    form.instance.charge = charge
    if not form.is_valid():
        return _render_detail(request, case, status=400, proc_outcome=form)
    services.record_charge_outcome(form.save(commit=False), actor=request.user, case=case)
    messages.success(request, _("Outcome recorded."))
    return redirect(case)


@require_POST
@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def hearing_add(request: AuthenticatedHttpRequest, pk: int, proceeding_pk: int) -> HttpResponse:
    """A hearing the case's person attends, with the protective measures requested: any
    agency whose case is linked records its own person's hearings."""
    case = _get_case(request, pk)
    proceeding = get_child_or_404(case.proceedings, request.user, pk=proceeding_pk)
    form = _slotted(HearingForm(request.POST), "hearing", proceeding.pk)
    form.instance.proceeding = proceeding
    form.instance.case = case
    if not form.is_valid():
        return _render_detail(request, case, status=400, proc_hearing=form)
    if not form.instance.person_role:  # the person's role in the proceeding, unless told
        link = case.proceeding_links.get(proceeding=proceeding)
        form.instance.person_role = link.person_role
    services.add_hearing(
        form.save(commit=False), actor=request.user, measures=form.protective_measures()
    )
    messages.success(request, _("Hearing recorded; a preparation task was added."))
    return redirect(case)


@require_POST
@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def measure_decide(
    request: AuthenticatedHttpRequest, pk: int, proceeding_pk: int, measure_pk: int
) -> HttpResponse:
    """The court's or prosecutor's decision on a protective measure for the case's person."""
    case = _get_case(request, pk)
    measures = ProtectiveMeasure.objects.filter(
        hearing__case=case, hearing__proceeding_id=proceeding_pk
    )
    measure = get_child_or_404(measures, request.user, pk=measure_pk)
    form = _slotted(MeasureDecisionForm(request.POST, instance=measure), "measure", measure.pk)
    if not form.is_valid():
        return _render_detail(request, case, status=400, proc_measure=form)
    services.decide_measure(form.save(commit=False), actor=request.user)
    messages.success(request, _("Decision recorded."))
    return redirect(case)


# --- the person's own criminal exposure ------------------------------------------------


@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def exposure_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _get_case(request, pk)
    return _child_form(
        request,
        case,
        CriminalExposureForm,
        CriminalExposure(case=case),
        services.save_criminal_exposure,
        _("The person as suspect or defendant"),
    )


@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def exposure_edit(request: AuthenticatedHttpRequest, pk: int, exposure_pk: int) -> HttpResponse:
    case = _get_case(request, pk)
    exposure = get_child_or_404(case.criminal_exposures, request.user, pk=exposure_pk)
    return _child_form(
        request,
        case,
        CriminalExposureForm,
        exposure,
        services.save_criminal_exposure,
        _("The person as suspect or defendant"),
    )


# --- the person's own criminal matter (non-punishment) --------------------------------


def _get_matter(
    request: AuthenticatedHttpRequest, pk: int, exposure_pk: int
) -> tuple[Case, CriminalExposure]:
    case = _get_case(request, pk)
    return case, get_child_or_404(case.criminal_exposures, request.user, pk=exposure_pk)


@allowed(READS_CASES, on=Case)
def exposure_detail(request: AuthenticatedHttpRequest, pk: int, exposure_pk: int) -> HttpResponse:
    case, matter = _get_matter(request, pk, exposure_pk)
    record_view(request.user, matter)
    return _render_matter(request, case, matter)


def _render_matter(
    request: AuthenticatedHttpRequest,
    case: Case,
    matter: CriminalExposure,
    status: int = 200,
    charge_form: CriminalMatterChargeForm | None = None,
) -> HttpResponse:
    context = {
        "case": case,
        "matter": matter,
        "charges": matter.charges.all(),
        "history": matter.transitions.select_related("actor"),
        "charge_form": charge_form or CriminalMatterChargeForm(),
        "moves": [
            (stage, CriminalMatterStage(stage).label)
            for stage in CRIMINAL_MATTER_GRAPH.next_states(matter.stage)
        ],
    }
    return render(request, "cases/criminal_matter.html", context, status=status)


@require_POST
@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def exposure_charge_add(
    request: AuthenticatedHttpRequest, pk: int, exposure_pk: int
) -> HttpResponse:
    case, matter = _get_matter(request, pk, exposure_pk)
    form = CriminalMatterChargeForm(request.POST)
    form.instance.matter = matter
    if not form.is_valid():
        return _render_matter(request, case, matter, status=400, charge_form=form)
    services.save_criminal_matter_charge(form.save(commit=False), actor=request.user)
    messages.success(request, _("Charge added."))
    return redirect(matter)


@require_POST
@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def exposure_stage(request: AuthenticatedHttpRequest, pk: int, exposure_pk: int) -> HttpResponse:
    _case, matter = _get_matter(request, pk, exposure_pk)
    form = CriminalMatterMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(matter)
    try:
        data = form.cleaned_data
        services.move_criminal_matter(
            matter, data["to_status"], actor=request.user, note=data["note"]
        )
    except TransitionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Stage updated."))
    return redirect(matter)


@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def exposure_decision(request: AuthenticatedHttpRequest, pk: int, exposure_pk: int) -> HttpResponse:
    case, matter = _get_matter(request, pk, exposure_pk)
    record_form_read(request, matter)
    form = NonPunishmentDecisionForm(request.POST or None, instance=matter)
    if form.is_valid() and save_or_stale(
        request,
        form,
        services.record_non_punishment_decision,
        matter,
        saved=_("Decision recorded."),
        **form.decision(),
    ):
        return redirect(matter)
    heading = _("Decision on non-punishment")
    context = {"form": form, "heading": heading, "case": case}
    return render(request, "cases/case_form.html", context, status=400 if form.is_bound else 200)


def _child_form(
    request: AuthenticatedHttpRequest,
    case: Case,
    form_class: type[VersionedModelForm],
    instance: VersionedModel,
    save: Callable[..., Model],
    heading: str,
) -> HttpResponse:
    """The shared GET/POST handling of a versioned record belonging to a case."""
    record_form_read(request, instance)
    form = form_class(request.POST or None, instance=instance)
    if save_or_stale(request, form, save):
        return redirect(case)
    context = {"form": form, "heading": heading, "case": case}
    return render(request, "cases/case_form.html", context)


@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def service_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _get_case(request, pk)
    return _service_form(request, ServiceItem(case=case))


@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def service_edit(request: AuthenticatedHttpRequest, pk: int, service_pk: int) -> HttpResponse:
    case = _get_case(request, pk)
    return _service_form(request, get_child_or_404(case.service_items, request.user, pk=service_pk))


def _service_form(request: AuthenticatedHttpRequest, service: ServiceItem) -> HttpResponse:
    record_form_read(request, service)
    sees = can(request.user, SEES_IDENTITY)
    form = ServiceForm(request.POST or None, instance=service, sees_sensitive=sees)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_service(form.save(commit=False), actor=request.user)
        except TransitionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Service saved."))
            return redirect(service.case)
    context = {
        "form": form,
        "service": service,
        "case": service.case,
        "moves": _service_moves(service),
    }
    return render(request, "cases/serviceitem_form.html", context)


def _service_moves(service: ServiceItem) -> list[tuple[str, str | Promise]]:
    """The states a saved service may move to, for the buttons of its edit page."""
    if service.pk is None:
        return []
    labels = dict(ServiceItem.Status.choices)
    return [(state, labels[state]) for state in SERVICE_GRAPH.next_states(service.status)]


@require_POST
@allowed(WORKS_CASES, on=Case)
def service_transition(request: AuthenticatedHttpRequest, pk: int, service_pk: int) -> HttpResponse:
    case = _get_case(request, pk)
    service = get_child_or_404(case.service_items, request.user, pk=service_pk)
    return _status_move(
        request,
        case,
        ServiceMoveForm(request.POST),
        services.transition_service,
        service,
        _("Service updated."),
    )


# --- archive ("Delete") and restore ---------------------------------------------------------


def _archive_step(request: AuthenticatedHttpRequest, step: Callable[..., object], record) -> bool:
    """Run an archive or restore service with the posted reason; report the outcome."""
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise services.ArchiveError(form_errors(form))
        step(record, actor=request.user, reason=form.cleaned_data["reason"])
    except services.ArchiveError as error:
        messages.error(request, str(error))
        return False
    return True


@require_POST
@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def case_archive(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Delete a case: it is archived, and only a supervisor can bring it back."""
    case = _get_case(request, pk)
    if not _archive_step(request, services.archive_case, case):
        return redirect(case)
    messages.success(request, _("Case %(reference)s deleted (archived).") % {"reference": case})
    return redirect("cases:list")


@require_POST
@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def attachment_archive(
    request: AuthenticatedHttpRequest, pk: int, attachment_pk: int
) -> HttpResponse:
    case = _get_case(request, pk)
    attachment = get_child_or_404(case.attachments.active(), request.user, pk=attachment_pk)
    if _archive_step(request, services.archive_attachment, attachment):
        messages.success(request, _("Attachment deleted (archived)."))
    return redirect(case)
