import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from gifts.models import Gift


def png(width=640, height=480, colour=(160, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return SimpleUploadedFile("vase.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def inline_post(form, **images):
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(
        {
            "citations-TOTAL_FORMS": 0,
            "citations-INITIAL_FORMS": 0,
            "images-TOTAL_FORMS": 1,
            "images-INITIAL_FORMS": 0,
            "images-0-order": 0,
            **images,
        }
    )
    return data


def test_a_curator_uploads_an_image_shown_in_the_list_and_on_the_page(admin_client, collection):
    gift = Gift.objects.get(accession_number="IFE-0031")
    change = reverse("admin:gifts_gift_change", args=[gift.pk])
    form = admin_client.get(change).context["adminform"].form
    response = admin_client.post(
        change,
        inline_post(
            form,
            **{"images-0-image": png(), "images-0-alt_text": "A tall blue and white vase"},
        ),
    )
    assert response.status_code == 302
    image = gift.images.get()
    assert (image.width, image.height) == (640, 480)
    assert image.image.name.startswith("gifts/IFE-0031/")

    changelist = admin_client.get(reverse("admin:gifts_gift_changelist"), {"q": "IFE-0031"})
    assert f'src="{image.image.url}"' in changelist.content.decode()

    page = admin_client.get(gift.get_absolute_url()).content.decode()
    assert 'alt="A tall blue and white vase"' in page
    assert "No photograph of this object is available" not in page


def test_an_image_needs_alt_text(admin_client, collection):
    gift = Gift.objects.get(accession_number="IFE-0031")
    change = reverse("admin:gifts_gift_change", args=[gift.pk])
    form = admin_client.get(change).context["adminform"].form
    response = admin_client.post(change, inline_post(form, **{"images-0-image": png()}))
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not gift.images.exists()


def test_a_file_that_is_not_an_image_is_refused(admin_client, collection):
    gift = Gift.objects.get(accession_number="IFE-0031")
    change = reverse("admin:gifts_gift_change", args=[gift.pk])
    form = admin_client.get(change).context["adminform"].form
    fake = SimpleUploadedFile("vase.png", b"<html>not a picture</html>", content_type="image/png")
    response = admin_client.post(
        change, inline_post(form, **{"images-0-image": fake, "images-0-alt_text": "A vase"})
    )
    assert response.status_code == 200
    assert "Upload a valid image" in response.content.decode()
    assert not gift.images.exists()


def test_renditions_are_made_once_and_used_in_srcset(admin_client, client, collection):
    gift = Gift.objects.get(accession_number="IFE-0031")
    change = reverse("admin:gifts_gift_change", args=[gift.pk])
    form = admin_client.get(change).context["adminform"].form
    admin_client.post(
        change,
        inline_post(
            form,
            **{"images-0-image": png(1600, 1200), "images-0-alt_text": "A porcelain vase"},
        ),
    )
    image = gift.images.get()
    assert sorted(image.renditions["widths"], key=int) == ["320", "640", "1280"]
    for name in image.renditions["widths"].values():
        assert name.endswith(".webp")
        assert image.image.storage.exists(name)
    page = client.get(gift.get_absolute_url()).content.decode()
    assert "-320w.webp 320w" in page and "-1280w.webp 1280w" in page
    card_page = client.get("/gifts/", {"q": "ceramic vase jiang"}).content.decode()
    assert "-640w.webp 640w" in card_page


def test_a_small_image_is_not_enlarged(db, collection):
    from gifts.models import GiftImage

    gift = Gift.objects.get(accession_number="IFE-0031")
    image = GiftImage.objects.create(gift=gift, image=png(400, 300), alt_text="A vase")
    assert sorted(image.renditions["widths"], key=int) == ["320", "400"]
