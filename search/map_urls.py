"""The project map and the coverage page, included at the site root (the map's data: search/api.py)."""

from django.urls import path

from . import map_views

urlpatterns = [
    path("karte/", map_views.project_map, name="project_map"),
    path("abdeckung/", map_views.coverage_page, name="coverage"),
]
