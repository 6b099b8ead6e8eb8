"""Full-page cache for anonymous visitors: a page that is the same for everyone is rendered once.

What is cached, for whom
    Complete HTML responses (status 200, ``text/html``) to GET requests of the public site, for
    visitors without a session: their request carries neither the session cookie nor the messages
    cookie. A session is what makes a page personal here (a login, a remembered municipality, a
    comparison selection, a password-protected page already unlocked, flash messages), so a
    visitor who has one gets every page freshly rendered and never fills the cache. That includes
    every logged-in user, since a login always comes with a session. HEAD requests are answered
    from the entry a GET filled (the server sends no body for HEAD); they fill nothing themselves.

    A response is stored only when it is the same for the next visitor: no cookie set (so no CSRF
    cookie and no new session), no CSRF token used, no session written, no message added, no
    logged-in user, no ``Cache-Control: private/no-cache/no-store`` (``@never_cache`` views such
    as the contact form and the access request stay out), no ``Vary`` on anything but ``Cookie``
    and ``Accept-Language`` (both are part of the decision above or of the key). Never cached:
    the admins (``/admin/``, ``/django-admin/``), the JSON API (``/api/``: its answers come from
    the search index, which the worker updates after a publish, and its queries vary too much to
    share entries; so are all other non-HTML answers such as Markdown downloads and the health
    check), static and media files, documents (streamed, possibly from private collections),
    Wagtail's previews.

    The key is scheme, host, language and path with the query string as Django parses it (the
    same parameters in another spelling share an entry), prefixed by the current generation.

Headers
    The entry keeps every header the view and the middleware inside this one set, so a cached
    page goes out with the same Content-Security-Policy, X-Frame-Options, Content-Language and
    Vary as when it was rendered; this middleware sits outside cms.core.csp.PathPolicyCSPMiddleware
    for that reason (and right after SecurityMiddleware, which adds its headers to every answer).
    No ``Cache-Control: max-age`` is added: browsers cannot be told that a page changed, and a
    visitor who reloads after a correction or an unpublish must see it at once. A hit costs no
    database query, so browser caching would gain little.

Invalidation
    Publishing, unpublishing, moving or deleting any page, and saving or deleting registry data
    (Charta terms, states, districts, municipalities), tags, images, documents, sites, Wagtail
    settings or view restrictions starts a new generation: every entry of the old one, for every
    URL and language on every process and machine, is never read again. The new generation is
    written after the database commit (``transaction.on_commit``), once per transaction however
    many pages it publishes. The generation is read when a request starts and its entry is stored
    under that generation, so a page rendered from the old state while an editor publishes is
    stored under the old generation and never served. ``migrate`` (every upgrade runs it) starts a
    new generation too, so templates of a new release are not hidden behind old entries.

    Changes the signals do not see reach the pages after ``PAGE_CACHE_TIMEOUT`` seconds at the
    latest: bulk loads of the registry (``load_registry``) and what the search index contributes
    (similar projects, ``/suche/``, ``/karte/``), which the background worker updates shortly
    after a publish. ``manage.py clear_page_cache`` empties the cache at once.

Where
    The cache alias ``"pages"`` (``PAGE_CACHE_ALIAS``), separate from ``"default"``, which holds
    the rate limits: emptying the page cache never resets them. By default it is a FileBasedCache
    under DATA_DIR, shared by all server processes of the machine; with ``REDIS_URL`` in
    production it is a Redis database of its own (cms/settings/infrastructure.py).
    ``PAGE_CACHE_ENABLED`` switches the cache off (the test settings do, so that tests and query
    budgets see every page rendered; tests/test_page_cache.py switches it on).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Callable

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import BaseCache, caches
from django.core.exceptions import DisallowedHost
from django.db import DEFAULT_DB_ALIAS, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import translation
from django.utils.cache import cc_delim_re, has_vary_header

from .csp import is_admin_path

PAGE_CACHE_ALIAS = "pages"
GENERATION_KEY = "generation"
# Request headers a stored page may vary on: the session cookie and the messages cookie send the
# visitor past the cache, and the language is part of the key.
ALLOWED_VARY = frozenset({"cookie", "accept-language"})
# Non-HTML and private paths that are never looked up (the HTML-only rule would keep them out of
# the cache anyway; skipping them saves the lookup). The admins come from cms.core.csp.
NEVER_CACHED_PREFIXES = ("/api/", "/dokumente/")
# Saves that only fill in a file's size or hash (Wagtail does that lazily while rendering) change
# nothing a visitor sees.
BOOKKEEPING_FIELDS = frozenset({"file_size", "file_hash"})


def page_cache() -> BaseCache:
    return caches[PAGE_CACHE_ALIAS]


def has_session(request: HttpRequest) -> bool:
    """Whether the visitor has a session (sent a session cookie), i.e. whether it can hold anything.

    Views that show something from the session ask this first and leave the session alone
    without it: a page that never reads a visitor's session is the same for every such visitor
    and can be cached. Asking for the key neither loads the session nor marks it as read.
    """
    session = getattr(request, "session", None)
    return session is not None and session.session_key is not None


def _personal_cookies() -> tuple[str, ...]:
    return (settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name)


# --------------------------------------------------------------------------- generation


def _new_generation() -> str:
    return secrets.token_hex(8)


def current_generation(cache: BaseCache | None = None) -> str:
    """The generation entries are read and written under; a lost one (evicted) starts a new one.

    A random token rather than a counter: if the key is evicted, a counter would start again at a
    value that old entries may still carry.
    """
    cache = cache or page_cache()
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, _new_generation(), timeout=None)
        generation = cache.get(GENERATION_KEY) or _new_generation()
    return generation


def invalidate() -> None:
    """Start a new generation now: no entry stored so far is served again, on any process."""
    page_cache().set(GENERATION_KEY, _new_generation(), timeout=None)


def clear() -> None:
    """Remove every entry of the page cache (``manage.py clear_page_cache``); the rate limits stay."""
    page_cache().clear()


class _InvalidateOnCommit:
    """One transaction's invalidation: however many of its commit callbacks call it, it runs once."""

    def __init__(self) -> None:
        self.ran = False

    def __call__(self) -> None:
        if not self.ran:
            self.ran = True
            invalidate()


_pending = threading.local()


def schedule_invalidation(using: str = DEFAULT_DB_ALIAS) -> None:
    """Invalidate after the current transaction commits; at once outside a transaction.

    One import publishes thousands of pages in one transaction, and one new generation is enough
    for all of them: the callbacks registered while the connection keeps the same list of commit
    callbacks share one ``_InvalidateOnCommit``. Django replaces that list at every commit and
    rollback (of the transaction or a savepoint), so the sharing never outlives a transaction;
    and since every change registers a callback of its own, a rollback that throws away some of
    them never leaves a committed change without one. ``robust``: a broken cache backend is
    logged and does not undo the editor's work.
    """
    connection = transaction.get_connection(using)
    pending = getattr(_pending, using, None)
    if pending is None or pending[0].ran or pending[1] is not connection.run_on_commit:
        pending = (_InvalidateOnCommit(), connection.run_on_commit)
        setattr(_pending, using, pending)
    transaction.on_commit(pending[0], using=using, robust=True)


# --------------------------------------------------------------------------- the middleware


def _language(request: HttpRequest) -> str:
    """The language LocaleMiddleware will choose for this request (it runs after this middleware)."""
    return translation.get_language_from_request(request, check_path=True)


def cache_key(request: HttpRequest, generation: str, language: str) -> str:
    parts = [request.scheme, request.get_host(), language, request.path, request.GET.urlencode()]
    digest = hashlib.sha256("\n".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return f"page:{generation}:{digest}"


def is_candidate(request: HttpRequest) -> bool:
    """Whether the request may be answered from the cache (and, for GET, fill it)."""
    if not getattr(settings, "PAGE_CACHE_ENABLED", False) or request.method not in ("GET", "HEAD"):
        return False
    # Wagtail's previews send a simulated GET for the page's public path through the middleware.
    if getattr(request, "is_dummy", False) or getattr(request, "is_preview", False):
        return False
    path = request.path_info
    never = (*NEVER_CACHED_PREFIXES, settings.STATIC_URL, settings.MEDIA_URL)
    if is_admin_path(path) or path.startswith(tuple(prefix for prefix in never if prefix)):
        return False
    if "authorization" in request.headers:
        return False
    return not any(name in request.COOKIES for name in _personal_cookies())


def is_storable(request: HttpRequest, response: HttpResponseBase, language: str) -> bool:
    """Whether the response is the page every visitor without a session gets (see the module docstring)."""
    if request.method != "GET" or response.status_code != 200 or response.streaming:
        return False
    if not response.get("Content-Type", "").startswith("text/html"):
        return False
    if response.cookies or "CSRF_COOKIE_NEEDS_UPDATE" in request.META:
        return False
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return False
    storage = getattr(request, "_messages", None)
    if storage is not None and storage.added_new:
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    directives = dict(
        (name.strip().lower(), value.strip())
        for name, _, value in (part.partition("=") for part in cc_delim_re.split(response.get("Cache-Control", "")))
    )
    if directives.keys() & {"private", "no-cache", "no-store"} or directives.get("max-age") == "0":
        return False
    if response.has_header("Vary"):
        if has_vary_header(response, "*"):
            return False
        varies = {header.strip().lower() for header in cc_delim_re.split(response["Vary"]) if header.strip()}
        if varies - ALLOWED_VARY:
            return False
    return translation.get_language() == language


def freeze(response: HttpResponse) -> dict:
    """What an entry keeps: status, every header, the body; never the request or other attributes."""
    return {"status": response.status_code, "headers": list(response.headers.items()), "content": response.content}


def thaw(entry: dict) -> HttpResponse:
    response = HttpResponse(entry["content"], status=entry["status"])
    for name, value in entry["headers"]:
        response.headers[name] = value
    return response


class PageCacheMiddleware:
    """Answers anonymous GET/HEAD requests from the ``"pages"`` cache; see the module docstring.

    Place it right after SecurityMiddleware, before PathPolicyCSPMiddleware, WhiteNoise and the
    session, CSRF, authentication and messages middleware: the entry then holds the headers and
    cookies those set, which is what decides whether it may be stored.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not is_candidate(request):
            return self.get_response(request)
        cache = page_cache()
        language = _language(request)
        try:
            key = cache_key(request, current_generation(cache), language)
        except DisallowedHost:
            # Answered by the middleware inside (a 400 with the usual headers, CSP included).
            return self.get_response(request)
        entry = cache.get(key)
        if entry is not None:
            return thaw(entry)
        response = self.get_response(request)
        if is_storable(request, response, language):
            cache.set(key, freeze(response))
        return response


# --------------------------------------------------------------------------- what invalidates


def _on_change(sender, **kwargs) -> None:
    schedule_invalidation()


def _on_saved(sender, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) <= BOOKKEEPING_FIELDS:
        return
    schedule_invalidation()


def content_models() -> list[type]:
    """Models besides pages whose rows public pages show or obey, so that a change invalidates.

    The registry (Charta terms, states, districts, municipalities), tags, images and documents
    (titles, files), sites (name, root page), view restrictions (a page or collection that just
    became private must leave the cache at once) and every Wagtail settings model.
    """
    from django.apps import apps
    from taggit.models import Tag
    from wagtail.contrib.settings.models import BaseGenericSetting, BaseSiteSetting
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import CollectionViewRestriction, PageViewRestriction, Site

    models = [*apps.get_app_config("registry").get_models()]
    models += [Tag, get_image_model(), get_document_model(), Site, PageViewRestriction, CollectionViewRestriction]
    models += [model for model in apps.get_models() if issubclass(model, (BaseSiteSetting, BaseGenericSetting))]
    return models


def connect_signals() -> None:
    """Called from CoreConfig.ready(): every change listed in the module docstring invalidates."""
    from django.db.models.signals import post_delete, post_save
    from wagtail.models import Page
    from wagtail.signals import page_published, page_unpublished, post_page_move

    for signal in (page_published, page_unpublished, post_page_move):
        signal.connect(_on_change)  # sent by each page class: no sender filter
    # Deleting a page deletes its descendants row by row; each row sends this (deduplicated).
    post_delete.connect(_on_change, sender=Page)
    for model in content_models():
        post_save.connect(_on_saved, sender=model)
        post_delete.connect(_on_change, sender=model)


def on_migrate(sender, **kwargs) -> None:
    """``migrate`` runs with every upgrade: pages of the new release replace those of the old one."""
    schedule_invalidation(kwargs.get("using", DEFAULT_DB_ALIAS))
