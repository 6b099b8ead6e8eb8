"""The map of all projects (/karte/; its data: /api/v1/karte/ in search/api.py).

The map takes the same parameters as the search and asks the same engine, with the content
type forced to "projekt"; its counts are the search's counts. Projects are placed at their
lead municipality's coordinates from the registry. The page always carries the same projects
as a list, so it works without JavaScript, for keyboard and screen-reader users, and without
the map tiles, which are the one request to another server and load only on request.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import wraps
from itertools import groupby
from urllib.parse import urlparse

from csp.decorators import csp_update
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from cms.content_types import PROJECT
from explore import comparable
from registry.loaders import STATE_NAMES
from registry.models import Municipality
from registry.size_class import SizeClass

from . import service
from .facets import FACETS
from .query import RequestError, SearchRequest, parse_request
from .views import guideline_tree, query_string, with_remembered_kommune

DEFAULT_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_TILE_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>-Mitwirkende'
MAP_PAGE_SIZE = 1000  # projects per engine request while collecting all matches
MAX_MAP_PROJECTS = 20_000  # a safety net far above this platform's size
FORCED = {"content_type": (PROJECT,)}
FORM_FACETS = tuple(f for f in FACETS if f.name not in FORCED)


def tile_settings() -> dict[str, str]:
    url = getattr(settings, "MAP_TILE_URL", DEFAULT_TILE_URL) or DEFAULT_TILE_URL
    attribution = getattr(settings, "MAP_TILE_ATTRIBUTION", DEFAULT_TILE_ATTRIBUTION) or DEFAULT_TILE_ATTRIBUTION
    default_provider = "OpenStreetMap" if url == DEFAULT_TILE_URL else (urlparse(url).hostname or url)
    provider = getattr(settings, "MAP_TILE_PROVIDER", "") or default_provider
    return {
        "url": url,
        "attribution": attribution,
        "provider": provider,
        "host": urlparse(url).hostname or "",
        "origin": tile_origin(url),
    }


def tile_origin(url: str) -> str:
    """The Content-Security-Policy source for a Leaflet tile URL template ("" for this server).

    Leaflet's ``{s}`` subdomain variable becomes the wildcard CSP allows in the leftmost label.
    """
    parts = urlparse(url)
    if not parts.scheme or not parts.netloc:
        return ""  # a path on this server: 'self' covers it
    labels = parts.netloc.split(".")
    if "{" in labels[0]:
        labels[0] = "*"
    return f"{parts.scheme}://{'.'.join(labels)}"


def allow_map_tiles(view):
    """Add the tile server to the page's img-src, read from MAP_TILE_URL at request time.

    Only the map page may load images from another server. ``data:`` is there because Leaflet
    blanks tiles it stops loading (on zoom) with a data: GIF.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        sources = ["data:", tile_settings()["origin"]]
        return csp_update({"img-src": [s for s in sources if s]})(view)(request, *args, **kwargs)

    return wrapped


def map_request(params) -> SearchRequest:
    """The search request for the map: the search's parameters, validated the same way, projects only."""
    parsed = parse_request(params)
    filters = {name: values for name, values in parsed.filters.items() if name not in FORCED}
    return replace(parsed, filters={**filters, **FORCED}, sort="titel", page=1, page_size=MAP_PAGE_SIZE)


@dataclass
class MapData:
    response: service.SearchResponse  # the first page: facets, engine, degraded notice
    total: int
    municipalities: list[dict]
    unplaced: list[dict] = field(default_factory=list)  # projects without known coordinates
    truncated: bool = False


def _size_label(size_class: str) -> str:
    return str(SizeClass(size_class).label) if size_class in SizeClass.values else ""


def _project(result: service.Result) -> dict:
    return {"id": result.id, "external_id": result.external_id, "title": result.title, "url": result.url}


def map_data(search_request: SearchRequest, engine=None) -> MapData:
    """All matching projects, paged through the engine, grouped by municipality with coordinates."""
    # The map places projects, it does not rank them: no comparability scores for ``kommune``.
    search_request = replace(search_request, kommune="")
    first = service.search(search_request, engine=engine)
    results = list(first.results)
    if first.degraded:
        # The database fallback ignores filters and mixes types: show its projects, say so.
        results = [r for r in results if r.type == PROJECT]
        total = len(results)
    else:
        total = first.total
        wanted = min(total, MAX_MAP_PROJECTS)
        page = 1
        while len(results) < wanted:
            page += 1
            more = service.search(replace(search_request, page=page), engine=engine)
            if more.degraded or not more.results:
                break
            results.extend(more.results)
    seen: set[str] = set()
    unique = []
    for result in results[:MAX_MAP_PROJECTS]:
        if result.id not in seen:
            seen.add(result.id)
            unique.append(result)

    ags_of = {r.id: (r.municipality or {}).get("ags", "") for r in unique}
    places = {
        m["ags"]: m
        for m in Municipality.objects.filter(ags__in={a for a in ags_of.values() if a}).values(
            "ags", "name", "lat", "lon", "size_class"
        )
    }
    by_ags: dict[str, dict] = {}
    unplaced = []
    for result in unique:
        place = places.get(ags_of[result.id])
        if place is None:
            unplaced.append(_project(result))
            continue
        entry = by_ags.get(place["ags"])
        if entry is None:
            entry = by_ags[place["ags"]] = {
                "ags": place["ags"],
                "name": place["name"],
                "lat": place["lat"],
                "lon": place["lon"],
                "size_class": place["size_class"],
                "size_class_label": _size_label(place["size_class"]),
                "projects": [],
            }
        entry["projects"].append(_project(result))
    municipalities = sorted(by_ags.values(), key=lambda m: (m["name"].casefold(), m["ags"]))
    return MapData(first, total, municipalities, unplaced, truncated=total > len(unique) and not first.degraded)


# -- the map page ---------------------------------------------------------------------------


def _state_params(search_request: SearchRequest) -> list[tuple[str, str]]:
    """The URL state of the map: text, filters and the visitor's municipality, without the forced content type."""
    items: list[tuple[str, str]] = [("q", search_request.text)] if search_request.text else []
    for facet in FORM_FACETS:
        items += [(facet.name, value) for value in search_request.selected(facet.name)]
    if search_request.kommune:
        items.append(("kommune", search_request.kommune))
    return items


def _by_state(municipalities: list[dict]) -> list[dict]:
    rows = [{**m, "state": m["ags"][:2]} for m in municipalities]
    rows.sort(key=lambda m: (STATE_NAMES.get(m["state"], m["state"]), m["name"].casefold(), m["ags"]))
    groups = []
    for state, items in groupby(rows, key=lambda m: m["state"]):
        items = list(items)
        groups.append(
            {
                "code": state,
                "name": STATE_NAMES.get(state, state),
                "municipalities": items,
                "project_count": sum(len(m["projects"]) for m in items),
            }
        )
    return groups


@require_safe
@allow_map_tiles
def project_map(request: HttpRequest) -> HttpResponse:
    errors: dict[str, str] = {}
    try:
        # ``kommune`` (URL, else the one remembered in the session) travels with every link, as in the search.
        search_request = map_request(with_remembered_kommune(request))
    except RequestError as exc:
        errors = exc.errors
        search_request = map_request({})
    kommune = comparable.get_municipality(search_request.kommune) if search_request.kommune else None
    if kommune is not None and request.GET.get("kommune") == kommune.ags:
        comparable.remember(request, kommune)  # ?kommune=<AGS> in the URL is remembered
    data = map_data(search_request)
    state = _state_params(search_request)
    chips = []
    for group in data.response.facets:
        if group.name in FORCED:
            continue
        for value in group.values:
            if value.selected:
                without = [p for p in state if p != (group.name, value.value)]
                chips.append({"facet": group.facet.label, "label": value.label, "url": query_string(without)})
    context = {
        "search": data.response,
        "data": data,
        "query": search_request.text,
        "errors": errors,
        "facet_groups": [g for g in data.response.facets if g.name not in FORCED],
        "guideline_tree": guideline_tree(data.response),
        "chips": chips,
        "reset_url": query_string([p for p in state if p[0] in ("q", "kommune")]),
        "states": _by_state(data.municipalities),
        "placed_count": sum(len(m["projects"]) for m in data.municipalities),
        "api_url": reverse("api:map") + query_string(state),
        "search_link": reverse("search")
        + query_string([*state, *(("content_type", t) for t in FORCED["content_type"])]),
        "tiles": tile_settings(),
        "kommune": kommune,
        # Back here after choosing a municipality, without the old one, which would win over the new choice.
        "picker_next": reverse("project_map") + query_string([p for p in state if p[0] != "kommune"]),
    }
    return render(request, "map/map.html", context, status=400 if errors else 200)
