"""Open data, included at the site root: the downloads with /daten/, and the DCAT catalogue."""

from django.urls import include, path

urlpatterns = [
    path("", include("opendata.download_urls")),
    path("", include("opendata.catalogue_urls")),
]
