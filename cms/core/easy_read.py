"""The explanations BITV 2.0 § 4 asks for on the start page: Leichte Sprache and Deutsche Gebärdensprache.

Fixed pages rather than editor pages: the Leichte-Sprache text follows the rules of the
Netzwerk Leichte Sprache sentence by sentence, and a rich-text editor would make it too easy to
break them. The sign-language video is the operator's own file, served from this site (no
video platform, so no third-party request); its address comes from settings.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods


def same_host_path(value: str) -> str:
    """``value`` if it is a path on this site ("/media/dgs.mp4"), else "": nothing is loaded from elsewhere."""
    value = (value or "").strip()
    parts = urlsplit(value)
    if value.startswith("/") and not value.startswith("//") and not parts.scheme and not parts.netloc:
        return value
    return ""


@require_http_methods(["GET", "HEAD"])
def leichte_sprache(request: HttpRequest) -> HttpResponse:
    return render(request, "easy_read/leichte_sprache.html")


@require_http_methods(["GET", "HEAD"])
def gebaerdensprache(request: HttpRequest) -> HttpResponse:
    context = {
        "video_url": same_host_path(settings.SIGN_LANGUAGE_VIDEO_URL),
        "captions_url": same_host_path(settings.SIGN_LANGUAGE_CAPTIONS_URL),
    }
    return render(request, "easy_read/gebaerdensprache.html", context)
