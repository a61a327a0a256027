from django.urls import path

from donors import views
from exports.views import listing_export

app_name = "donors"

urlpatterns = [
    path("donors/", views.DonorListView.as_view(), name="list"),
    path("donors/export.csv", listing_export, {"kind": "donors", "fmt": "csv"}, name="export-csv"),
    path(
        "donors/export.json", listing_export, {"kind": "donors", "fmt": "json"}, name="export-json"
    ),
    path("donors/<slug:slug>/", views.DonorDetailView.as_view(), name="detail"),
    path("countries/", views.CountryListView.as_view(), name="countries"),
    path("countries/<str:code>/", views.CountryDetailView.as_view(), name="country"),
]
