"""German in the admin, whatever language the browser asks for.

Django's ``LocaleMiddleware`` picks the language from the request (Accept-Language, cookie),
which is right for the public site once it offers English, but the admin's help texts, role
pages and review messages exist in German only. Wagtail switches to a user's preferred
language only after login (``WAGTAILADMIN_PERMITTED_LANGUAGES`` allows only German), so the
login, password-reset and lockout pages need this middleware to be German for everyone.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation


@cache
def admin_prefixes() -> tuple[str, ...]:
    """Where Wagtail's admin and Django's own admin are mounted (fixed by the URLconf: looked up once)."""
    return (reverse("wagtailadmin_home"), reverse("admin:index"))


class AdminLanguageMiddleware:
    """Activate the site's language (German) on every admin path; after ``LocaleMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(admin_prefixes()):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


def reset_unpermitted_admin_languages(sender, using: str = DEFAULT_DB_ALIAS, plan=None, **kwargs) -> None:
    """Forget a stored admin language that is no longer offered (``post_migrate``).

    Wagtail applies a user's stored ``preferred_language`` even when it has left
    ``WAGTAILADMIN_PERMITTED_LANGUAGES``, so an account that chose English while it was offered
    would keep an English admin. Cleared, it falls back to the site's language.
    """
    from wagtail.admin.localization import get_available_admin_languages
    from wagtail.users.models import UserProfile

    from .signals import _fully_migrated

    if plan is not None and not _fully_migrated(using):
        return
    permitted = [code for code, _name in get_available_admin_languages()]
    UserProfile.objects.using(using).exclude(preferred_language="").exclude(preferred_language__in=permitted).update(
        preferred_language=""
    )
