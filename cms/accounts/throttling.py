"""Throttling for the two doors to an account: the login forms and the password-reset form.

Logins are counted by django-axes (``AXES_*`` in the settings), which knows one failure limit
compared against one count. The platform needs two: a low one per user name *and* client, so a
colleague mistyping is stopped quickly without anyone elsewhere being able to lock that
colleague out, and a higher one per client across all user names, so one machine cannot try
a password on every account. :func:`failure_limit` adds the second on top of the first.

The password-reset form sends e-mail and says nothing about whether an address exists, so
axes does not see it; it gets the same cache-based limit as the access requests and the
contact relay.
"""

from __future__ import annotations

import math
from datetime import timedelta

from axes.helpers import get_client_ip_address, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from wagtail.admin.views.account import PasswordResetView

from cms.contact.ratelimit import RateLimit, client_identity

LOCKOUT_TEMPLATE = "accounts/login_locked.html"
PASSWORD_RESET_LIMITED_TEMPLATE = "accounts/password_reset_limited.html"


def _minutes(delta: timedelta | int) -> int:
    seconds = delta.total_seconds() if isinstance(delta, timedelta) else delta
    return max(1, math.ceil(seconds / 60))


def client_failures(request: HttpRequest) -> int:
    """Failed logins from this request's client within the cool-off time, across all user names.

    Reads axes' own records (the database handler's ``AccessAttempt`` rows), counted the way
    axes counts the per-user failures: a row stays in the count while its latest failure is
    younger than the cool-off time.
    """
    ip_address = getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
    attempt_time = getattr(request, "axes_attempt_time", None) or timezone.now()
    attempts = AccessAttempt.objects.filter(ip_address=ip_address)
    cool_off = get_cool_off(request)
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=attempt_time - cool_off)
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def failure_limit(request: HttpRequest, credentials: dict | None = None) -> int:
    """``AXES_FAILURE_LIMIT``: the per-user-and-client limit, or 0 once the client's own budget is spent.

    Axes locks a request when the failures for its lockout parameters (user name *and* client,
    see ``AXES_LOCKOUT_PARAMETERS``) reach this limit. A limit of 0 is reached by every count,
    so a client past ``LOGIN_FAILURE_LIMIT_PER_CLIENT`` is refused for every user name, while
    the same user names stay open from every other client.
    """
    if client_failures(request) >= settings.LOGIN_FAILURE_LIMIT_PER_CLIENT:
        return 0
    return settings.LOGIN_FAILURE_LIMIT_PER_USER


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: a German page with status 429 instead of the login form.

    It says how long the lock lasts and how to get out of it earlier, but neither whether the
    user name exists nor which of the two limits struck, which would help a guesser.
    """
    cool_off = get_cool_off(request)
    context = {"cooloff_minutes": _minutes(cool_off) if cool_off else None}
    response = render(request, LOCKOUT_TEMPLATE, context, status=settings.AXES_HTTP_RESPONSE_CODE)
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response


def password_reset_limit() -> RateLimit:
    limit, window = getattr(settings, "PASSWORD_RESET_LIMIT_PER_CLIENT", (5, 60 * 60))
    return RateLimit("password-reset-client", limit, window)


_wagtail_password_reset = PasswordResetView.as_view()


@never_cache
def password_reset(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """Wagtail's password-reset view, with at most N form submissions per client and window.

    Each submission may send an e-mail to an address the sender need not own, so without a
    limit the form is a free mail cannon and a way to flood a colleague's inbox. Only POSTs
    count: looking at the form costs nothing.
    """
    if request.method == "POST":
        limit = password_reset_limit()
        client = client_identity(request)
        if limit.exceeded(client):
            retry_after = limit.retry_after()
            response = render(
                request,
                PASSWORD_RESET_LIMITED_TEMPLATE,
                {"retry_minutes": _minutes(retry_after)},
                status=429,
            )
            response["Retry-After"] = str(retry_after)
            return response
        limit.hit(client)
    return _wagtail_password_reset(request, *args, **kwargs)
