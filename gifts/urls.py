from django.urls import path

from gifts import views

app_name = "gifts"

urlpatterns = [
    path("", views.GiftListView.as_view(), name="list"),
    path("<str:accession_number>/", views.GiftDetailView.as_view(), name="detail"),
]
