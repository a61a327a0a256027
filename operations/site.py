"""
The site's own address (settings.SITE_URL): every absolute URL the site writes (canonical links,
og:url and og:image, JSON-LD, exports, sitemaps, robots.txt) is built from it, never from the
Host header of the request being answered, so no request can make a page (cached for everyone,
operations.cache) name another host.
"""

import copy
import json
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import mark_safe


def absolute_url(path):
    """The absolute URL of a path on this site: "/gifts/IFE-0001/" -> "https://.../gifts/..."."""
    return settings.SITE_URL + path


def site_url(request):
    """Context processor: {{ SITE_URL }} in every template."""
    return {"SITE_URL": settings.SITE_URL}


def as_site_request(request):
    """
    A copy of the request that says it came for SITE_URL: for Django's sitemap views, which take
    the domain and scheme from the request when django.contrib.sites is not installed.
    """
    parts = urlsplit(settings.SITE_URL)
    site_request = copy.copy(request)
    dropped = {"HTTP_HOST", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT"}
    if settings.SECURE_PROXY_SSL_HEADER:
        dropped.add(settings.SECURE_PROXY_SSL_HEADER[0])
    site_request.META = {key: value for key, value in request.META.items() if key not in dropped}
    site_request.META["HTTP_HOST"] = parts.netloc
    site_request.META["SERVER_NAME"] = parts.hostname
    site_request.META["SERVER_PORT"] = str(parts.port or (443 if parts.scheme == "https" else 80))
    site_request._get_scheme = lambda: parts.scheme
    return site_request


def json_for_script(value):
    """
    JSON to embed in a <script> element (JSON-LD, data for scripts), escaped as Django's
    json_script escapes it: <, > and & as \\u003C, \\u003E, \\u0026, so no value can end the
    element ("</script>") or open a comment ("<!--"). The one way the site writes JSON into HTML.
    """
    return mark_safe(
        json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    )


# django.utils.html._json_script_escapes (private there, so repeated here).
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}
