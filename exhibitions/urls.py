from django.urls import path

from exhibitions import views

app_name = "exhibitions"

urlpatterns = [
    path("visit/", views.visit, name="visit"),
    path("showrooms/<slug:slug>/", views.showroom, name="showroom"),
    path("exhibitions/", views.ExhibitionListView.as_view(), name="list"),
    path("exhibitions/<slug:slug>/", views.ExhibitionDetailView.as_view(), name="detail"),
]
