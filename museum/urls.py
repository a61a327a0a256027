import os

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from museum import views

admin.site.site_header = "Friendship Gifts: curators' desk"
admin.site.site_title = "Friendship Gifts admin"
admin.site.index_title = "Catalogue"

ADMIN_URL = os.environ.get("DJANGO_ADMIN_URL", "admin/")

urlpatterns = [
    path("", views.home, name="home"),
    # Each app's urls.py carries its own top-level paths (gifts: /gifts/, /leaders/,
    # /occasions/; donors: /donors/, /countries/; exhibitions: /visit/, /showrooms/,
    # /exhibitions/).
    path("", include("gifts.urls")),
    path("", include("donors.urls")),
    path("", include("exhibitions.urls")),
    path(ADMIN_URL, admin.site.urls),
]

if settings.SERVE_MEDIA:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
