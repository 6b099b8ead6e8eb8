"""/daten/ (URL name ``open_data``) and its downloads /daten/<slug>.<fmt> (``download``)."""

from django.urls import path

from . import download_views

urlpatterns = [
    path("daten/", download_views.open_data, name="open_data"),
    path("daten/<slug:slug>.<slug:fmt>", download_views.download, name="download"),
]
