"""Links to the alert forms for the pages that offer them (the search page, a project page).

Loaded by name in the templates (``{% load alert_tags %}``), so the cms and search layers, whose
templates they are, never import this app.
"""

from django import template
from django.urls import reverse

from search.query import SearchRequest

from ..alerts import watch_for_request

register = template.Library()


@register.simple_tag
def alert_search_url(search_request: SearchRequest) -> str:
    """The "Diese Suche abonnieren" link: the form for the search's text and filters (not its order or page)."""
    return watch_for_request(search_request).subscribe_path()


@register.simple_tag
def alert_project_url(page_id: int) -> str:
    """The "Projekt folgen" link: the form for a project page."""
    return reverse("alerts:project", args=[page_id])
