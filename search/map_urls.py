"""The project map, its data endpoint and the coverage page, included at the site root."""

from django.urls import path

from . import map_views

urlpatterns = [
    path("karte/", map_views.project_map, name="project_map"),
    path("api/v1/karte/", map_views.api_map, name="api_map"),
    path("abdeckung/", map_views.coverage_page, name="coverage"),
]
