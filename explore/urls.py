"""The pages of ``explore/``, included at the site root."""

from django.urls import path

from . import views

urlpatterns = [
    path("abdeckung/", views.coverage_page, name="coverage"),
]
