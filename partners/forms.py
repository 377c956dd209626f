from django import forms
from django.utils.translation import gettext_lazy as _

from partners.models import Agency, AgencyContact, ServiceType


class AgencyForm(forms.ModelForm):
    services = forms.MultipleChoiceField(
        label=_("Services offered"),
        choices=ServiceType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1, max_value=2**31 - 1
    )

    class Meta:
        model = Agency
        fields = [
            "name",
            "code",
            "agency_type",
            "country",
            "services",
            "description",
            "email",
            "phone",
            "website",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        clash = Agency.objects.filter(name__iexact=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("Another agency already has this name."))
        return name

    def clean_code(self) -> str:
        return self.cleaned_data["code"].upper()


ContactFormSet = forms.inlineformset_factory(
    Agency,
    AgencyContact,
    fields=["name", "title", "email", "phone"],
    extra=1,
    max_num=20,
    validate_max=True,
    can_delete=True,
)
