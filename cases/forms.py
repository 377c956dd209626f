from __future__ import annotations

import datetime
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User, UserQuerySet
from cases.models import (
    WORK_TRACKS,
    Attachment,
    Case,
    CaseExploitation,
    Charge,
    ChargeOutcome,
    ControlMethod,
    CriminalExposure,
    CriminalitySubtype,
    CriminalMatterCharge,
    CriminalMatterStage,
    Defendant,
    ExploitationType,
    Hearing,
    LabourIndustry,
    LegalProceeding,
    LegalProceedingQuerySet,
    ProceedingStage,
    ProsecutionRole,
    ProtectiveMeasure,
    ServiceItem,
    Statute,
    Task,
)
from listing import STAFF_CHOICES
from locking.forms import VersionedModelForm
from partners.models import Agency
from widgets import MAX_PK, BoundedModelMultipleChoiceField, DateField, DateInput, ModelForm

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise


class CaseForm(VersionedModelForm):
    """Intake details. Types of exploitation become CaseExploitation rows."""

    exploitation_types = forms.MultipleChoiceField(
        label=_("Types of exploitation"),
        choices=ExploitationType.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    criminality_subtypes = forms.MultipleChoiceField(
        label=_("Forced criminality: crimes the person was forced into"),
        choices=CriminalitySubtype.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    labour_industry = forms.ChoiceField(
        label=_("Forced labour: industry"),
        choices=[("", "—"), *LabourIndustry.choices],
        required=False,
    )
    methods_of_control = forms.MultipleChoiceField(
        label=_("Methods of control"),
        choices=ControlMethod.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Case
        fields = [
            "intake_date",
            "source",
            "exploitation_types",
            "criminality_subtypes",
            "labour_industry",
            "recruitment_method",
            "recruitment_channel",
            "methods_of_control",
            "countries_of_recruitment",
            "countries_of_transit",
            "countries_of_exploitation",
            "place_description",
            "risk_level",
            "prosecution_role",
        ]
        widgets = {
            "intake_date": DateInput(),
            "place_description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            rows = list(self.instance.exploitations.all())
            self.initial.setdefault("exploitation_types", sorted({row.type for row in rows}))
            self.initial.setdefault(
                "criminality_subtypes", [row.subtype for row in rows if row.subtype]
            )
            industries = [row.industry for row in rows if row.industry]
            self.initial.setdefault("labour_industry", industries[0] if industries else "")

    def exploitation_rows(self) -> list[CaseExploitation]:
        data = self.cleaned_data
        rows = []
        for kind in data["exploitation_types"]:
            if kind == ExploitationType.FORCED_CRIMINALITY and data["criminality_subtypes"]:
                rows += [
                    CaseExploitation(type=kind, subtype=s) for s in data["criminality_subtypes"]
                ]
            elif kind == ExploitationType.FORCED_LABOUR:
                rows.append(CaseExploitation(type=kind, industry=data["labour_industry"]))
            else:
                rows.append(CaseExploitation(type=kind))
        return rows


class TrackMoveForm(forms.Form):
    track = forms.ChoiceField(choices=[(t.value, t.label) for t in WORK_TRACKS])
    to_status = forms.CharField(max_length=32)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(forms.Form):
    """A reason or comment for a closure step (required)."""

    reason = forms.CharField(
        label=_("Reason"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ClosureApprovalForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    override_reason = forms.CharField(
        label=_("Reason for closing despite the warnings"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _one_staff_member(
    staff: UserQuerySet, text: str, *, nobody: _StrOrPromise, several: _StrOrPromise
) -> User | None:
    """The one member of `staff` whose e-mail address is `text` or whose name contains it
    (an exact name or address wins over partial ones); a ValidationError with `nobody` or
    `several` (`%(text)s`, `%(names)s`) otherwise. None for an empty text."""
    text = text.strip()
    if not text:
        return None
    found = list(
        staff.filter(Q(email__iexact=text) | Q(full_name__icontains=text)).order_by(
            "full_name", "pk"
        )[: STAFF_CHOICES + 1]
    )
    exact = [u for u in found if text.lower() in (u.email.lower(), u.full_name.lower())]
    if len(found) == 1 or len(exact) == 1:
        return found[0] if len(found) == 1 else exact[0]
    if not found:
        raise forms.ValidationError(nobody, code="no_match", params={"text": text})
    raise forms.ValidationError(
        several,
        code="several",
        params={"text": text, "names": ", ".join(u.full_name for u in found[:3])},
    )


def _posted_pks(form: forms.Form, name: str) -> list[int]:
    """The ids a bound form sent for the choice field `name` (digits only, in range)."""
    if not form.is_bound:
        return []
    posted = form.fields[name].widget.value_from_datadict(
        form.data, form.files, form.add_prefix(name)
    )
    values = posted if isinstance(posted, list) else [posted]
    return [int(pk) for pk in values if str(pk).isdigit() and int(pk) <= MAX_PK]


class AssignForm(forms.Form):
    """Who works a case. A national agency's thousand caseworkers and hundred supervisors
    are not listed: past listing.STAFF_CHOICES the checkboxes offer the case's own
    caseworkers and the dropdown its supervisor, and "Add a caseworker" and "Another
    supervisor" find anybody else of the agency by name or e-mail address."""

    caseworkers = BoundedModelMultipleChoiceField(
        label=_("Caseworkers"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    add_caseworker = forms.CharField(
        label=_("Add a caseworker"),
        help_text=_("Part of the name, or the e-mail address, of one caseworker of the agency."),
        max_length=150,
        required=False,
    )
    supervisor = forms.ModelChoiceField(
        label=_("Supervisor"), queryset=User.objects.none(), required=False
    )
    other_supervisor = forms.CharField(
        label=_("Another supervisor"),
        help_text=_("Part of the name, or the e-mail address, of one supervisor of the agency."),
        max_length=150,
        required=False,
    )

    def __init__(self, *args, agency_id: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        staff = User.objects.active().in_agency(agency_id)
        self.agency_caseworkers = staff.caseworkers()
        self.agency_supervisors = staff.supervisors()
        caseworkers = cast(forms.ModelMultipleChoiceField, self.fields["caseworkers"])
        caseworkers.queryset = self.agency_caseworkers
        supervisor = cast(forms.ModelChoiceField, self.fields["supervisor"])
        supervisor.queryset = self.agency_supervisors
        # The case's caseworkers and supervisor, and those chosen in a form sent back.
        ticked = [user.pk for user in self.initial.get("caseworkers", [])]
        offered = self._offer(
            caseworkers, "add_caseworker", ticked + _posted_pks(self, "caseworkers")
        )
        caseworkers.widget.choices = offered
        current = self.initial.get("supervisor")
        chosen = ([current.pk] if current is not None else []) + _posted_pks(self, "supervisor")
        offered = self._offer(supervisor, "other_supervisor", chosen)
        supervisor.widget.choices = [("", supervisor.empty_label or ""), *offered]

    def _offer(
        self, field: forms.ModelChoiceField, finder: str, pinned: list[int]
    ) -> list[tuple[int, str]]:
        """The choices of `field`: all of its staff up to STAFF_CHOICES (and no `finder`
        field), else only the `pinned` ones (the finder adds anybody else)."""
        # An option needs the name only: not a whole account row, 51 times.
        staff = cast(UserQuerySet, field.queryset).only("pk", "full_name", "email")
        staff = staff.order_by("full_name", "pk")
        offered = list(staff[: STAFF_CHOICES + 1])
        if len(offered) <= STAFF_CHOICES:
            del self.fields[finder]  # every one of them is offered
        else:
            offered = list(staff.filter(pk__in=pinned))
        return [(user.pk, field.label_from_instance(user)) for user in offered]

    def clean_add_caseworker(self) -> User | None:
        return _one_staff_member(
            self.agency_caseworkers,
            self.cleaned_data.get("add_caseworker", ""),
            nobody=_("No active caseworker of the agency matches “%(text)s”."),
            several=_(
                "Several caseworkers match “%(text)s”, among them %(names)s: type more "
                "of the name, or the e-mail address."
            ),
        )

    def clean_other_supervisor(self) -> User | None:
        return _one_staff_member(
            self.agency_supervisors,
            self.cleaned_data.get("other_supervisor", ""),
            nobody=_("No active supervisor of the agency matches “%(text)s”."),
            several=_(
                "Several supervisors match “%(text)s”, among them %(names)s: type more "
                "of the name, or the e-mail address."
            ),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        added = data.get("add_caseworker")
        if added is not None and "caseworkers" in data:
            chosen = list(data["caseworkers"])
            data["caseworkers"] = [*chosen, added] if added not in chosen else chosen
        if data.get("other_supervisor") is not None:
            data["supervisor"] = data["other_supervisor"]
        return data


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"), max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )
    corrects = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class TaskForm(ModelForm):
    class Meta:
        model = Task
        fields = ["title", "due_date", "assignee"]
        widgets = {"due_date": DateInput()}

    def __init__(self, *args, agency_id: int, actor: User | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        assignee = cast(forms.ModelChoiceField, self.fields["assignee"])
        if self.instance.case_id is not None:
            assignee.queryset = self.instance.case.task_assignees(actor)
        else:
            assignee.queryset = User.objects.active().in_agency(agency_id)


class StatusMoveForm(forms.Form):
    """A move of one record along its status graph (the service refuses what the graph
    does not allow)."""

    note = forms.CharField(
        label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class TaskMoveForm(StatusMoveForm):
    to_status = forms.ChoiceField(label=_("Status"), choices=Task.Status.choices)


class ServiceMoveForm(StatusMoveForm):
    to_status = forms.ChoiceField(label=_("Status"), choices=ServiceItem.Status.choices)


class ProceedingForm(VersionedModelForm):
    class Meta:
        model = LegalProceeding
        fields = [
            "exploitation_type",
            "police_case_number",
            "prosecutor_case_number",
            "court_case_number",
            "court",
            "verdict",
            "verdict_date",
            "sentence",
        ]
        widgets = {
            "verdict_date": DateInput(),
            "verdict": forms.Textarea(attrs={"rows": 2}),
            "sentence": forms.Textarea(attrs={"rows": 2}),
        }

    IDENTIFYING_FIELDS = (
        "police_case_number",
        "prosecutor_case_number",
        "court_case_number",
        "court",
    )

    def clean(self) -> dict:
        """An empty proceeding is refused: it needs a case number or a court to be found."""
        super().clean()
        cleaned = self.cleaned_data
        if not any((cleaned.get(name) or "").strip() for name in self.IDENTIFYING_FIELDS):
            raise forms.ValidationError(
                _("Enter a police, prosecutor or court case number, or the court.")
            )
        return cleaned


class NewProceedingForm(ProceedingForm):
    """A new proceeding, with the role of the person whose case opens it."""

    person_role = forms.ChoiceField(
        label=_("The person's role"), choices=ProsecutionRole.choices, required=False
    )


class ProceedingStageForm(forms.Form):
    to_status = forms.ChoiceField(label=_("Stage"), choices=ProceedingStage.choices)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


def proceeding_numbered(
    proceedings: LegalProceedingQuerySet, number: str, *, not_found: _StrOrPromise
) -> LegalProceeding:
    """The one proceeding among `proceedings` known by `number` (`with_number`): how staff
    name a proceeding in a form, never by picking it from a list of every one. A number
    that finds none (`not_found`) or several is a ValidationError for the field."""
    matches = list(proceedings.with_number(number)[:2])
    if not matches:
        raise forms.ValidationError(not_found)
    if len(matches) > 1:
        raise forms.ValidationError(
            _("Several proceedings have this number: give another of its numbers.")
        )
    return matches[0]


class LinkProceedingForm(forms.Form):
    """Link the case to a proceeding its agency owns, found by one of its numbers or by
    the reference of a case already linked to it."""

    number = forms.CharField(
        label=_("Police, prosecutor or court case number, or a linked case's reference"),
        max_length=64,
    )
    person_role = forms.ChoiceField(
        label=_("The person's role"), choices=ProsecutionRole.choices, required=False
    )

    def __init__(self, *args, agency_id: int, **kwargs) -> None:
        kwargs.setdefault("auto_id", "id_link_%s")
        super().__init__(*args, **kwargs)
        self.agency_id = agency_id

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        number = (cleaned.get("number") or "").strip()
        if not number:
            return cleaned
        try:
            cleaned["proceeding"] = proceeding_numbered(
                LegalProceeding.objects.owned_by(self.agency_id),
                number,
                not_found=_("No proceeding of your agency has this number."),
            )
        except forms.ValidationError as error:
            self.add_error("number", error)
        return cleaned


class UnlinkProceedingForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this case no longer part of the proceeding?"),
        min_length=10,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DefendantForm(VersionedModelForm):
    """A defendant's name; a new one also gets their charges."""

    statutes = forms.MultipleChoiceField(
        label=_("Charges"),
        choices=Statute.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    other_charge = forms.CharField(label=_("Other charge"), max_length=500, required=False)

    class Meta:
        model = Defendant
        fields = ["name"]

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "id_defendant_%s")  # unique ids on the case page
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:  # charges are added one by one once it exists
            del self.fields["statutes"]
            del self.fields["other_charge"]

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        if Statute.OTHER in cleaned.get("statutes", ()) and not cleaned.get("other_charge"):
            self.add_error("other_charge", _("Describe the other charge."))
        return cleaned

    def charges(self) -> list[Charge]:
        """The charges ticked on a new defendant (unsaved)."""
        data = self.cleaned_data
        return [
            Charge(
                statute=statute,
                other_text=data.get("other_charge", "") if statute == Statute.OTHER else "",
            )
            for statute in data.get("statutes", ())
        ]


class ChargeForm(ModelForm):
    class Meta:
        model = Charge
        fields = ["statute", "other_text"]


class ChargeOutcomeForm(ModelForm):
    """The outcome of a charge at one instance (recording it again replaces it)."""

    class Meta:
        model = ChargeOutcome
        fields = ["instance", "outcome", "sentence_months", "fine", "decided_on"]
        widgets = {"decided_on": DateInput()}

    def validate_unique(self) -> None:
        pass  # one row per charge and instance: the service updates the existing one


class HearingForm(ModelForm):
    """A hearing for the case's person, with the protective measures requested for it."""

    measures = forms.MultipleChoiceField(
        label=_("Protective measures requested"),
        choices=ProtectiveMeasure.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    interpreter_language = forms.CharField(
        label=_("Interpreter language"), max_length=100, required=False
    )

    date = DateField(label=_("Date"))
    time = forms.TimeField(label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}))

    class Meta:
        model = Hearing
        fields = ["place", "instance", "person_role", "description"]

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "id_hearing_%s")  # unique ids on the case page
        super().__init__(*args, **kwargs)
        self.order_fields(["date", "time"])

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("date") and cleaned.get("time"):
            # The local date and time the court gave, stored timezone-aware.
            self.instance.starts_at = timezone.make_aware(
                datetime.datetime.combine(cleaned["date"], cleaned["time"])
            )
        interpreter = ProtectiveMeasure.Kind.INTERPRETER in cleaned.get("measures", ())
        if interpreter and not cleaned.get("interpreter_language", "").strip():
            message = _("Which language should the interpreter speak?")
            self.add_error("interpreter_language", message)
        return cleaned

    def protective_measures(self) -> list[ProtectiveMeasure]:
        """The measures ticked (unsaved, requested)."""
        language = self.cleaned_data.get("interpreter_language", "").strip()
        return [
            ProtectiveMeasure(
                kind=kind, language=language if kind == ProtectiveMeasure.Kind.INTERPRETER else ""
            )
            for kind in self.cleaned_data.get("measures", ())
        ]


class MeasureDecisionForm(ModelForm):
    class Meta:
        model = ProtectiveMeasure
        fields = ["status", "decided_by", "decided_on"]
        widgets = {"decided_on": DateInput()}


class CriminalExposureForm(VersionedModelForm):
    """The person's own criminal matter: who they are in it, its numbers, the request."""

    class Meta:
        model = CriminalExposure
        fields = ["role", "case_numbers", "requested_by", "non_punishment_requested_on"]
        widgets = {"non_punishment_requested_on": DateInput()}

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("requested_by") and not data.get("non_punishment_requested_on"):
            self.add_error(
                "non_punishment_requested_on",
                _("Give the date non-punishment was requested, or leave who asked empty."),
            )
        return data


class CriminalMatterChargeForm(ModelForm):
    """A charge against the person in their own criminal matter (the outcome comes with
    the decision)."""

    class Meta:
        model = CriminalMatterCharge
        fields = ["offence", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "id_charge_%s")  # unique ids on the matter page
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("offence") == CriminalMatterCharge.Offence.OTHER and not data.get(
            "description"
        ):
            self.add_error("description", _("Write the charge when the offence is “other”."))
        return data


class CriminalMatterMoveForm(StatusMoveForm):
    to_status = forms.ChoiceField(label=_("Stage"), choices=CriminalMatterStage.choices)


class NonPunishmentDecisionForm(VersionedModelForm):
    """The authority's decision: who, when, its reference, and an outcome per charge."""

    class Meta:
        model = CriminalExposure
        fields = ["decision_authority", "decided_on", "decision_reference"]
        widgets = {"decided_on": DateInput()}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("decision_authority", "decided_on"):
            self.fields[name].required = True
        # A decision is on a recorded matter; an unsaved one has no charges yet.
        self.charges = list(self.instance.charges.all()) if self.instance.pk else []
        for charge in self.charges:
            label = charge.description or charge.get_offence_display()
            self.fields[f"outcome_{charge.pk}"] = forms.ChoiceField(
                label=_("Outcome: %(charge)s") % {"charge": label},
                choices=CriminalMatterCharge.Outcome.choices,
                initial=charge.outcome,
            )

    def clean(self) -> dict:
        data = super().clean() or {}
        if not self.charges:
            raise forms.ValidationError(
                _("Record the charges against the person before the decision on them.")
            )
        decided, requested = data.get("decided_on"), self.instance.non_punishment_requested_on
        if decided and requested and decided < requested:
            message = _("The decision cannot come before the request (%(date)s).")
            self.add_error("decided_on", message % {"date": requested})
        return data

    def outcomes(self) -> dict[int, str]:
        """Charge id → outcome, from a valid form."""
        return {charge.pk: self.cleaned_data[f"outcome_{charge.pk}"] for charge in self.charges}

    def decision(self) -> dict:
        """The keyword arguments of `record_non_punishment_decision`, from a valid form."""
        return {
            "authority": self.cleaned_data["decision_authority"],
            "decided_on": self.cleaned_data["decided_on"],
            "reference": self.cleaned_data["decision_reference"],
            "outcomes": self.outcomes(),
        }


# Extension → (content type, magic prefix or None). Text and office files have no
# reliable magic number we check beyond the zip container of docx/xlsx/odt.
ALLOWED_UPLOADS: dict[str, tuple[str, bytes | None]] = {
    "pdf": ("application/pdf", b"%PDF-"),
    "png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    "jpg": ("image/jpeg", b"\xff\xd8\xff"),
    "jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        b"PK\x03\x04",
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04"),
    "odt": ("application/vnd.oasis.opendocument.text", b"PK\x03\x04"),
    "txt": ("text/plain", None),
}


def max_upload_bytes() -> int:
    return settings.HARBOR_ATTACHMENT_MAX_BYTES


class AttachmentForm(ModelForm):
    class Meta:
        model = Attachment
        fields = ["file", "description"]

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "id_attachment_%s")  # unique ids on the case page
        super().__init__(*args, **kwargs)

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        extension = PurePath(upload.name or "").suffix.lower().lstrip(".")
        if extension not in ALLOWED_UPLOADS:
            raise forms.ValidationError(
                _("This type of file is not allowed. Allowed: %(types)s.")
                % {"types": ", ".join(sorted(ALLOWED_UPLOADS))}
            )
        limit = max_upload_bytes()
        if (upload.size or 0) > limit:
            raise forms.ValidationError(
                _("The file is too large (at most %(limit)s).") % {"limit": filesizeformat(limit)}
            )
        content_type, magic = ALLOWED_UPLOADS[extension]
        upload.seek(0)
        head = upload.read(2048)
        upload.seek(0)
        if magic is not None and not head.startswith(magic):
            raise forms.ValidationError(_("The file's content does not match its extension."))
        if magic is None and not _looks_like_text(head):
            raise forms.ValidationError(_("The file's content does not match its extension."))
        self.instance.original_name = PurePath(upload.name or "").name[:200]
        self.instance.content_type = content_type
        self.instance.size = upload.size
        return upload


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is still text.
        return error.start >= len(head) - 3
    return True


class ServiceForm(ModelForm):
    class Meta:
        model = ServiceItem
        fields = [
            "service_type",
            "provider",
            "start_date",
            "end_date",
            "due_date",
            "outcome",
            "shelter_location",
            "language",
            "interpreter",
            "hearing",
            "permit_number",
            "permit_issued_on",
            "permit_expires_on",
            "embassy_contact",
            "travel_document",
            "receiving_organisation",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "due_date": DateInput(),
            "permit_issued_on": DateInput(),
            "permit_expires_on": DateInput(),
            "outcome": forms.Textarea(attrs={"rows": 2}),
            "shelter_location": forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
        }

    def __init__(self, *args, sees_sensitive: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["provider"]).queryset = Agency.objects.active()
        if not sees_sensitive:
            del self.fields["shelter_location"]
            del self.fields["permit_number"]
