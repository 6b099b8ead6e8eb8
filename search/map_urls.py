"""The project map, included at the site root (its data: search/api.py)."""

from django.urls import path

from . import map_views

urlpatterns = [
    path("karte/", map_views.project_map, name="project_map"),
]
