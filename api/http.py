"""HTTP around every endpoint of the read API: methods, CORS, ETag and Cache-Control.

Wrapped around each URL pattern of the API (api/urls.py) rather than put into a middleware:
it concerns these URLs alone, and django-ninja answers some requests (a method it does not
know, the OpenAPI document) without running any of its operation hooks.

- Read only: GET and HEAD are answered, OPTIONS is the CORS preflight, every other method gets
  a 405 problem document with ``Allow``.
- CORS: any origin may read (``Access-Control-Allow-Origin: *``); no credentials, no cookies.
  ``ETag`` and ``Retry-After`` are exposed to scripts.
- Caching: a 200 carries ``Cache-Control: public, max-age=API_MAX_AGE`` and an ``ETag`` (the
  view's own, else a hash of the body); a request whose ``If-None-Match`` matches gets a 304
  without a body. Errors are never cached (api/problems.py).

The anonymous page cache (cms.core.pagecache) never stores anything under /api/, so these
answers are computed for every request and the ``max-age`` is the only staleness: a published
correction reaches API clients within ``API_MAX_AGE`` seconds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver, is_valid_path, resolve
from django.urls.exceptions import Resolver404
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import gettext as _

from .problems import not_found, problem

API_MAX_AGE = 60
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
# Request headers a cross-origin script may send: content negotiation and revalidation.
ALLOWED_REQUEST_HEADERS = "Accept, Accept-Language, Content-Language, Content-Type, If-None-Match, Cache-Control"
EXPOSED_HEADERS = "ETag, Retry-After"
PREFLIGHT_MAX_AGE = 86400

View = Callable[..., HttpResponseBase]


def with_cors(response: HttpResponseBase) -> HttpResponseBase:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return response


def preflight() -> HttpResponse:
    response = HttpResponse(status=204)
    response["Allow"] = ALLOWED_METHODS
    response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    response["Access-Control-Allow-Headers"] = ALLOWED_REQUEST_HEADERS
    response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    with_cors(response)
    return response


def method_not_allowed(request: HttpRequest) -> HttpResponse:
    detail = _("Die Programmierschnittstelle liest nur: erlaubt sind GET, HEAD und OPTIONS, nicht %(method)s.") % {
        "method": request.method[:20] if request.method else "?"
    }
    response = problem(request, 405, detail)
    response["Allow"] = ALLOWED_METHODS
    return response


def body_etag(content: bytes) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def finish(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """ETag, caching and the 304 for a successful answer; CORS for every answer."""
    if response.status_code == 200 and isinstance(response, HttpResponse):
        if not response.has_header("ETag"):
            response["ETag"] = body_etag(response.content)
        patch_cache_control(response, public=True, max_age=API_MAX_AGE)
        response = get_conditional_response(request, etag=response["ETag"], response=response)
    return with_cors(response)


def api_view(view: View) -> View:
    """The HTTP rules of the module docstring around one view."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if request.method == "OPTIONS":
            return preflight()
        if request.method not in ("GET", "HEAD"):
            return with_cors(method_not_allowed(request))
        head = request.method == "HEAD"
        if head:
            # django-ninja registers GET only; HEAD is the same answer without its body.
            request.method = "GET"
        try:
            response = view(request, *args, **kwargs)
        finally:
            if head:
                request.method = "HEAD"
        response = finish(request, response)
        if head and isinstance(response, HttpResponse):
            response.content = b""
        return response

    wrapped.csrf_exempt = True  # type: ignore[attr-defined]  # nothing here reads a cookie or writes
    return wrapped


def wrap_patterns(patterns: list) -> list:
    """The patterns with every view wrapped by :func:`api_view`."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            wrap_patterns(entry.url_patterns)
        elif isinstance(entry, URLPattern):
            entry.callback = api_view(entry.callback)
    return patterns


def _resolves_elsewhere(path: str) -> bool:
    """Whether ``path`` is a real API address (not this catch-all)."""
    if not is_valid_path(path):
        return False
    try:
        return resolve(path).url_name != "not_found"
    except Resolver404:
        return False


@api_view
def unknown(request: HttpRequest, rest: str) -> HttpResponseBase:
    """Every other address under /api/v1/: a problem document instead of the site's HTML 404 page.

    Django's APPEND_SLASH never fires here (this pattern matches the address without the
    slash), so the redirect it would make is made here.
    """
    path = request.path_info
    if not path.endswith("/") and _resolves_elsewhere(path + "/"):
        response = HttpResponse(status=301)
        response["Location"] = request.get_full_path(force_append_slash=True)
        return response
    return not_found(request)
