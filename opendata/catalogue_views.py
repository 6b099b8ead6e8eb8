"""``/katalog.ttl`` and ``/katalog.jsonld``: the DCAT-AP.de catalogue (opendata.catalogue) for harvesters.

Built on every request (the page cache keeps HTML only, and the graph costs a fixed handful of
queries); harvesters that send the ETag back get a 304 without the body. Open to every origin,
like the data it describes.
"""

from __future__ import annotations

import hashlib

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control, quote_etag
from django.views.decorators.http import require_safe

from .catalogue import build_catalogue, serialise

# Harvesters come daily at most; an hour keeps proxies from asking for every one of them.
MAX_AGE_SECONDS = 60 * 60


def _catalogue_response(request: HttpRequest, fmt: str, content_type: str) -> HttpResponseBase:
    body = serialise(build_catalogue(request), fmt)
    etag = quote_etag(hashlib.sha256(body).hexdigest()[:32])
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=MAX_AGE_SECONDS)
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def catalogue_ttl(request: HttpRequest) -> HttpResponseBase:
    return _catalogue_response(request, "turtle", "text/turtle; charset=utf-8")


@require_safe
def catalogue_jsonld(request: HttpRequest) -> HttpResponseBase:
    return _catalogue_response(request, "json-ld", "application/ld+json")
