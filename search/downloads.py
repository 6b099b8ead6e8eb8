"""Downloads of a search: ``/suche/?…&format=csv|xlsx|json``, every hit, not one page of them.

The parameters are the search page's (``parse_request``, with the municipality the visitor chose
remembered as on the page), so the file holds exactly the hits the page counts: one row per hit,
as many rows as the search API's ``total``. ``page`` and ``page_size`` are checked like on the page
but do not limit the download.

How
    The hit ids are collected by paging through ``service.search`` (``MAX_PAGE_SIZE`` at a time)
    in the page's order. With sort "passend" the page ranks only the ``RERANK_LIMIT`` most relevant
    hits by fit; a download with more hits lists those first and then the others in relevance
    order. The pages are then read from the database ``BATCH_SIZE`` ids at a time, with a fixed
    number of queries per batch (cms.exchange.public.PublicExporter.items), and written as they
    come, to a temporary file that is streamed to the client (memory stays bounded by a batch).

What
    CSV and XLSX: the table ``suchergebnisse`` of cms.exchange.tables, one row per hit whatever
    its kind, with a column "Art"; the columns of a project's facts are empty for reports, guides
    and checklists and the report columns empty for the others (documented on /daten/). JSON: an
    object with ``source`` (the search page's address), ``parameters``, ``total``, ``licence``,
    ``registry_licence`` and ``items``, one per hit: ``type``, ``type_label``, ``municipality`` and
    ``project`` (short forms, or null) and ``record``, the hit's public exchange record.

Limits
    At most ``MAX_DOWNLOAD_HITS`` hits (a German 400 above, pointing to the full downloads on
    /daten/), ``RATE_LIMIT`` downloads per client and window (429 with ``Retry-After``), and no
    download while the search engine is unreachable (503: the database fallback cannot filter,
    so its file would not be the search). Invalid parameters get the search page's German
    messages with status 400, never a 500.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import IO, Any
from urllib.parse import urlencode

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.models import Site

from cms.contact.ratelimit import RateLimit, client_identity
from cms.core.converters import parse_id
from cms.core.licence import content_licence
from cms.exchange.public import BATCH_SIZE, PublicExporter, licence_member, licence_notes, registry_licence_member
from cms.exchange.tables import KIND_LABELS, SEARCH, Item, write_csv, write_xlsx
from registry.comparability import format_number

from . import service
from .facets import FACETS
from .query import MAX_PAGE, MAX_PAGE_SIZE, RequestError, SearchRequest, parse_request

MAX_DOWNLOAD_HITS = 10_000
RATE_LIMIT = RateLimit("search-download", limit=30, window=600)
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
FILENAME = "suchergebnisse"
ERROR_TEMPLATE = "search/download_error.html"


class DownloadRefused(Exception):
    """A download the request cannot have, with the German messages and the status to answer."""

    def __init__(self, errors: dict[str, str], status: int = 400, retry_after: int | None = None):
        super().__init__("; ".join(errors.values()))
        self.errors, self.status, self.retry_after = errors, status, retry_after


def requested_format(request: HttpRequest) -> str:
    values = request.GET.getlist("format")
    if len(values) == 1 and values[0] in MEDIA_TYPES:
        return values[0]
    shown = ", ".join(values)[:20]
    raise DownloadRefused(
        {
            "format": _("Unbekanntes Format „%(value)s“ für den Download; möglich sind: %(allowed)s.")
            % {"value": shown, "allowed": ", ".join(MEDIA_TYPES)}
        }
    )


def engine_search(search_request: SearchRequest) -> service.SearchResponse:
    """One page of hits from the search engine; refused if only the database fallback answers.

    The fallback ignores the filters, so a file made from it would not be the search asked for.
    """
    response = service.search(search_request)
    if response.degraded:
        raise DownloadRefused(
            {
                "engine": _(
                    "Die Suchmaschine ist gerade nicht erreichbar; ohne sie lassen sich die Treffer nicht "
                    "vollständig herunterladen. Bitte versuchen Sie es später noch einmal."
                )
            },
            status=503,
        )
    return response


def hit_ids(search_request: SearchRequest) -> tuple[list[int], int]:
    """Every hit's page id, in the search page's order, and the search's total."""
    paged = replace(search_request, page=1, page_size=MAX_PAGE_SIZE)
    first = engine_search(paged)
    total = first.total
    if total > MAX_DOWNLOAD_HITS:
        raise DownloadRefused(
            {
                "total": _(
                    "Die Suche ergibt %(total)s Treffer; herunterladen lassen sich höchstens %(max)s. Bitte grenzen "
                    "Sie die Suche mit Filtern ein, oder laden Sie die vollständigen Datensätze unter „Offene "
                    "Daten“ herunter."
                )
                % {"total": format_number(total), "max": format_number(MAX_DOWNLOAD_HITS)}
            }
        )
    ids: dict[int, None] = {}

    def collect(request: SearchRequest, response: service.SearchResponse | None = None) -> None:
        page = 1
        while len(ids) < total and page <= MAX_PAGE:
            response = response or engine_search(replace(request, page=page))
            if not response.results:
                break
            for result in response.results:
                if (page_id := parse_id(result.id)) is not None:
                    ids.setdefault(page_id, None)
            page, response = page + 1, None

    collect(paged, first)
    if len(ids) < total and first.window is not None:
        # Sort "passend" reaches only its window; the remaining hits follow in relevance order.
        collect(replace(paged, sort="relevanz"))
    return list(ids), total


def items(exporter: PublicExporter, ids: Sequence[int]) -> Iterator[Item]:
    for start in range(0, len(ids), BATCH_SIZE):
        yield from exporter.items(ids[start : start + BATCH_SIZE])


def parameters(search_request: SearchRequest) -> dict[str, Any]:
    """The search's parameters as the page's URL carries them (without page and page size)."""
    params: dict[str, Any] = {}
    if search_request.text:
        params["q"] = search_request.text
    for facet in FACETS:
        if values := search_request.selected(facet.name):
            params[facet.name] = list(values)
    if search_request.kommune:
        params["kommune"] = search_request.kommune
    params["sort"] = search_request.sort
    return params


def search_url(request: HttpRequest, search_request: SearchRequest) -> str:
    query = urlencode(parameters(search_request), doseq=True)
    return request.build_absolute_uri(reverse("search")) + "?" + query


def write_json(out: IO[bytes], source: str, search_request: SearchRequest, total: int, rows: Iterator[Item]) -> int:
    """The JSON download (see the module docstring), written item by item."""
    head = {
        "source": source,
        "parameters": parameters(search_request),
        "total": total,
        "licence": licence_member(),
        "registry_licence": registry_licence_member(),
    }
    out.write(json.dumps(head, ensure_ascii=False)[:-1].encode() + b', "items": [')
    count = 0
    for item in rows:
        entry = {
            "type": item.kind,
            "type_label": str(KIND_LABELS.get(item.kind, item.kind)),
            "municipality": item.municipality,
            "project": item.project,
            "record": item.record,
        }
        out.write((b",\n" if count else b"\n") + json.dumps(entry, ensure_ascii=False).encode())
        count += 1
    out.write(b"\n]}\n")
    return count


def base_url(request: HttpRequest) -> str:
    """The site's root URL without a trailing slash (what the pages' absolute URLs use), else the request's."""
    site = Site.find_for_request(request)
    return site.root_url if site is not None else request.build_absolute_uri("/").rstrip("/")


def refused(request: HttpRequest, exc: DownloadRefused) -> HttpResponse:
    params = request.GET.copy()
    params.pop("format", None)
    response = render(
        request,
        ERROR_TEMPLATE,
        {
            "errors": exc.errors,
            "invalid": exc.status == 400,
            "back_url": reverse("search") + ("?" + params.urlencode() if params else ""),
        },
        status=exc.status,
    )
    if exc.retry_after is not None:
        response["Retry-After"] = str(exc.retry_after)
    return response


def search_download(request: HttpRequest, params) -> HttpResponse:
    """The answer to ``/suche/?…&format=…``; ``params`` are the page's (the remembered municipality added)."""
    try:
        fmt = requested_format(request)
        try:
            search_request = parse_request(params, relax=True)
        except RequestError as exc:
            raise DownloadRefused(exc.errors) from None
        identity = client_identity(request)
        if RATE_LIMIT.exceeded(identity):
            raise DownloadRefused(
                {
                    "limit": _(
                        "Sie haben in kurzer Zeit viele Suchergebnisse heruntergeladen. Bitte warten Sie einige "
                        "Minuten und versuchen Sie es dann noch einmal."
                    )
                },
                status=429,
                retry_after=RATE_LIMIT.retry_after(),
            )
        RATE_LIMIT.hit(identity)
        ids, total = hit_ids(search_request)
    except DownloadRefused as exc:
        return refused(request, exc)

    exporter = PublicExporter(base_url(request))
    source = search_url(request, search_request)
    out = tempfile.TemporaryFile()
    if fmt == "json":
        write_json(out, source, search_request, total, items(exporter, ids))
    elif fmt == "csv":
        write_csv(SEARCH, items(exporter, ids), out)
    else:
        write_xlsx(SEARCH, items(exporter, ids), out, licence_notes(source))
    out.seek(0)
    response = FileResponse(out, as_attachment=True, filename=f"{FILENAME}.{fmt}", content_type=MEDIA_TYPES[fmt])
    response["Link"] = f'<{content_licence().url}>; rel="license"'
    return response
