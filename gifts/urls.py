from django.conf import settings
from django.urls import path

from exports.views import listing_export
from gifts import media, views

app_name = "gifts"

urlpatterns = [
    path("gifts/", views.GiftListView.as_view(), name="list"),
    path("gifts/export.csv", listing_export, {"kind": "gifts", "fmt": "csv"}, name="export-csv"),
    path("gifts/export.json", listing_export, {"kind": "gifts", "fmt": "json"}, name="export-json"),
    path("gifts/filters/<slug:key>/", views.FacetOptionsView.as_view(), name="options"),
    path("gifts/suggest/", views.suggest, name="suggest"),
    path("gifts/<str:accession_number>/cite.<slug:fmt>", views.GiftCiteView.as_view(), name="cite"),
    path(
        "gifts/<str:accession_number>/card.png",
        views.GiftShareImageView.as_view(),
        name="share-image",
    ),
    path("gifts/<str:accession_number>/", views.GiftDetailView.as_view(), name="detail"),
    path("leaders/", views.LeaderListView.as_view(), name="leaders"),
    path("leaders/<slug:slug>/", views.LeaderDetailView.as_view(), name="leader"),
    path("occasions/", views.OccasionTimelineView.as_view(), name="occasions"),
    path("occasions/<slug:slug>/", views.OccasionDetailView.as_view(), name="occasion"),
]

if settings.MEDIA_STORAGE == "filesystem":
    # Uploaded images, only those a visitor may see (gifts.media). Object storage (S3) serves its
    # files from the bucket's own address instead.
    urlpatterns.append(
        path(f"{settings.MEDIA_URL.lstrip('/')}<path:path>", media.serve, name="media")
    )
