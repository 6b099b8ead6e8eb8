"""Kommunen wie meine: picker, autocomplete API and "Projekte für <Name>" (included at the site root)."""

from django.urls import path

from . import comparable_views as views

urlpatterns = [
    path("meine-kommune/", views.picker, name="comparable_picker"),
    path("meine-kommune/vergessen/", views.forget, name="comparable_forget"),
    path("projekte-fuer/<str:ags>/", views.projects_for, name="comparable_projects"),
    path("api/v1/kommunen/", views.api_municipalities, name="api_municipalities"),
]
