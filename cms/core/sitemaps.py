"""``/sitemap.xml`` and ``/robots.txt``: what search engines may find, and what they should leave alone.

The sitemap lists every live public Wagtail page (Wagtail's own sitemap: drafts, unpublished and
restricted pages never appear) plus the pages that are Django views: Leichte Sprache, Gebärdensprache, the Charta
overview, one page per taxonomy term and one per size class. ``robots.txt`` points to it and
keeps crawlers out of the admins, the API, forms and per-visitor pages, and out of the search
and map pages, whose filter parameters combine into endlessly many URLs with the same content.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from wagtail.contrib.sitemaps import Sitemap as WagtailSitemap
from wagtail.models import Site

from registry.size_class import SizeClass

from .views import TERM_KINDS

# Paths crawlers are asked to skip. The content they lead to is reachable through the sitemap.
ROBOTS_DISALLOW = (
    "/admin/",
    "/django-admin/",
    "/api/",
    "/suche/",
    # The search's Atom feeds (syndication app): as many as there are filter combinations.
    "/feeds/suche/",
    "/karte/",
    "/kontakt/",
    "/zugang/",
    # The alert forms and their confirm/unsubscribe links (syndication app): per visitor, one per search.
    "/benachrichtigungen/",
    "/nachnutzen/",
    "/dokumente/",
)


class RegistrySitemap(Sitemap):
    """The Charta overview, each taxonomy term and each size class (Django views, not Wagtail pages).

    Its URLs use the Wagtail site's root URL, as the page URLs beside them do, so that the
    sitemap names one host whatever name the request came in on.
    """

    def __init__(self, request: HttpRequest):
        self.root = urlsplit(Site.find_for_request(request).root_url)

    def get_protocol(self, protocol: str | None = None) -> str:
        return self.root.scheme

    def get_domain(self, site=None) -> str:
        return self.root.netloc

    def items(self) -> list[tuple[str, tuple]]:
        # The explanations in Leichte Sprache and German Sign Language (BITV 2.0 § 4), and the Charta.
        entries: list[tuple[str, tuple]] = [("leichte_sprache", ()), ("gebaerdensprache", ()), ("charta", ())]
        for slug, kind in TERM_KINDS.items():
            codes = kind.model.objects.order_by("code").values_list("code", flat=True)
            entries.extend(("term", (slug, code)) for code in codes)
        entries.extend(("size_class", (size_class.value,)) for size_class in SizeClass)
        return entries

    def location(self, item: tuple[str, tuple]) -> str:
        name, args = item
        return reverse(name, args=args)


def sitemap(request: HttpRequest) -> HttpResponse:
    """Wagtail pages first, then the registry; absolute URLs on the host the request came to."""
    return sitemap_view(request, sitemaps={"seiten": WagtailSitemap(request), "charta": RegistrySitemap(request)})


def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW), ""]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
