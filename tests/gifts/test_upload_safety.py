"""
Image uploads in the admin (gifts.images.clean_upload through the GiftImage inline): hostile files
get a form error and nothing is stored; a good photograph is stored upright, without metadata,
with its renditions.
"""

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from gifts.models import Gift, GiftImage
from tests.factories import GiftFactory

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def gift(db):
    return GiftFactory(accession_number="IFE-9001", title="Porcelain vase")


def encoded(image, kind, **options):
    buffer = io.BytesIO()
    image.save(buffer, format=kind, **options)
    return buffer.getvalue()


def jpeg_with_gps(width=640, height=480):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # taken with the camera on its side
    exif[ExifTags.Base.Make] = "Pocket camera"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (39.0, 48.0, 0.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (126.0, 1.0, 0.0),
    }
    image = Image.new("RGB", (width, height), (30, 60, 160))
    return encoded(image, "JPEG", exif=exif.tobytes(), comment=b"secret note")


def png_declaring(width, height):
    """A small PNG whose header declares a huge picture (a decompression bomb)."""
    data = encoded(Image.new("RGB", (1, 1)), "PNG")
    ihdr = data[16:29]
    patched = struct.pack(">II", width, height) + ihdr[8:]
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + patched) & 0xFFFFFFFF)
    return data[:16] + patched + crc + data[33:]


def post_image(client, gift, upload, alt_text="A blue porcelain vase"):
    change = reverse("admin:gifts_gift_change", args=[gift.pk])
    form = client.get(change).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(
        {
            "citations-TOTAL_FORMS": 0,
            "citations-INITIAL_FORMS": 0,
            "images-TOTAL_FORMS": 1,
            "images-INITIAL_FORMS": 0,
            "images-0-order": 0,
            "images-0-image": upload,
            "images-0-alt_text": alt_text,
        }
    )
    return client.post(change, data)


def stored_files(media_root):
    return [path for path in media_root.rglob("*") if path.is_file()] if media_root.exists() else []


HOSTILE = {
    "pixel bomb (PNG declaring 30000 x 30000)": (
        lambda: png_declaring(30000, 30000),
        "bomb.png",
        "image/png",
        "pixels",
    ),
    "PNG header followed by HTML": (
        lambda: b"\x89PNG\r\n\x1a\n<html><body><script>alert(1)</script></body></html>",
        "vase.png",
        "image/png",
        "Upload a valid image",
    ),
    "EPS renamed .jpg": (
        lambda: (
            b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n"
            b"newpath 0 0 moveto 100 100 lineto stroke\nshowpage\n%%EOF\n"
        ),
        "vase.jpg",
        "image/jpeg",
        "Upload a valid image",
    ),
    "SVG": (
        lambda: (
            b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
            b"<script>alert(document.cookie)</script><rect width='100' height='100'/></svg>"
        ),
        "vase.svg",
        "image/svg+xml",
        "Upload a valid image",
    ),
    "truncated JPEG": (
        lambda: (lambda data: data[: len(data) // 2])(
            encoded(Image.effect_noise((800, 600), 64).convert("RGB"), "JPEG")
        ),
        "vase.jpg",
        "image/jpeg",
        "Upload a valid image",
    ),
    "file over the size limit": (
        # A JPEG's first bytes and then zeros: cheap to build, refused before decoding.
        lambda: b"\xff\xd8\xff\xe0" + bytes(10 * MB + 1),
        "huge.jpg",
        "image/jpeg",
        "images may be at most 10 MB",
    ),
}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_a_hostile_file_gets_a_form_error_and_nothing_is_saved(
    admin_client, gift, media_root, case
):
    build, name, content_type, message = HOSTILE[case]
    upload = SimpleUploadedFile(name, build(), content_type=content_type)
    response = post_image(admin_client, gift, upload)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "errorlist" in page
    assert not GiftImage.objects.exists()
    assert stored_files(media_root) == []


def test_the_pixel_limit_is_checked_before_decoding(settings, admin_client, gift, media_root):
    # Under Pillow's own bomb threshold but over the museum's limit.
    settings.GIFT_IMAGE_MAX_PIXELS = 100 * 100
    upload = SimpleUploadedFile(
        "big.png", encoded(Image.new("RGB", (200, 100)), "PNG"), content_type="image/png"
    )
    response = post_image(admin_client, gift, upload)
    assert response.status_code == 200
    assert "200 × 100 pixels" in response.content.decode()
    assert not GiftImage.objects.exists()


def test_a_jpeg_with_gps_is_stored_upright_without_metadata_with_renditions(
    admin_client, client, gift, media_root
):
    original = jpeg_with_gps(1600, 1200)
    assert b"Pocket camera" in original and b"secret note" in original
    upload = SimpleUploadedFile("IMG_0042.JPG", original, content_type="image/jpeg")
    response = post_image(admin_client, gift, upload)
    assert response.status_code == 302

    image = GiftImage.objects.get()
    assert image.image.name == "gifts/IFE-9001/img_0042.jpg"
    # Orientation 6 applied: the picture is stored upright, 1200 wide and 1600 high.
    assert (image.width, image.height) == (1200, 1600)
    with image.image.open("rb") as stored:
        data = stored.read()
    assert b"Exif" not in data
    assert b"Pocket camera" not in data and b"secret note" not in data
    with Image.open(io.BytesIO(data)) as decoded:
        assert decoded.format == "JPEG"
        assert decoded.size == (1200, 1600)
        assert not decoded.getexif()
        assert decoded.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}

    # Renditions made once, at upload; the public page offers them in its srcset.
    assert sorted(image.renditions["widths"], key=int) == ["320", "640", "1200"]
    for name in image.renditions["widths"].values():
        assert image.image.storage.exists(name)
        with image.image.storage.open(name) as rendition:
            assert b"Exif" not in rendition.read()
    page = client.get(gift.get_absolute_url()).content.decode()
    assert "-320w.webp 320w" in page and "-1200w.webp 1200w" in page
    assert 'alt="A blue porcelain vase"' in page


@pytest.mark.parametrize("kind", ["PNG", "WEBP"])
def test_png_and_webp_are_accepted_and_keep_their_format(admin_client, gift, kind):
    picture = Image.new("RGBA", (300, 200), (10, 200, 10, 128))
    upload = SimpleUploadedFile("leaf.bin", encoded(picture, kind), content_type="text/plain")
    response = post_image(admin_client, gift, upload)
    assert response.status_code == 302
    image = GiftImage.objects.get()
    extension = {"PNG": "png", "WEBP": "webp"}[kind]
    assert image.image.name == f"gifts/IFE-9001/leaf.{extension}"
    with image.image.open("rb") as stored, Image.open(stored) as decoded:
        assert decoded.format == kind
        assert decoded.size == (300, 200)


def test_alt_text_is_required(admin_client, gift):
    upload = SimpleUploadedFile("vase.jpg", jpeg_with_gps(), content_type="image/jpeg")
    response = post_image(admin_client, gift, upload, alt_text="  ")
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not Gift.objects.get(pk=gift.pk).images.exists()
