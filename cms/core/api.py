"""Shapes and helpers the cms layer's API routers share (cms/projects/api.py, cms/knowledge/api.py).

No router here: the routers live with their page types and api/urls.py mounts them. What every
content record of the API carries is defined once here: the licence and a short reference to
another page.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Schema
from wagtail.models import Page
from wagtail.rich_text import expand_db_html

from .licence import Licence


class LicenceOut(Schema):
    """Die Lizenz, unter der die Daten stehen."""

    code: str = Field(description="Kurzkennung der Plattform.", examples=["cc-by-4.0"])
    name: str = Field(description="Name der Lizenz.", examples=["Creative Commons Namensnennung 4.0 International"])
    short_name: str = Field(description="Kurzname.", examples=["CC BY 4.0"])
    url: str = Field(description="Lizenztext.", examples=["https://creativecommons.org/licenses/by/4.0/deed.de"])
    spdx: str = Field(description="SPDX-Kennung.", examples=["CC-BY-4.0"])
    dcat_uri: str = Field(
        description="URI im DCAT-AP.de-Lizenzvokabular.", examples=["http://dcat-ap.de/def/licenses/cc-by/4.0"]
    )


class PageRef(Schema):
    """Verweis auf eine andere öffentliche Seite der Plattform."""

    id: int = Field(description="Seitenkennung; Pfadparameter der Detail-Endpunkte.", examples=[42])
    external_id: str = Field(
        description="Stabile Kennung aus dem Austauschformat.", examples=["projekt-bad-endorf-laternen"]
    )
    title: str = Field(description="Titel.", examples=["Fernwartung der Straßenbeleuchtung"])
    url: str = Field(description="Absolute Adresse der Seite.", examples=["https://plattform.example.de/kommunen/…"])


def licence_out(licence: Licence) -> dict:
    return {
        "code": licence.code,
        "name": licence.name,
        "short_name": licence.short_name,
        "url": licence.url,
        "spdx": licence.spdx,
        "dcat_uri": licence.dcat_uri,
    }


def absolute_url(request: HttpRequest, page: Page) -> str:
    """The page's address as the client reached this server (the same host, scheme and port)."""
    url = page.get_url(request)
    return request.build_absolute_uri(url) if url else ""


def page_ref(request: HttpRequest, page: Page) -> dict:
    return {
        "id": page.pk,
        "external_id": page.external_id or "",
        "title": page.title,
        "url": absolute_url(request, page),
    }


def rich_text(value: str) -> str:
    """Stored rich text as the page shows it: internal links and embeds become real HTML.

    The database holds Wagtail's notation (``<a linktype="page" id="3">``), which no client
    can follow.
    """
    return expand_db_html(value) if value else ""
