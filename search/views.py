"""The public search page; it validates input through ``parse_request``, as the JSON API (search/api.py) does."""

from __future__ import annotations

import logging
from dataclasses import replace
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from explore import comparable
from registry.models import Guideline

from . import downloads, service
from .facets import FACETS
from .query import MAX_QUERY_CHARS, SORTS, RequestError, SearchRequest, parse_request

STATE_PARAMS = ("q", "sort", "kommune", *(f.name for f in FACETS))
logger = logging.getLogger(__name__)

# An empty result offers to drop one selected facet at a time; each offer costs one extra search.
MAX_RELAXATIONS = 8
# Facets whose values are Charta terms with a page of their own (/charta/<kind>/<code>/).
TERM_KINDS = {
    "guideline": "leitlinien",
    "leitbild": "leitbild",
    "recommendation": "empfehlungen",
    "action_field": "handlungsfelder",
}


def _params(request: SearchRequest) -> list[tuple[str, str]]:
    """The URL state of a request, in a stable order (bookmarkable and shareable)."""
    items: list[tuple[str, str]] = []
    if request.text:
        items.append(("q", request.text))
    for facet in FACETS:
        items += [(facet.name, value) for value in request.selected(facet.name)]
    if request.kommune:
        items.append(("kommune", request.kommune))
    if request.sort != "relevanz":
        items.append(("sort", request.sort))
    return items


def query_string(params: list[tuple[str, str]]) -> str:
    return "?" + urlencode(params) if params else ""


def url_for(request: SearchRequest, **changes) -> str:
    params = _params(request)
    if "toggle" in changes:
        name, value = changes["toggle"]
        params = [p for p in params if p != (name, value)] if (name, value) in params else params + [(name, value)]
    if "drop_facet" in changes:
        params = [p for p in params if p[0] != changes["drop_facet"]]
    if "drop_facets" in changes:
        params = [p for p in params if p[0] in ("q", "sort", "kommune")]
    if "sort" in changes:
        params = [p for p in params if p[0] != "sort"] + (
            [("sort", changes["sort"])] if changes["sort"] != "relevanz" else []
        )
    if "page" in changes and changes["page"] > 1:
        params.append(("page", str(changes["page"])))
    return "?" + urlencode(params) if params else "?"


def _sort_label(key: str, label: str, kommune) -> str:
    if key == "passend" and kommune is not None:
        return _("passend für %(name)s") % {"name": kommune.name}
    return str(label)


def guideline_tree(response: service.SearchResponse) -> list[dict]:
    group = response.facet("guideline")
    by_value = {v.value: v for v in group.values} if group else {}
    tree = []
    for main in Guideline.objects.filter(parent=None).prefetch_related("children"):
        tree.append(
            {
                "term": main,
                "value": by_value.get(main.code),
                "children": [{"term": c, "value": by_value.get(c.code)} for c in main.children.all()],
            }
        )
    return tree


def relaxations(search_request: SearchRequest, response: service.SearchResponse) -> list[dict]:
    """For an empty result: how many hits the search would have without each selected facet.

    Values within a facet are ORed, so dropping one value of several can only lose hits; the
    offer is to drop a facet's whole selection. Only called for an empty result, one search
    per facet with a selection, at most MAX_RELAXATIONS.
    """
    offers: list[dict] = []
    for group in response.facets:
        selected = [value for value in group.values if value.selected]
        if not selected:
            continue
        if len(offers) >= MAX_RELAXATIONS:
            break
        filters = {name: values for name, values in search_request.filters.items() if name != group.name and values}
        relaxed = service.search(replace(search_request, filters=filters, sort="relevanz", page=1, page_size=1))
        offers.append(
            {
                "facet": group.facet.label,
                "labels": [value.label for value in selected],
                "count": None if relaxed.degraded else relaxed.total,
                "url": url_for(search_request, drop_facet=group.name),
            }
        )
    return offers


def related_terms(response: service.SearchResponse) -> list[dict]:
    """The Charta terms among the selected filters, each with its own page, for an empty result."""
    terms = []
    for group in response.facets:
        kind = TERM_KINDS.get(group.name)
        if kind is None:
            continue
        terms += [
            {"label": value.label, "url": reverse("term", args=[kind, value.value])}
            for value in group.values
            if value.selected
        ]
    return terms


def with_remembered_kommune(request: HttpRequest):
    """The query parameters, plus the municipality remembered in the session if the URL has none."""
    if request.GET.get("kommune"):
        return request.GET
    municipality = comparable.remembered(request)
    if municipality is None:
        return request.GET
    params = request.GET.copy()
    params["kommune"] = municipality.ags
    return params


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    if "format" in request.GET:  # ?format=csv|xlsx|json: every hit as a file (search/downloads.py)
        return downloads.search_download(request, with_remembered_kommune(request))
    try:
        search_request = parse_request(with_remembered_kommune(request), relax=True)
        errors: dict[str, str] = {}
    except RequestError as exc:
        errors = exc.errors
        search_request = SearchRequest(text=request.GET.get("q", "")[:MAX_QUERY_CHARS] if "q" not in exc.errors else "")
        try:
            search_request = parse_request({"q": [search_request.text]})
        except RequestError:
            search_request = SearchRequest()
    kommune = comparable.get_municipality(search_request.kommune) if search_request.kommune else None
    if kommune is not None and request.GET.get("kommune") == kommune.ags:
        comparable.remember(request, kommune)  # ?kommune=<AGS> in the URL is remembered
    response = service.search(search_request)
    # Engine and timing are for operators, not visitors: the log and the JSON API carry them.
    logger.debug(
        "Suche %r: %s Treffer von %s in %s ms", search_request.text, response.total, response.engine, response.took_ms
    )
    empty = response.total == 0 and not errors and not response.degraded
    chips = []
    for group in response.facets:
        for value in group.values:
            if value.selected:
                chips.append(
                    {
                        "facet": group.facet.label,
                        "label": value.label,
                        "url": url_for(search_request, toggle=(group.name, value.value)),
                    }
                )
    context = {
        "search": response,
        "query": search_request.text,
        "errors": errors,
        "chips": chips,
        "reset_url": url_for(search_request, drop_facets=True),
        "sorts": [
            (key, _sort_label(key, label, kommune), url_for(search_request, sort=key), key == search_request.sort)
            for key, label in SORTS.items()
            if key != "passend" or kommune is not None
        ],
        "kommune": kommune,
        # Back here after choosing a municipality, without the old one, which would win over the new choice.
        "picker_next": request.path + query_string([p for p in _params(search_request) if p[0] != "kommune"]),
        "guideline_tree": guideline_tree(response),
        "relaxations": relaxations(search_request, response) if empty else [],
        "related_terms": related_terms(response) if empty else [],
        "page_urls": {
            "previous": url_for(search_request, page=search_request.page - 1) if search_request.page > 1 else "",
            "next": url_for(search_request, page=search_request.page + 1)
            if search_request.page < response.pages
            else "",
        },
    }
    return render(request, "search/search.html", context, status=400 if errors else 200)
