"""``/healthz``, included at the site root (cms/urls.py wires it in by name only)."""

from django.urls import path

from . import health_views

urlpatterns = [path("healthz", health_views.healthz, name="healthz")]
