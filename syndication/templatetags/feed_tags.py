"""Feed addresses for the pages that announce them (search, municipality, Charta term).

Loaded by name in the templates (``{% load feed_tags %}``), so the cms and search layers, whose
templates they are, never import this app.
"""

from django import template
from django.urls import reverse

from search.query import SearchRequest

from ..feeds import TERM_FACETS, search_feed_path

register = template.Library()


@register.simple_tag
def search_feed_url(search_request: SearchRequest) -> str:
    """The feed of a search: its text and filters (sort, page and municipality change no entry)."""
    return search_feed_path(search_request)


@register.simple_tag
def term_feed_url(kind_slug: str, code: str) -> str:
    """The feed of a Charta term, or "" for a kind without one (the actor groups)."""
    return reverse("feed_term", args=[kind_slug, code]) if kind_slug in TERM_FACETS else ""
