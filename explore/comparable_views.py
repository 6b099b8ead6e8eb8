"""Kommunen wie meine: the municipality picker and "Projekte für <Name>" (its autocomplete: search/api.py, the layer above).

No login: the chosen municipality is remembered in the session (``kommune``) and can be
set by any link with ``?kommune=<AGS>`` to these views or the search page.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from registry.comparability import (
    COMPARABLE_THRESHOLD,
    COMPONENT_LABELS,
    NEARBY_KM,
    PARTNER_EACH,
    SIZE_CLASS_ADJACENT,
    URBANISATION_ADJACENT,
    URBANISATION_WORDS,
    WEIGHTS,
)
from registry.models import Municipality, Urbanisation

from . import comparable


def _next_url(request: HttpRequest) -> str:
    """A safe, local ``next`` target (from the form or the query string), else "".

    Only a path: a bare word ("0", "²") is no page to return to (and ``redirect()`` would look it
    up as a view name and fail with a 500).
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _chosen(request: HttpRequest, municipality: Municipality) -> HttpResponseRedirect:
    comparable.remember(request, municipality)
    return HttpResponseRedirect(_next_url(request) or reverse("comparable_projects", args=[municipality.ags]))


@require_http_methods(["GET", "POST"])
def picker(request: HttpRequest) -> HttpResponse:
    """Choose a municipality by name or AGS; works without JavaScript.

    POST (the form) or GET with ``q``: resolve the input; one match is remembered and
    redirects to its project page (or ``next``), several become a radio list. ``kommune``
    (the radio list, or any link) names the AGS directly.
    """
    data = request.POST if request.method == "POST" else request.GET
    context: dict = {"query": "", "error": "", "choices": [], "more": False, "next": _next_url(request)}
    ags = (data.get("kommune") or "").strip()
    if ags:
        municipality = comparable.get_municipality(ags)
        if municipality is not None:
            return _chosen(request, municipality)
        context["error"] = (
            f"Zum Gemeindeschlüssel „{comparable.normalise(ags)[:20]}“ gibt es keine Kommune im Gemeindeverzeichnis."
        )
    elif "q" in data:
        context["query"] = comparable.normalise(data.get("q", ""))
        resolution = comparable.resolve(context["query"])
        if resolution.municipality is not None:
            return _chosen(request, resolution.municipality)
        context.update(
            error=resolution.error,
            choices=[(m, comparable.label(m)) for m in resolution.choices],
            more=resolution.more,
        )
    context["current"] = comparable.remembered(request)
    return render(request, "comparable/picker.html", context)


@require_POST
def forget(request: HttpRequest) -> HttpResponse:
    comparable.forget(request)
    return HttpResponseRedirect(_next_url(request) or reverse("comparable_picker"))


def _method() -> list[dict]:
    """The weights as shown on the page, straight from registry.comparability."""
    urbanisation = {u.value: str(u.label) for u in Urbanisation}
    words = ", ".join(f"{URBANISATION_WORDS[code]} = {label}" for code, label in urbanisation.items())
    rules = {
        "size_class": f"gleiche Stadt- und Gemeindegröße nach BBSR; {SIZE_CLASS_ADJACENT:g} Punkte für die "
        "nächstgrößere oder nächstkleinere Klasse",
        "population": "anteilig: kleinere geteilt durch größere Einwohnerzahl",
        "urbanisation": f"gleicher Verstädterungsgrad ({words}); {URBANISATION_ADJACENT:g} Punkte für den "
        "benachbarten Grad",
        "state": "gleiches Bundesland",
        "proximity": f"gleicher Kreis oder höchstens {NEARBY_KM:g} km entfernt (Nachbarkreis)",
        "partners": f"{PARTNER_EACH:g} Punkte je Partnerkommune des Projekts, die Ihre Kommune ist oder in "
        "Ihrem Kreis liegt",
    }
    return [{"label": COMPONENT_LABELS[key], "points": f"{WEIGHTS[key]:g}", "rule": rules[key]} for key in WEIGHTS]


@require_safe
def projects_for(request: HttpRequest, ags: str) -> HttpResponse:
    """ "Projekte für <Name>": live, public projects ranked by how comparable their lead municipality is."""
    municipality = comparable.get_municipality(ags)
    if municipality is None:
        raise Http404("Unbekannter Gemeindeschlüssel")
    chosen = comparable.get_municipality((request.GET.get("kommune") or "").strip())
    if chosen is not None:  # ?kommune=<AGS> is remembered, as on every page of this feature
        comparable.remember(request, chosen)
        if chosen.ags != municipality.ags:
            return redirect("comparable_projects", chosen.ags)
    ranked, compared = comparable.rank_projects(municipality)
    remembered = comparable.remembered_ags(request)
    return render(
        request,
        "comparable/projects_for.html",
        {
            "municipality": municipality,
            "ranked": ranked,
            "compared": compared,
            "is_remembered": remembered == municipality.ags,
            "method": _method(),
            "threshold": f"{COMPARABLE_THRESHOLD:g}",
        },
    )
