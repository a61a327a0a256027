from django import forms

from exhibitions.models import Showroom
from gifts.models import Gift


class GiftAdminForm(forms.ModelForm):
    class Meta:
        model = Gift
        fields = "__all__"  # noqa: DJ007 - the admin's fieldsets choose what is shown
        widgets = {"resolutions": forms.CheckboxSelectMultiple}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("resolutions") and not cleaned.get("sanctions"):
            self.add_error(
                "sanctions", "Choose an assessment: this gift names UN resolutions it may breach."
            )
        return cleaned


class MoveToShowroomForm(forms.Form):
    showroom = forms.ModelChoiceField(
        queryset=Showroom.objects.select_related("building"),
        label="Move to showroom",
        empty_label=None,
    )
    on_display = forms.BooleanField(label="On display", required=False, initial=True)
