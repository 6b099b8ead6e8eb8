"""The one place that decides which address a request comes from.

The rate limits (access requests, contact relay, password reset) and the login throttling
(django-axes, through ``AXES_CLIENT_IP_CALLABLE``) all count per client; if they disagreed
about who the client is, one of them could be dodged with a header the others ignore.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client address; behind N trusted proxies, the N-th entry from the right of X-Forwarded-For.

    ``TRUSTED_PROXY_COUNT`` (default 0) must match the deployment. With 0 the header is ignored,
    because a client can write any X-Forwarded-For it likes: trusting it without a proxy that
    appends to it would let anyone pick a fresh address per request. With N, each of the N
    proxies appends the address it saw, so the N-th entry from the right is the one the
    outermost trusted proxy wrote; everything further left came from the client. An entry that
    is no IP address at all (possible only with a count set too high, which lets client text
    through) falls back to REMOTE_ADDR: axes stores the address in an IP-address column.
    """
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies and _is_ip_address(forwarded[-proxies]):
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def client_ip_address(request: HttpRequest) -> str | None:
    """``AXES_CLIENT_IP_CALLABLE``: :func:`client_ip` where it is an IP address, else None.

    Axes stores the address in an IP-address column (``inet`` on PostgreSQL), which refuses the
    marker "unknown" that :func:`client_ip` returns when the server passes no REMOTE_ADDR
    (a unix socket without a trusted proxy); NULL is what that column holds for "no address".
    """
    address = client_ip(request)
    return address if _is_ip_address(address) else None


def _is_ip_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
