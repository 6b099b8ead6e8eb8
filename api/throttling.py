"""The per-client rate limit of the read API: django-ninja's throttling, with the site's client address.

django-ninja identifies a client by ``X-Forwarded-For`` whenever the header is present and
``NINJA_NUM_PROXIES`` is unset (any client could then send a new address with every request),
and otherwise by its own reading of that header. Here the client is what every other limit of
the site uses, ``cms.core.clientip.client_ip`` (``TRUSTED_PROXY_COUNT``); ``NINJA_NUM_PROXIES``
is set to the same number in the settings for anything else in django-ninja that reads it.

The limit is ``API_RATE_LIMIT`` ("requests/period", e.g. "300/m"), read on every request so that
a test can lower it. Counts live in the ``default`` cache, keyed by an HMAC of the address (no
address is stored), like the site's other rate limits.

django-ninja keeps the state of one check (key, history, time) on the throttle object, which
every thread of a worker shares; a check here runs on a copy of its own, so two requests in
parallel threads never write each other's history.
"""

from __future__ import annotations

import copy
import threading

from django.conf import settings
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from ninja.throttling import SimpleRateThrottle

from cms.core.clientip import client_ip

DEFAULT_RATE = "300/m"


def configured_rate() -> str:
    return getattr(settings, "API_RATE_LIMIT", DEFAULT_RATE) or DEFAULT_RATE


class ClientRateThrottle(SimpleRateThrottle):
    scope = "api"
    cache_format = "api-throttle:%(ident)s"

    def __init__(self) -> None:
        super().__init__(rate=configured_rate())
        self._current = threading.local()

    def get_ident(self, request: HttpRequest) -> str:
        return client_ip(request)

    def get_cache_key(self, request: HttpRequest) -> str:
        digest = salted_hmac("api-throttle", self.get_ident(request)).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": digest}

    def allow_request(self, request: HttpRequest) -> bool:
        check = copy.copy(self)
        check.rate = configured_rate()
        check.num_requests, check.duration = check.parse_rate(check.rate)
        self._current.check = check
        return SimpleRateThrottle.allow_request(check, request)

    def wait(self) -> float | None:
        """Seconds until the oldest counted request leaves the window (django-ninja sends it as Retry-After)."""
        check = getattr(self._current, "check", None)
        return SimpleRateThrottle.wait(check) if check is not None else None
