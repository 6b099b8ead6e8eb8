"""The pages of ``explore/``, included at the site root."""

from django.urls import path

from . import comparable_views, views

urlpatterns = [
    path("abdeckung/", views.coverage_page, name="coverage"),
    # Kommunen wie meine: the picker and "Projekte für <Name>".
    path("meine-kommune/", comparable_views.picker, name="comparable_picker"),
    path("meine-kommune/vergessen/", comparable_views.forget, name="comparable_forget"),
    path("projekte-fuer/<str:ags>/", comparable_views.projects_for, name="comparable_projects"),
]
