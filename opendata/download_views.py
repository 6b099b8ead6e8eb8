"""The page /daten/ and the downloads /daten/<slug>.<fmt> (files built and kept by opendata.files)."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from cms.core.licence import REGISTRY_LICENCE, content_licence
from cms.exchange.tables import KIND_NAMES, SEARCH, TABLES
from registry.loaders import data_attribution
from search.downloads import MAX_DOWNLOAD_HITS, RATE_LIMIT, base_url

from . import files
from .datasets import DATASETS, FORMATS

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def _columns(table) -> list[dict]:
    return [{"key": c.key, "header": c.header, "kind": KIND_NAMES[c.kind]} for c in table.columns]


@require_safe
def open_data(request: HttpRequest) -> HttpResponse:
    root = base_url(request)
    datasets = []
    for dataset in DATASETS.values():
        table = TABLES.get(dataset.table)
        datasets.append(
            {
                "dataset": dataset,
                "columns": _columns(table) if table else [],
                "formats": [
                    {
                        "format": FORMATS[code],
                        "url": reverse("download", kwargs={"slug": dataset.slug, "fmt": code}),
                        "size": files.cached_size(dataset, code, root),
                    }
                    for code in dataset.formats
                ],
            }
        )
    context = {
        "datasets": datasets,
        "search_columns": _columns(SEARCH),
        "max_search_hits": MAX_DOWNLOAD_HITS,
        "search_rate_limit": RATE_LIMIT.limit,
        "search_rate_window_minutes": RATE_LIMIT.window // 60,
        "licence": content_licence(),
        "registry_licence": REGISTRY_LICENCE,
        "registry_attribution": data_attribution(),
        "site_url": root,
    }
    return render(request, "opendata/open_data.html", context)


@require_safe
def download(request: HttpRequest, slug: str, fmt: str) -> FileResponse:
    dataset = DATASETS.get(slug)
    if dataset is None or fmt not in dataset.formats:
        raise Http404("Diesen Datensatz gibt es nicht in diesem Format.")
    root = base_url(request)
    path = files.dataset_file(dataset, fmt, root, root + request.path)
    response = FileResponse(
        open(path, "rb"),  # noqa: SIM115 - FileResponse closes it when the response is done
        as_attachment=True,
        filename=f"{slug}.{fmt}",
        content_type=MEDIA_TYPES.get(fmt, FORMATS[fmt].media_type),
    )
    response["Link"] = f'<{content_licence().url}>; rel="license"'
    return response
