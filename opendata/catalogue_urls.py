"""The DCAT-AP.de catalogue, at the site root where harvesters look for it."""

from django.urls import path

from . import catalogue_views

urlpatterns = [
    path("katalog.ttl", catalogue_views.catalogue_ttl, name="catalogue_ttl"),
    path("katalog.jsonld", catalogue_views.catalogue_jsonld, name="catalogue_jsonld"),
]
