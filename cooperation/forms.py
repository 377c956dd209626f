from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cases.forms import proceeding_numbered
from cases.models import Case, LegalProceeding, ProsecutionRole
from cooperation.models import (
    DeclineReason,
    MLAAsk,
    MLARequest,
    MLAStatus,
    Referral,
    ReferralSection,
    ReferralUpdate,
)
from cooperation.selectors import sections_without_consent
from locking.forms import VersionedModelForm
from partners.models import Agency
from policy import SUPERVISES, WORKS_CASES, can
from widgets import BoundedModelMultipleChoiceField, DateInput, ModelForm

RESPONSE_DAYS = 7


class ReferralForm(ModelForm):
    """Refer a case: to an agency on Harbor (sections chosen under consent) or to an
    outside organisation (recorded only, nothing shared)."""

    sections = forms.MultipleChoiceField(
        label=_("Sections to share"),
        choices=ReferralSection.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only sections the person has consented to share with that agency."),
    )
    override_reason = forms.CharField(
        label=_("Supervisor override: why send without the person's consent"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded on the referral and in the audit trail."),
    )

    class Meta:
        model = Referral
        fields = [
            "to_agency",
            "external_name",
            "external_country",
            "external_contact",
            "purpose",
            "sections",
            "respond_by",
            "message",
        ]
        widgets = {"respond_by": DateInput(), "message": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        to_agency = cast(forms.ModelChoiceField, self.fields["to_agency"])
        to_agency.queryset = Agency.objects.active().exclude(pk=self.instance.case.agency_id)
        if not self.instance.respond_by:
            self.initial["respond_by"] = timezone.localdate() + datetime.timedelta(
                days=RESPONSE_DAYS
            )
        if not can(user, SUPERVISES):
            del self.fields["override_reason"]

    def clean_respond_by(self) -> datetime.date | None:
        value = self.cleaned_data["respond_by"]
        if value and value < timezone.localdate():
            raise forms.ValidationError(_("The response date cannot be in the past."))
        return value

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        agency = data.get("to_agency")
        if agency and data.get("external_name"):
            self.add_error(
                "external_name", _("Choose an agency on Harbor or name an outside one, not both.")
            )
        elif agency:
            self._clean_internal(agency, data)
        elif not data.get("external_name") and "to_agency" not in self.errors:
            self.add_error("to_agency", _("Choose the receiving agency, or name an outside one."))
        return data

    def _clean_internal(self, agency: Agency, data: dict) -> None:
        sections = data.get("sections") or []
        if not sections:
            self.add_error("sections", _("Choose at least one section to share."))
            return
        if not data.get("respond_by"):
            self.add_error("respond_by", _("Set a date by which the agency should respond."))
        missing = sections_without_consent(self.instance.case.person, agency, sections)
        if missing and not data.get("override_reason", "").strip():
            labels = dict(ReferralSection.choices)
            self.add_error(
                "sections",
                _(
                    "The person has not consented to share these sections with %(agency)s: "
                    "%(sections)s. Record their consent first"
                    "%(supervisor)s."
                )
                % {
                    "agency": agency,
                    "sections": ", ".join(str(labels[s]) for s in missing),
                    "supervisor": _(", or ask a supervisor to override")
                    if not can(self.user, SUPERVISES)
                    else _(", or give a reason to override"),
                },
            )


class AcceptReferralForm(forms.Form):
    assignees = BoundedModelMultipleChoiceField(
        label=_("Who works this referral"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, agency_id: int | None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_accept_%s")  # unique ids on the referral page
        super().__init__(*args, **kwargs)
        assignees = cast(forms.ModelChoiceField, self.fields["assignees"])
        assignees.queryset = (
            User.objects.active()
            .in_agency(agency_id)
            .filter(role__in=WORKS_CASES)
            .order_by("full_name", "pk")
        )


class DeclineReferralForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=DeclineReason.choices)
    note = forms.CharField(
        label=_("Explanation"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the reason is “Other”."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_decline_%s")  # unique ids on the referral page
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        if data.get("reason") == DeclineReason.OTHER and not data.get("note", "").strip():
            self.add_error("note", _("Explain why when the reason is “Other”."))
        return data


class ReferralUpdateForm(ModelForm):
    class Meta:
        model = ReferralUpdate
        fields = ["occurred_on", "text"]
        widgets = {"occurred_on": DateInput(), "text": forms.Textarea(attrs={"rows": 3})}


class MLARequestForm(VersionedModelForm):
    requests = forms.MultipleChoiceField(
        label=_("What is asked"), choices=MLAAsk.choices, widget=forms.CheckboxSelectMultiple
    )
    # Text boxes, not selects: an agency may see hundreds of thousands of cases and
    # proceedings (a select of them was 6 MB at 1,000,000 cases).
    case = forms.CharField(
        label=_("Case reference"),
        required=False,
        max_length=32,
        help_text=_("The case's reference number, for example AGA-2026-00012."),
    )
    proceeding = forms.CharField(
        label=_("Legal proceeding"),
        required=False,
        max_length=200,
        help_text=_("Its police, prosecutor or court case number, or a linked case's reference."),
    )

    class Meta:
        model = MLARequest
        fields = [
            "direction",
            "requesting_country",
            "requesting_authority",
            "requested_country",
            "requested_authority",
            "channel",
            "requests",
            "description",
            "sent_on",
            "reply_due",
            "replied_on",
            "case",
            "proceeding",
        ]
        widgets = {
            "sent_on": DateInput(),
            "reply_due": DateInput(),
            "replied_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cases = Case.objects.visible_to(user)
        self.proceedings = LegalProceeding.objects.visible_to(user)
        if self.instance.case_id:
            self.initial["case"] = self.instance.case.reference
        if self.instance.proceeding_id:
            self.initial["proceeding"] = self.instance.proceeding.numbers

    def clean_case(self) -> Case | None:
        """The reference typed, looked up among the cases this user may see only."""
        reference = self.cleaned_data["case"].strip().upper()
        if not reference:
            return None
        matches = list(self.cases.filter(reference=reference)[:2])
        if len(matches) != 1:
            raise forms.ValidationError(_("No case you can see has this reference number."))
        return matches[0]

    def clean_proceeding(self) -> LegalProceeding | None:
        """The proceeding by one of its numbers (`proceeding_numbered`), among those this
        user may see; kept as it was when its numbers are left as shown."""
        number = self.cleaned_data["proceeding"].strip()
        if not number:
            return None
        if self.instance.proceeding_id and number == self.initial.get("proceeding"):
            return self.instance.proceeding
        return proceeding_numbered(
            self.proceedings, number, not_found=_("No proceeding you can see has this number.")
        )

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        sent, due = data.get("sent_on"), data.get("reply_due")
        if sent and due and due < sent:
            self.add_error("reply_due", _("The reply cannot be due before the request was sent."))
        proceeding, case = data.get("proceeding"), data.get("case")
        if proceeding and case and not proceeding.links.filter(case=case).exists():
            self.add_error("proceeding", _("This proceeding belongs to another case."))
        if proceeding and not case:
            data["case"] = self.cases.filter(proceeding_links__proceeding=proceeding).first()
        return data


class LinkSharedProceedingForm(forms.Form):
    """The receiving agency's own case, by its reference, to link to the sender's
    proceeding: the same person, as the receiving agency registered them."""

    case = forms.CharField(label=_("Your case's reference number"), max_length=32)
    person_role = forms.ChoiceField(
        label=_("The person's role"), choices=ProsecutionRole.choices, required=False
    )

    # The proceeding the form was posted for (a refused form stays on it).
    slot: int | None = None

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cases = Case.objects.visible_to(user).filter(agency_id=user.agency_id)

    def clean_case(self) -> Case:
        reference = self.cleaned_data["case"].strip().upper()
        matches = list(self.cases.filter(reference=reference)[:2])
        if len(matches) != 1:
            raise forms.ValidationError(_("No case you can see has this reference number."))
        return matches[0]


class MLAMoveForm(forms.Form):
    """A move of an MLA request along its graph (the service refuses the others)."""

    to_status = forms.ChoiceField(label=_("Status"), choices=MLAStatus.choices)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
