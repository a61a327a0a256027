import re

from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from gifts import quality
from operations import views as operations
from operations.site import as_site_request
from pages import views as pages
from pages.sitemaps import SITEMAPS

admin.site.site_header = "Friendship Gifts: curators' desk"
admin.site.site_title = "Friendship Gifts admin"
admin.site.index_title = "Catalogue"

# A lost database answers 503, not 500 (operations.errors.server_error).
handler500 = "operations.errors.server_error"


def sitemap_view(view):
    """Django's sitemap view, writing SITE_URL's address instead of the request's Host."""

    def for_site(request, *args, **kwargs):
        return view(as_site_request(request), *args, **kwargs)

    return for_site


urlpatterns = [
    path("", pages.home, name="home"),
    path("healthz", operations.healthz, name="healthz"),
    path("readyz", operations.readyz, name="readyz"),
    path("statistics/", pages.statistics, name="statistics"),
    path("robots.txt", pages.robots_txt, name="robots"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin, error pages).
    path("favicon.ico", pages.favicon, name="favicon"),
    # An index of sitemap pages (a page holds 5,000 gifts), and the pages it lists.
    path(
        "sitemap.xml",
        sitemap_view(sitemap_views.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<slug:section>.xml",
        sitemap_view(sitemap_views.sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
    # Each app's urls.py carries its own top-level paths (gifts: /gifts/, /leaders/,
    # /occasions/; donors: /donors/, /countries/; exhibitions: /visit/, /showrooms/,
    # /exhibitions/).
    path("", include("gifts.urls")),
    path("", include("donors.urls")),
    path("", include("exhibitions.urls")),
    # Downloads too large to make within a request: their page and their file.
    path("", include("exports.urls")),
    # The curators' data quality page, inside the admin's address (before the admin's own).
    path(
        f"{settings.ADMIN_URL}quality/",
        admin.site.admin_view(quality.quality_view),
        name="admin-quality",
    ),
    # The review queue was under the project package's app ("museum") until the desk got a room
    # of its own: a curator's old bookmark still leads there.
    re_path(
        rf"^{re.escape(settings.ADMIN_URL)}museum/(?P<rest>(?:pendingchange|reviewnote)/.*)$",
        RedirectView.as_view(
            url=f"/{settings.ADMIN_URL}desk/%(rest)s", permanent=True, query_string=True
        ),
    ),
    path(settings.ADMIN_URL, admin.site.urls),
]
