"""A small fixed-window rate limit in Django's cache, keyed by a salted hash of the client IP.

The cache is the database cache in development and production, so the count holds across
server processes. The IP itself is never stored: the key is an HMAC with the secret key, which
is enough to count and useless for identifying anyone.
"""

from __future__ import annotations

from django.core.cache import cache
from django.utils.crypto import salted_hmac

from cms.core.clientip import client_ip


class RateLimit:
    def __init__(self, scope: str, limit: int, window_seconds: int):
        self.scope = scope
        self.limit = limit
        self.window = window_seconds

    def _key(self, request) -> str:
        digest = salted_hmac(f"ratelimit:{self.scope}", client_ip(request)).hexdigest()[:32]
        return f"ratelimit:{self.scope}:{digest}"

    def count(self, request) -> int:
        return int(cache.get(self._key(request), 0) or 0)

    def exceeded(self, request) -> bool:
        return self.count(request) >= self.limit

    def hit(self, request) -> int:
        """Count one event; the window starts with the first event and is not extended by later ones."""
        key = self._key(request)
        cache.add(key, 0, self.window)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, self.window)
            return 1
