"""Smaller copies of a gift's photograph for responsive pages, made once when it is saved."""

import io
import posixpath

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

WIDTHS = (320, 640, 1280)


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
