"""Public URLs, included at /zugang/ in cms/urls.py."""

from django.urls import path

from . import views

app_name = "access"

urlpatterns = [
    path("", views.request_access, name="request"),
    path("danke/", views.thanks, name="thanks"),
    path("gemeinden/", views.municipality_lookup, name="municipalities"),
]
