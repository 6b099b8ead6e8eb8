"""Public views: the request form, its thank-you page and the municipality lookup for the datalist."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from cms.core.text import without_control_characters

from . import services
from .forms import AccessRequestForm
from .models import municipality_label
from .municipalities import MAX_CANDIDATES, search
from .ratelimit import RateLimit

WINDOW = 60 * 60
# Five requests per hour are plenty for one office; the form's other posts (typos, choosing
# among several Neustadts) have their own, looser budget, which still stops e-mail probing.
SUBMISSIONS = RateLimit("access-submit", limit=5, window_seconds=WINDOW)
ATTEMPTS = RateLimit("access-attempt", limit=30, window_seconds=WINDOW)


def rate_limited(request: HttpRequest) -> HttpResponse:
    response = render(request, "access/rate_limited.html", status=429)
    response["Retry-After"] = str(WINDOW)
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def request_access(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "access/request_form.html", {"form": AccessRequestForm()})

    if SUBMISSIONS.exceeded(request) or ATTEMPTS.exceeded(request):
        return rate_limited(request)
    ATTEMPTS.hit(request)

    form = AccessRequestForm(request.POST)
    if form.is_spam:
        # Look exactly like success, so a bot learns nothing; store nothing.
        SUBMISSIONS.hit(request)
        return redirect("access:thanks")
    if form.is_valid():
        try:
            with transaction.atomic():
                services.file_request(form)
        except IntegrityError:
            # A parallel post with the same address won the race for the one pending request.
            form.add_error(
                "email",
                _(
                    "Für diese E-Mail-Adresse liegt bereits eine offene Anfrage vor. Wir melden uns, sobald sie bearbeitet ist."
                ),
            )
            form._describe_widgets()
        else:
            SUBMISSIONS.hit(request)
            return redirect("access:thanks")
    return render(request, "access/request_form.html", {"form": form}, status=200)


@require_safe
def thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "access/thanks.html")


@require_safe
def municipality_lookup(request: HttpRequest) -> JsonResponse:
    """Up to 20 matches for the datalist; public data from the registry, so cacheable."""
    query = without_control_characters(request.GET.get("q", "")).strip()[:100]
    results, more = ([], False) if len(query) < 2 else search(query, limit=MAX_CANDIDATES)
    response = JsonResponse(
        {
            "results": [
                {
                    "ags": m.ags,
                    "name": m.name,
                    "district": m.district.name,
                    "state": m.state.name,
                    "label": municipality_label(m),
                }
                for m in results
            ],
            "more": more,
        }
    )
    response["Cache-Control"] = "public, max-age=3600"
    return response
