"""Wagtail's document download behind the site's id check.

Wagtail routes ``dokumente/<digits>/<filename>`` with the regex ``\\d+`` and converts the
digits in the database lookup: a 5,000-digit id exceeds Python's int-string limit and ends in
a ValueError, a 500. cms/urls.py routes that URL here first, so only a valid id reaches Wagtail.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from wagtail.documents.views.serve import serve

from .converters import parse_id


def serve_document(request: HttpRequest, document_id: str, document_filename: str) -> HttpResponse:
    number = parse_id(document_id)
    if number is None:
        raise Http404("Dieses Dokument gibt es nicht.")
    return serve(request, number, document_filename)
