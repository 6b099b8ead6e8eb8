"""Kommunen wie meine: picker and "Projekte für <Name>" (included at the site root; autocomplete: search/api.py)."""

from django.urls import path

from . import comparable_views as views

urlpatterns = [
    path("meine-kommune/", views.picker, name="comparable_picker"),
    path("meine-kommune/vergessen/", views.forget, name="comparable_forget"),
    path("projekte-fuer/<str:ags>/", views.projects_for, name="comparable_projects"),
]
