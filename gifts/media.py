"""
Uploaded images, served only to those who may see them.

A file under /media/ is an image of a gift (gifts/<accession number>/<file>) or one of its WebP
renditions, stored beside it. A visitor gets it only while the gift is published; signed-in staff
get any file (draft previews, the admin's thumbnails). Everything else, a draft's image, a file no
image refers to any more, a path that climbs out of the folder, is 404 and never 403, so that a
draft's existence is not revealed. The decision costs one indexed query (the gift's accession
number, then its images), and none of a visitor's session.

Who sends the bytes is a setting (MEDIA_ACCEL_REDIRECT): in production nginx does, from an
internal location that only this answer can reach (X-Accel-Redirect, deploy/nginx); on the run
command's server and in development this view sends the file itself.

A published image may be kept by browsers but is asked for again each time (no-cache, with
ETag and Last-Modified, so the answer is usually 304): unpublishing a gift makes its images 404
at once, for everyone.
"""

import mimetypes
import posixpath
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from gifts.models import GiftImage

# What nginx sent for media before (deploy/nginx): a file is never a page that runs anything.
MEDIA_CONTENT_SECURITY_POLICY = "default-src 'none'; sandbox"
PUBLIC = "public, no-cache"
STAFF_ONLY = "private, no-cache"


def clean_name(path):
    """The storage name a request path stands for, or None for anything odd."""
    if not path or len(path) > 1000 or any(c in path for c in "\\\x00\r\n"):
        return None
    parts = path.split("/")
    # Empty, '.' and '..' segments and dot files (.htaccess, editors' leftovers) are never served.
    if any(not part or part.startswith(".") for part in parts):
        return None
    return "/".join(parts)


def published_image(name):
    """True when `name` is an image of a published gift or one of its renditions."""
    folder = posixpath.dirname(name)
    top, _, accession_number = folder.partition("/")
    if top != "gifts" or not accession_number:
        return False
    images = GiftImage.objects.published().filter(gift__accession_number=accession_number)
    for image, renditions in images.values_list("image", "renditions"):
        if name == image or name in ((renditions or {}).get("widths") or {}).values():
            return True
    return False


def media_file(name):
    """The file on disk, or None when it is missing or (through a link) outside MEDIA_ROOT."""
    root = Path(settings.MEDIA_ROOT).resolve()
    try:
        path = (root / name).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            return None
        return path, path.stat()
    except (OSError, ValueError):
        return None


@require_safe
def serve(request, path):
    name = clean_name(path)
    if name is None:
        raise Http404("No such file.")
    if published_image(name):
        cache_control = PUBLIC
    # Only now the session (a visitor without one costs nothing more).
    elif request.user.is_active and request.user.is_staff:
        cache_control = STAFF_ONLY
    else:
        raise Http404("No such file.")
    found = media_file(name)
    if found is None:
        raise Http404("No such file.")
    path, stat = found
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"

    if settings.MEDIA_ACCEL_REDIRECT:
        # nginx keeps this answer's Content-Type and Cache-Control, serves the file from its
        # internal location and answers conditional requests itself.
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_LOCATION + quote(name)
    else:
        # The same validators nginx makes (mtime-size in hex), so a browser's copy stays valid
        # whichever server sent it.
        etag = f'"{int(stat.st_mtime):x}-{stat.st_size:x}"'
        response = get_conditional_response(
            request, etag=etag, last_modified=int(stat.st_mtime)
        ) or FileResponse(path.open("rb"), content_type=content_type)
        response["ETag"] = etag
        response["Last-Modified"] = http_date(stat.st_mtime)
    response["Cache-Control"] = cache_control
    # Set here, django-csp leaves it as it is: the site's own policy is for pages.
    response["Content-Security-Policy"] = MEDIA_CONTENT_SECURITY_POLICY
    if cache_control == STAFF_ONLY:
        patch_vary_headers(response, ["Cookie"])
    return response
