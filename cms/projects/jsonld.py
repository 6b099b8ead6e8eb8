"""schema.org JSON-LD for project pages: what search engines and harvesters read of a Steckbrief.

The block describes the page as a ``WebPage`` whose ``mainEntity`` is the ``Project``. schema.org's
``Project`` is a kind of ``Organization``: it has ``foundingDate``/``dissolutionDate`` (the project's
start and end), ``funder``, ``areaServed``, ``location`` and ``keywords``, but no licence, lineage or
publisher. Those belong to the page, a ``CreativeWork``: ``license`` (the platform's content
licence), ``isBasedOn`` (the Steckbriefe of the projects this one was adapted from), ``publisher``
(the municipality) and the publication dates.

Only what the page shows publicly goes in, and never the contact person or their e-mail address.
The JSON is written into a ``<script type="application/ld+json">`` data block, which browsers do
not execute, so the Content-Security-Policy does not concern it; ``<``, ``>`` and ``&`` are
written as ``\\u003C`` etc. (as Django's ``json_script`` does), so that no text from the content,
``</script>`` included, can end the element.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from cms.core.licence import content_licence
from registry.models import Municipality

from .models import ProjectAdaptation, ProjectPage

# What json.dumps leaves as it is but an HTML parser would read as markup.
JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value else None


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    """The members that have a value: schema.org readers take a missing member as "unknown"."""
    return {key: value for key, value in data.items() if value not in (None, "", [], {})}


def _ags(municipality: Municipality) -> dict[str, str]:
    return {
        "@type": "PropertyValue",
        "propertyID": "AGS",
        "name": "Amtlicher Gemeindeschlüssel",
        "value": municipality.ags,
    }


def municipality_place(municipality: Municipality) -> dict[str, Any]:
    """The municipality as a place (``areaServed``, ``location``), its AGS as identifier."""
    state = municipality.state
    return _compact(
        {
            "@type": "AdministrativeArea",
            "name": municipality.name,
            "identifier": _ags(municipality),
            "containedInPlace": {"@type": "AdministrativeArea", "name": state.name} if state else None,
            "geo": {"@type": "GeoCoordinates", "latitude": municipality.lat, "longitude": municipality.lon}
            if municipality.lat is not None and municipality.lon is not None
            else None,
        }
    )


def municipality_organisation(municipality: Municipality, url: str | None) -> dict[str, Any]:
    """The municipality as the organisation that publishes the Steckbrief."""
    return _compact(
        {
            "@type": "GovernmentOrganization",
            "name": municipality.name,
            "alternateName": municipality.name_official if municipality.name_official != municipality.name else None,
            "identifier": _ags(municipality),
            "url": url,
            "areaServed": {"@type": "AdministrativeArea", "name": municipality.name},
        }
    )


def project_jsonld(
    page: ProjectPage,
    request: HttpRequest | None,
    lineage_sources: list[ProjectAdaptation] | None = None,
    partners: list[Municipality] | None = None,
) -> dict[str, Any]:
    """The JSON-LD of a project page.

    ``lineage_sources`` and ``partners`` are what the page's context already loaded
    (``ProjectPage.get_context``); they are looked up when not given.
    """
    url = page.get_full_url(request) if page.pk else None
    lead = page.lead_municipality
    if lineage_sources is None:
        lineage_sources = page.lineage_sources()
    if partners is None:
        partners = list(page.partner_municipalities.select_related("state"))
    home = page.get_parent() if page.pk else None
    home_url = home.get_full_url(request) if home is not None and home.live else None
    keywords = sorted(tag.name for tag in page.tags.all())
    places = [municipality_place(m) for m in ([lead] if lead else []) + [p for p in partners if p != lead]]
    project = _compact(
        {
            "@type": "Project",
            "@id": f"{url}#projekt" if url else None,
            "name": page.title,
            "description": page.summary,
            "url": url,
            "identifier": page.external_id,
            "foundingDate": _iso(page.start_date),
            "dissolutionDate": _iso(page.end_date),
            # A funding programme combines a funder, its rules and its grants: schema.org's FundingScheme.
            "funder": {"@type": "FundingScheme", "name": page.funding_programme} if page.funding_programme else None,
            "areaServed": places,
            "location": places[0] if lead else None,
            "keywords": keywords,
        }
    )
    licence = content_licence()
    return _compact(
        {
            "@context": "https://schema.org",
            "@type": "WebPage",
            "@id": url,
            "url": url,
            "name": page.title,
            "description": page.summary,
            "inLanguage": "de",
            "datePublished": _iso(page.first_published_at),
            "dateModified": _iso(page.last_published_at),
            "license": licence.url,
            "publisher": municipality_organisation(lead, home_url) if lead else None,
            "keywords": keywords,
            "isBasedOn": [link.source.get_full_url(request) for link in lineage_sources],
            "mainEntity": project,
        }
    )


def jsonld_script(data: dict[str, Any]) -> SafeString:
    """The ``<script type="application/ld+json">`` element; its text cannot close the element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(JSON_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308 - escaped above
