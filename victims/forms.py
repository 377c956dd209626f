from __future__ import annotations

import io
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from locking.forms import VersionedModelForm
from partners.models import Agency
from victims.models import (
    ConsentRecord,
    IdentificationDecision,
    IndicatorSet,
    Person,
    Screening,
    ScreeningAnswer,
    Vulnerability,
)
from widgets import DateField, DateInput, ModelForm


class PersonForm(VersionedModelForm):
    vulnerabilities = forms.MultipleChoiceField(
        label=_("Vulnerabilities"),
        choices=Vulnerability.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # Shown only when the duplicate check found matches (at intake and on edit).
    save_anyway = forms.BooleanField(
        label=_("None of these is the same person: save anyway"), required=False
    )

    class Meta:
        model = Person
        fields = [
            "legal_name",
            "other_names",
            "date_of_birth",
            "document_numbers",
            "phone",
            "address",
            "sex",
            "age_years",
            "nationality",
            "other_citizenships",
            "languages",
            "interpreter_needed",
            "immigration_status",
            "vulnerabilities",
        ]
        widgets = {
            "legal_name": forms.TextInput(attrs={"autocomplete": "off"}),
            "other_names": forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
            "document_numbers": forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"autocomplete": "off"}),
            "address": forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date_of_birth"].widget = DateInput()


PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}
PHOTO_MAX_SIDE = 1600


class PhotoForm(forms.Form):
    """A JPEG, PNG or WebP photo, re-encoded as JPEG without metadata (GPS, camera)."""

    photo = forms.FileField(
        label=_("Photo"),
        help_text=_("JPEG, PNG or WebP, up to 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def clean_photo(self) -> bytes:
        upload = self.cleaned_data["photo"]
        invalid = forms.ValidationError(
            _("This file is not a JPEG, PNG or WebP image."), code="invalid_image"
        )
        if upload.size > PHOTO_MAX_BYTES:
            raise forms.ValidationError(_("The photo is larger than 5 MB."), code="too_large")
        try:
            with Image.open(upload) as probe:
                if probe.format not in PHOTO_FORMATS:
                    raise invalid
                width, height = probe.size
                if width * height > PHOTO_MAX_PIXELS:
                    raise forms.ValidationError(
                        _("The photo has too many pixels."), code="too_many_pixels"
                    )
                probe.verify()
            upload.seek(0)
            with Image.open(upload) as opened:
                image = ImageOps.exif_transpose(opened).convert("RGB")
                image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
                output = io.BytesIO()
                image.save(output, format="JPEG", quality=85)
        except forms.ValidationError:
            raise
        except (
            UnidentifiedImageError,
            OSError,
            ValueError,
            SyntaxError,
            Image.DecompressionBombError,
        ):
            raise invalid from None
        return output.getvalue()


class ScreeningStartForm(forms.Form):
    indicator_set = forms.ModelChoiceField(
        label=_("Indicator checklist"),
        queryset=IndicatorSet.objects.filter(is_current=True),
    )


class ScreeningAnswersForm(forms.Form):
    """One yes/no/unknown choice and a note per indicator of the screening's version."""

    def __init__(self, *args, screening: Screening, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rows = []
        for answer in screening.answers.select_related("indicator"):
            key = str(answer.indicator_id)
            self.fields[f"answer_{key}"] = forms.ChoiceField(
                label=answer.indicator.display_text,
                choices=ScreeningAnswer.Answer.choices,
                initial=answer.answer,
                widget=forms.RadioSelect(attrs={"class": "form-check-inline"}),
            )
            self.fields[f"note_{key}"] = forms.CharField(
                label=_("Note"), required=False, max_length=2000, initial=answer.note
            )
            self.rows.append((self[f"answer_{key}"], self[f"note_{key}"]))

    def answers(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {
            int(name.removeprefix("answer_")): (value, data[name.replace("answer_", "note_")])
            for name, value in data.items()
            if name.startswith("answer_")
        }


class ScreeningCompleteForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Your decision"), choices=Screening.Decision.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Reasons"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecisionForm(ModelForm):
    class Meta:
        model = IdentificationDecision
        fields = ["authority", "decided_on", "outcome", "notice_given_on", "notice_language"]
        widgets = {"decided_on": DateInput(), "notice_given_on": DateInput()}


class ReviewRequestForm(forms.Form):
    requested_on = DateField(label=_("Review requested on"))


class ReviewOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Review outcome"), choices=IdentificationDecision.Outcome.choices
    )
    decided_on = DateField(label=_("Review decided on"))


class ConsentForm(ModelForm):
    class Meta:
        model = ConsentRecord
        fields = [
            "purpose",
            "target_agency",
            "target_agency_type",
            "status",
            "given_on",
            "explained_in",
        ]
        widgets = {"given_on": DateInput()}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        target_agency = cast(forms.ModelChoiceField, self.fields["target_agency"])
        target_agency.queryset = Agency.objects.active()

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        is_sharing = data.get("purpose") == ConsentRecord.Purpose.SHARING
        has_target = bool(data.get("target_agency") or data.get("target_agency_type"))
        if is_sharing and not has_target:
            self.add_error("target_agency", _("Name the agency or the type of agency."))
        if not is_sharing and has_target:
            self.add_error("target_agency", _("Only consent to sharing names an agency."))
        if data.get("target_agency") and data.get("target_agency_type"):
            self.add_error("target_agency_type", _("Name an agency or a type, not both."))
        return data
