"""Fixed-window rate limits kept in Django's cache.

The cache (the database cache in development and production) is shared by all server
processes, so a limit holds however the site is scaled. Keys contain a keyed hash of the
client address, never the address itself, so the cache table holds no IP addresses.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from cms.core.clientip import client_ip


@dataclass(frozen=True)
class RateLimit:
    """At most ``limit`` hits per ``window`` seconds for one identity."""

    name: str
    limit: int
    window: int

    def _key(self, identity: str) -> str:
        bucket = int(time.time() // self.window)
        return f"ratelimit:{self.name}:{identity}:{bucket}"

    def exceeded(self, identity: str) -> bool:
        return cache.get(self._key(identity), 0) >= self.limit

    def hit(self, identity: str) -> None:
        key = self._key(identity)
        # add() is a no-op when the key exists, so concurrent first hits do not reset each other.
        cache.add(key, 0, timeout=self.window)
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=self.window)

    def undo(self, identity: str) -> None:
        """Give a hit back, e.g. when sending failed through no fault of the visitor."""
        try:
            cache.decr(self._key(identity))
        except ValueError:
            pass

    def retry_after(self) -> int:
        return self.window - int(time.time() % self.window)


def client_identity(request: HttpRequest) -> str:
    return salted_hmac("cms.contact.ratelimit.client", client_ip(request), algorithm="sha256").hexdigest()[:32]
