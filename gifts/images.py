"""
Gift photographs: what an upload must be, and the smaller copies made once when it is saved.

An upload is accepted only when Pillow decodes it completely as a JPEG, PNG or WebP (whatever
its name or declared type say), within a size and a pixel limit (a small file declaring a huge
picture, a decompression bomb, is refused before it is decoded). It is then re-encoded in its
own format from the decoded pixels, turned upright first (EXIF orientation), so that no EXIF,
GPS, XMP or comment metadata and nothing but the picture reaches the media storage.

Renditions (WebP, 320, 640 and 1280 pixels wide: thumbnail, card, large) are made once, when the
image is saved (GiftImage.save), and the public pages offer them in srcset.
"""

import io
import posixpath
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.text import slugify
from PIL import Image, ImageOps

WIDTHS = (320, 640, 1280)

# Pillow format -> (file extension, content type). Nothing else is accepted.
ALLOWED_FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}
MB = 1024 * 1024


def max_bytes():
    return getattr(settings, "GIFT_IMAGE_MAX_BYTES", 10 * MB)


def max_pixels():
    return getattr(settings, "GIFT_IMAGE_MAX_PIXELS", 40_000_000)


# Pillow warns above MAX_IMAGE_PIXELS and refuses at twice that; uploads treat the warning as
# a refusal too (clean_upload), and every other reader of images gets the same ceiling.
Image.MAX_IMAGE_PIXELS = max_pixels()

INVALID = "Upload a valid image: this file is not a JPEG, PNG or WebP picture, or it is damaged."


def check_pixels(size):
    width, height = size
    if width * height > max_pixels():
        raise ValidationError(
            f"This picture is {width} × {height} pixels: at most "
            f"{max_pixels() / 1e6:g} million pixels are accepted. Make it smaller and upload it "
            "again.",
            code="too_many_pixels",
        )


def reencode(image, kind):
    """The decoded picture, upright, written again in its format without any metadata."""
    icc_profile = image.info.get("icc_profile")
    transparency = image.info.get("transparency")
    image = ImageOps.exif_transpose(image)
    image.info = {}  # EXIF (GPS), XMP, comments, text chunks: none of it is written again
    options = {"icc_profile": icc_profile} if icc_profile else {}
    if kind == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        options.update(quality=90)
    elif kind == "WEBP":
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.mode or transparency else "RGB")
        options.update(quality=90)
    elif transparency is not None and image.mode in ("1", "L", "P", "RGB"):
        options["transparency"] = transparency
    buffer = io.BytesIO()
    image.save(buffer, format=kind, **options)
    return buffer.getvalue()


def clean_upload(upload):
    """
    The upload as a new, clean file (named after the original, with the extension of what it
    really is), or ValidationError saying why it was refused.
    """
    size = upload.size or 0
    if size > max_bytes():
        raise ValidationError(
            f"This file is too large ({size / MB:.1f} MB): images may be at most "
            f"{max_bytes() / MB:g} MB.",
            code="file_too_large",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload, formats=list(ALLOWED_FORMATS)) as probe:
                kind = probe.format
                check_pixels(probe.size)
                probe.verify()  # structure and checksums, before anything is decoded
            upload.seek(0)
            with Image.open(upload, formats=[kind]) as image:
                check_pixels(image.size)
                image.load()  # every pixel: a truncated or corrupt file fails here
                data = reencode(image, kind)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            f"This picture has too many pixels: at most {max_pixels() / 1e6:g} million are "
            "accepted.",
            code="too_many_pixels",
        ) from None
    except Exception:  # Pillow raises many kinds of error on hostile files: all are refusals
        raise ValidationError(INVALID, code="invalid_image") from None
    extension, content_type = ALLOWED_FORMATS[kind]
    stem = slugify(posixpath.splitext(posixpath.basename(str(upload.name or "")))[0])[:40]
    return SimpleUploadedFile(f"{stem or 'image'}.{extension}", data, content_type=content_type)


def make_renditions(field_file):
    """
    WebP copies at each width narrower than the original (and one at the original's width when
    it is narrower than the largest), stored beside it. Returns {"source": name, "widths":
    {width: name}}; an image Pillow cannot read gets no renditions.
    """
    storage = field_file.storage
    stem, _ = posixpath.splitext(field_file.name)
    widths = {}
    try:
        field_file.open("rb")
        with Image.open(field_file) as original:
            original = ImageOps.exif_transpose(original).convert("RGB")
            for width in sorted(
                {w for w in WIDTHS if w < original.width} | {min(original.width, WIDTHS[-1])}
            ):
                copy = original.copy()
                copy.thumbnail((width, width * 4), Image.Resampling.LANCZOS)
                buffer = io.BytesIO()
                copy.save(buffer, format="WEBP", quality=80, method=4)
                name = storage.save(f"{stem}-{width}w.webp", ContentFile(buffer.getvalue()))
                widths[str(width)] = name
    except (OSError, ValueError, Image.DecompressionBombError):
        return {"source": field_file.name, "widths": {}}
    finally:
        field_file.close()
    return {"source": field_file.name, "widths": widths}
