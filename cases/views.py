from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.db.models import Field, Model
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
    ClosureApprovalForm,
    CriminalExposureForm,
    DefendantForm,
    HearingForm,
    NoteForm,
    ProceedingForm,
    ReasonForm,
    ServiceForm,
    ServiceMoveForm,
    TaskForm,
    TaskMoveForm,
    TrackMoveForm,
)
from cases.models import (
    SERVICE_GRAPH,
    TRACK_GRAPHS,
    WORK_TRACKS,
    Case,
    CriminalExposure,
    Defendant,
    LegalProceeding,
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
    cases = Case.objects.visible_to(request.user).for_list()
    filterset = filter_queryset(CaseFilter, request, cases)
    page = paginate(request, filterset.qs)
    return render(request, "cases/case_list.html", {"filter": filterset, "page": page})


@allowed(READS_CASES)
def task_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Tasks of the cases the user may see; the dashboard's task counts link here."""
    tasks = (
        Task.objects.visible_to(request.user)
        .select_related("case__person", "assignee")
        .prefetch_related("case__caseworkers")
    )
    filterset = filter_queryset(TaskFilter, request, tasks)
    page = paginate(request, filterset.qs)
    return render(request, "cases/task_list.html", {"filter": filterset, "page": page})


@allowed(READS_CASES)
def my_work(request: AuthenticatedHttpRequest) -> HttpResponse:
    tasks = selectors.my_tasks(request.user)
    context = {
        "cases": selectors.my_cases(request.user)[: selectors.MY_WORK_LIMIT],
        "overdue_tasks": tasks.overdue()[: selectors.MY_WORK_LIMIT],
        "upcoming_tasks": tasks.upcoming()[: selectors.MY_WORK_LIMIT],
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
    case = _get_case(request, pk)
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
        "tasks": case.tasks.select_related("assignee").order_by("status", "due_date"),
        "attachments": case.attachments.active().select_related("uploaded_by"),
        "services": case.service_items.all(),
        "exploitations": case.exploitations.all(),
        "closure_blockers": case.closure_blockers(),
        "note_form": NoteForm(),
        "task_form": TaskForm(agency_id=case.agency_id),
        "attachment_form": AttachmentForm(),
        **forms,
    }
    return render(request, "cases/case_detail.html", context, status=status)


def _proceedings_with_forms(case: Case, forms: dict[str, Any]) -> list[LegalProceeding]:
    """Each proceeding with its own add-defendant and add-hearing forms (ids unique per
    proceeding); a form refused with 400 stays on the proceeding it was posted to."""
    proceedings = list(case.proceedings.prefetch_related("defendants", "hearings"))
    for proceeding in proceedings:
        for name, form_class in (("defendant_form", DefendantForm), ("hearing_form", HearingForm)):
            posted = forms.get(name)
            if posted is not None and posted.instance.proceeding_id == proceeding.pk:
                form = posted
            else:
                prefix = name.removesuffix("_form")
                form = form_class(auto_id=f"id_{prefix}{proceeding.pk}_%s")
            setattr(proceeding, name, form)
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
    form = TaskForm(request.POST, instance=Task(case=case), agency_id=case.agency_id)
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


# --- prosecution: proceedings and the person's own criminal exposure ------------------------


@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def proceeding_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _get_case(request, pk)
    return _child_form(
        request,
        case,
        ProceedingForm,
        LegalProceeding(case=case),
        services.save_proceeding,
        _("New legal proceeding"),
    )


@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def proceeding_edit(request: AuthenticatedHttpRequest, pk: int, proceeding_pk: int) -> HttpResponse:
    case = _get_case(request, pk)
    proceeding = get_child_or_404(case.proceedings, request.user, pk=proceeding_pk)
    return _child_form(
        request,
        case,
        ProceedingForm,
        proceeding,
        services.save_proceeding,
        _("Edit legal proceeding"),
    )


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


@require_POST
@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def defendant_add(request: AuthenticatedHttpRequest, pk: int, proceeding_pk: int) -> HttpResponse:
    case = _get_case(request, pk)
    proceeding = get_child_or_404(case.proceedings, request.user, pk=proceeding_pk)
    form = DefendantForm(request.POST)
    form.instance.proceeding = proceeding
    if not form.is_valid():
        return _render_detail(request, case, status=400, defendant_form=form)
    services.save_defendant(form.save(commit=False), actor=request.user)
    messages.success(request, _("Defendant added."))
    return redirect(case)


@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def defendant_edit(
    request: AuthenticatedHttpRequest, pk: int, proceeding_pk: int, defendant_pk: int
) -> HttpResponse:
    case = _get_case(request, pk)
    defendants = Defendant.objects.filter(proceeding__case=case, proceeding_id=proceeding_pk)
    defendant = get_child_or_404(defendants, request.user, pk=defendant_pk)
    return _child_form(
        request, case, DefendantForm, defendant, services.save_defendant, _("Edit defendant")
    )


@require_POST
@allowed(WORKS_CASES, on=Case)
@refuses_closed_case
def hearing_add(request: AuthenticatedHttpRequest, pk: int, proceeding_pk: int) -> HttpResponse:
    case = _get_case(request, pk)
    proceeding = get_child_or_404(case.proceedings, request.user, pk=proceeding_pk)
    form = HearingForm(request.POST)
    form.instance.proceeding = proceeding
    if not form.is_valid():
        return _render_detail(request, case, status=400, hearing_form=form)
    services.add_hearing(form.save(commit=False), actor=request.user)
    messages.success(request, _("Hearing recorded; a preparation task was added."))
    return redirect(case)


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
