from django import forms

from exhibitions.models import Showroom
from gifts.images import ALLOWED_FORMATS, clean_upload, max_bytes
from gifts.models import Gift, GiftImage


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


class SafeImageField(forms.ImageField):
    """An image upload checked and re-encoded by gifts.images.clean_upload: a hostile file is a
    form error, never a server error, and nothing of it is stored."""

    def to_python(self, data):
        # FileField's checks (a name, not empty), then ours, which replace ImageField's own
        # decoding: the size limit is checked before Pillow sees the file.
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        return clean_upload(upload)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.FileInput) and "accept" not in widget.attrs:
            attrs["accept"] = ",".join(content_type for _, content_type in ALLOWED_FORMATS.values())
        return attrs


class GiftImageForm(forms.ModelForm):
    image = SafeImageField(
        label="image",
        help_text=f"A JPEG, PNG or WebP photograph of at most {max_bytes() // (1024 * 1024)} MB. "
        "It is stored without its metadata (camera, place): only the picture is kept.",
    )

    class Meta:
        model = GiftImage
        fields = ["image", "alt_text", "caption", "credit", "order"]
