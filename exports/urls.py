from django.urls import path

from exports import views

app_name = "exports"

urlpatterns = [
    path("exports/<uuid:pk>/", views.status, name="status"),
    path("exports/<uuid:pk>/download", views.download, name="download"),
]
