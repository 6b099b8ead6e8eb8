"""The coverage page (/abdeckung/); the picker and "Projekte für …" are in comparable_views.py."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .coverage import coverage


@require_safe
def coverage_page(request: HttpRequest) -> HttpResponse:
    return render(request, "coverage/coverage.html", {"coverage": coverage()})
