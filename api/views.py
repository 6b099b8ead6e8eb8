"""The API's own endpoints: its index at /api/v1/ and the OpenAPI document."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, Router, Schema

from cms.core.api import LicenceOut, licence_out
from cms.core.licence import content_licence

from .http import API_MAX_AGE
from .throttling import configured_rate

API_DESCRIPTION = (
    "Lesender Zugriff auf die veröffentlichten Inhalte der Smart-City-Erfahrungsplattform: Suche, "
    "Projekt-Steckbriefe mit Kosten und Berichten, Evaluationen mit Indikatoren, Kommunen, Leitfäden, "
    "Checklisten und die Charta-Taxonomie. Nur GET (und HEAD); Antworten sind JSON in UTF-8, Fehler "
    "Problem-Dokumente (application/problem+json) mit deutschen Meldungen. Entwürfe und "
    "zugangsbeschränkte Seiten erscheinen nie. CORS ist für alle Ursprünge erlaubt; jede Antwort trägt "
    f"ein ETag und darf {API_MAX_AGE} Sekunden zwischengespeichert werden. Je Client-Adresse gilt ein "
    "Anfragelimit; wer es überschreitet, bekommt 429 mit Retry-After."
)
TAGS = [
    {"name": "Programmierschnittstelle", "description": "Einstieg und Beschreibung."},
    {"name": "Suche", "description": "Volltextsuche mit Filtern, Vorschläge und Kartendaten."},
    {
        "name": "Projekte, Berichte und Kommunen",
        "description": "Steckbriefe, Erfahrungs- und Evaluationsberichte, Gemeinden.",
    },
    {"name": "Wissen", "description": "Leitfäden, Checklisten und Prüfraster."},
    {"name": "Taxonomie", "description": "Begriffe der Smart City Charta und Gemeindegrößen."},
]

router = Router(tags=["Programmierschnittstelle"])


def platform_api():
    """The NinjaAPI of api/urls.py (imported late: that module imports this one)."""
    from .urls import api

    return api


def openapi_document() -> dict:
    """The OpenAPI document with the paths under this installation's /api/v1/."""
    return platform_api().get_openapi_schema(path_prefix=reverse("api:api-root"))


def openapi(request: HttpRequest) -> HttpResponse:
    """The OpenAPI 3.1 description of every endpoint (/api/v1/openapi.json)."""
    body = json.dumps(openapi_document(), ensure_ascii=False)
    return HttpResponse(body, content_type="application/json; charset=utf-8")


class EndpointOut(Schema):
    """Ein Endpunkt."""

    path: str = Field(description="Pfad.", examples=["/api/v1/search/"])
    summary: str = Field(description="Wozu er dient.", examples=["Suche"])


class IndexOut(Schema):
    """Einstieg: wo Beschreibung und Dokumentation liegen und welche Endpunkte es gibt."""

    title: str = Field(description="Name der Schnittstelle.")
    version: str = Field(description="Version; sie steht auch im Pfad (/api/v1/).", examples=["1"])
    openapi: str = Field(description="OpenAPI-Beschreibung (JSON).")
    documentation: str = Field(description="Dokumentation zum Lesen.")
    rate_limit: str = Field(description="Anfragelimit je Client-Adresse (Anfragen/Zeitraum).", examples=["300/m"])
    licence: LicenceOut = Field(description="Lizenz der Inhalte der Plattform.")
    endpoints: list[EndpointOut] = Field(description="Alle Endpunkte.")


@router.get(
    "",
    response=IndexOut,
    url_name="index",
    summary="Einstieg",
    description="Verweise auf die OpenAPI-Beschreibung und die Dokumentation, die Endpunkte und die Lizenz.",
)
def index(request: HttpRequest) -> dict:
    document = openapi_document()
    endpoints = [
        {"path": path, "summary": operation.get("summary", "")}
        for path, operations in document["paths"].items()
        for operation in operations.values()
    ]
    return {
        "title": document["info"]["title"],
        "version": document["info"]["version"],
        "openapi": request.build_absolute_uri(reverse("api:openapi")),
        "documentation": request.build_absolute_uri(reverse("api:docs")),
        "rate_limit": configured_rate(),
        "licence": licence_out(content_licence()),
        "endpoints": endpoints,
    }
