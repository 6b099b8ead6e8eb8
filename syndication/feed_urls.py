"""Atom feeds (syndication/feeds.py): a search, a Charta term, a municipality.

Under ``/feeds/``, not ``/suche/feed/``: ``/suche/`` belongs to the search layer's URLs. robots.txt
keeps crawlers out of ``/feeds/suche/``, whose parameters combine into endlessly many feeds.
"""

from django.urls import path

from .feeds import MunicipalityFeed, SearchFeed, TermFeed

urlpatterns = [
    path("feeds/suche/", SearchFeed(), name="feed_search"),
    path("feeds/charta/<slug:kind>/<str:code>/", TermFeed(), name="feed_term"),
    path("feeds/kommune/<str:ags>/", MunicipalityFeed(), name="feed_municipality"),
]
