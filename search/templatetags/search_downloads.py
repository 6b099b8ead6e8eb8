"""``{% search_download_url search.request "csv" %}``: the current search as a download (search/downloads.py)."""

from django import template

from ..query import SearchRequest
from ..views import url_for

register = template.Library()


@register.simple_tag
def search_download_url(search_request: SearchRequest, fmt: str) -> str:
    """The search page's address for this request's parameters (without its page), plus ``format``."""
    query = url_for(search_request)
    return f"{query}{'&' if len(query) > 1 else ''}format={fmt}"
