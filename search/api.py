"""The search layer's endpoints in the read API (mounted by api/urls.py).

``GET /api/v1/search/`` and ``/api/v1/projekte/`` (the same search, projects only), the
suggestions (``suggest/``), the map data (``karte/``) and the municipality autocomplete
(``kommunen/``). The JSON is what the hand-built views before this router returned, member for
member (``id`` is still the page id, as a string), plus ``external_id``.

Query parameters are validated by ``search.query.parse_request``, the function the search page
uses, so the API accepts and rejects exactly what the page does, with the same German messages;
its ``RequestError`` becomes a 400 problem document in api/problems.py. The parameter models
below describe those parameters for the OpenAPI document (types, ranges, vocabularies) but
accept any text, so that no second validation with other messages runs first.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import WithJsonSchema, create_model

from explore import comparable
from registry.api import MunicipalityRef

from . import service
from .facets import FACETS
from .map_views import FORCED, map_data, map_request
from .query import (
    AGS_PATTERN,
    DEFAULT_PAGE_SIZE,
    MAX_PAGE,
    MAX_PAGE_SIZE,
    MAX_QUERY_CHARS,
    MAX_VALUES_PER_FACET,
    SORTS,
    RequestError,
    SearchRequest,
    parse_request,
)

router = Router(tags=["Suche"])

# Facets whose vocabulary is the Charta taxonomy in the database: /api/v1/taxonomie/ lists it
# (under this key). The other closed vocabularies are fixed in code and listed in the schema.
TAXONOMY_FACETS = {
    "guideline": "guidelines",
    "leitbild": "leitbild",
    "recommendation": "recommendations",
    "action_field": "action_fields",
}
SUGGEST_PREFIX_CHARS = 100


# -- parameters ---------------------------------------------------------------------------------


def _documented(schema: dict[str, Any]) -> Any:
    """A parameter documented with ``schema`` but read as text (see the module docstring)."""
    return Annotated[str | None, WithJsonSchema(schema)]


def _facet_parameter(facet) -> tuple[Any, Any]:
    if facet.name in TAXONOMY_FACETS:
        item = {"type": "string"}
        values = f" Werte: die Codes unter „{TAXONOMY_FACETS[facet.name]}“ in /api/v1/taxonomie/."
    elif facet.values is not None:
        item = {"type": "string", "enum": list(facet.values())}
        values = ""
    else:
        item = {"type": "string", "pattern": facet.value_pattern}
        values = ""
    schema = {"type": "array", "items": item, "maxItems": MAX_VALUES_PER_FACET}
    description = (
        f"Filter „{facet.label}“; mehrfach angeben für mehrere Werte (ODER innerhalb eines Filters, UND "
        f"zwischen verschiedenen Filtern).{values}"
    )
    annotation = Annotated[list[str], WithJsonSchema(schema)]
    return annotation, Field(default_factory=list, description=description)


def _parameter_model(name: str, *, content_type: bool, paging: bool) -> type[Schema]:
    fields: dict[str, Any] = {
        "q": (
            _documented({"type": "string", "maxLength": MAX_QUERY_CHARS}),
            Field(
                None,
                description="Suchtext: alle Wörter müssen vorkommen (gibt es so weniger als drei Treffer: die meisten, "
                "dann ist relaxed true); Füllwörter wie „wie“ oder „können“ zählen nicht, Synonyme der Redaktion "
                '(KI, künstliche Intelligenz) finden einander; "in Anführungszeichen" sucht eine Wortfolge.',
                examples=["Straßenbeleuchtung"],
            ),
        ),
    }
    for facet in FACETS:
        if facet.name != "content_type" or content_type:
            fields[facet.name] = _facet_parameter(facet)
    fields["kommune"] = (
        _documented({"type": "string", "pattern": AGS_PATTERN.pattern}),
        Field(
            None,
            description="Ihre Kommune (Amtlicher Gemeindeschlüssel): markiert vergleichbare Treffer und erlaubt "
            "sort=passend.",
            examples=["09187128"],
        ),
    )
    if paging:
        fields["sort"] = (
            _documented({"type": "string", "enum": list(SORTS), "default": "relevanz"}),
            Field(None, description="Sortierung; „passend“ nur mit kommune."),
        )
        fields["page"] = (
            _documented({"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}),
            Field(None, description="Seite der Trefferliste."),
        )
        fields["page_size"] = (
            _documented({"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": DEFAULT_PAGE_SIZE}),
            Field(None, description="Treffer je Seite."),
        )
    return create_model(name, __base__=Schema, **fields)


SearchParams = _parameter_model("SearchParams", content_type=True, paging=True)
ProjectListParams = _parameter_model("ProjectListParams", content_type=False, paging=True)
MapParams = _parameter_model("MapParams", content_type=False, paging=False)


# -- responses ----------------------------------------------------------------------------------


class FacetValueOut(Schema):
    """Ein Wert eines Filters mit der Zahl seiner Treffer."""

    value: str = Field(description="Wert, wie er im Filterparameter angegeben wird.", examples=["kleinstadt"])
    label: str = Field(description="Bezeichnung.", examples=["Kleinstadt"])
    count: int = Field(description="Treffer mit diesem Wert, gezählt unter allen anderen Filtern.", examples=[12])
    selected: bool = Field(description="Ob der Wert in der Anfrage gewählt ist.")


Facets = dict[str, list[FacetValueOut]]
FACETS_DESCRIPTION = "Je Filter (Parametername) seine Werte mit Trefferzahl."


class ResultOut(Schema):
    """Ein Treffer."""

    id: str = Field(
        description="Seitenkennung (als Zeichenkette); für Projekte der Pfadparameter von /api/v1/projekte/{id}, "
        "für Berichte der von /api/v1/berichte/{id}.",
        examples=["42"],
    )
    external_id: str = Field(description="Stabile Kennung aus dem Austauschformat.", examples=["projekt-laternen"])
    type: str = Field(description="Art des Inhalts (Code).", examples=["projekt"])
    type_label: str = Field(description="Art des Inhalts.", examples=["Projekt-Steckbrief"])
    title: str = Field(description="Titel.", examples=["Fernwartung der Straßenbeleuchtung"])
    url: str = Field(description="Absolute Adresse der Seite.")
    snippet: str = Field(description="Textauszug (HTML; Fundstellen in <mark>).")
    municipality: MunicipalityRef | None = Field(
        description="Kommune des Projekts; null bei Leitfäden und Checklisten."
    )
    status: str = Field(description="Projektstatus (Code), bei Berichten der ihres Projekts; sonst leer.")
    status_label: str = Field(description="Projektstatus.")
    date: str = Field(
        description="Datum (JJJJ-MM-TT): Projektbeginn, Berichtsdatum oder Veröffentlichung.", examples=["2021-04-01"]
    )
    reuse_count: int | None = Field(
        None, description="Nur bei Projekten: Zahl der Projekte, die dieses nachgenutzt haben.", examples=[2]
    )
    comparable: bool | None = Field(None, description="Nur mit kommune: Ist die Kommune des Treffers vergleichbar?")
    comparability: float | None = Field(None, description="Nur mit kommune: Vergleichbarkeit 0 bis 100.")


class KommuneOut(Schema):
    """Die Kommune aus dem Parameter kommune."""

    ags: str = Field(description="Amtlicher Gemeindeschlüssel.", examples=["09187128"])
    name: str = Field(description="Name.", examples=["Bad Endorf"])


class SearchOut(Schema):
    """Eine Seite der Trefferliste mit Filterwerten."""

    total: int = Field(description="Zahl aller Treffer.", examples=[37])
    page: int = Field(description="Diese Seite.", examples=[1])
    page_size: int = Field(description="Treffer je Seite.", examples=[20])
    engine: str = Field(
        description="Suchmaschine, die geantwortet hat (datenbank: Ersatzsuche).", examples=["embedded"]
    )
    took_ms: float = Field(description="Dauer der Suche in Millisekunden.", examples=[3.2])
    degraded: bool = Field(description="Ersatzsuche ohne Filter, weil die Suchmaschine nicht erreichbar ist.")
    notice: str = Field(description="Hinweis an die Nutzenden, sonst leer.")
    relaxed: bool = Field(
        description="Mit allen Suchwörtern gab es (fast) keine Treffer: die Treffer enthalten die meisten, "
        "nicht alle Suchwörter."
    )
    kommune: KommuneOut | None = Field(None, description="Nur mit kommune: die gewählte Kommune.")
    results: list[ResultOut] = Field(description="Die Treffer dieser Seite.")
    facets: Facets = Field(description=FACETS_DESCRIPTION)


class SuggestItemOut(Schema):
    """Ein Vorschlag einer Gruppe."""

    text: str = Field(description="Anzeigetext (bei Projekten: der vorgeschlagene Suchbegriff).")
    url: str = Field(description="Relative Adresse, zu der der Vorschlag führt; leer: nach text suchen.")
    hint: str = Field(description="Zusatz zur Anzeige (Kreis und Land, Art des Charta-Begriffs), sonst leer.")


class SuggestGroupOut(Schema):
    """Vorschläge einer Art."""

    key: str = Field(description="projekte, kommunen oder charta.", examples=["kommunen"])
    label: str = Field(description="Überschrift der Gruppe.", examples=["Kommunen"])
    items: list[SuggestItemOut] = Field(description="Die Vorschläge, die besten zuerst.")


class SuggestOut(Schema):
    """Vorschläge zur Vervollständigung eines Suchbegriffs."""

    q: str = Field(description="Der Anfang, zu dem vorgeschlagen wird.", examples=["Bürg"])
    suggestions: list[str] = Field(description="Vorschläge.", examples=[["Bürgerbeteiligung", "Bürgerbus"]])
    groups: list[SuggestGroupOut] = Field(
        description="Die Vorschläge nach Art: Projekte (Titel und Schlagwörter, wie suggestions), Kommunen "
        "und Charta-Begriffe; nur Gruppen mit Vorschlägen."
    )


class MapProjectOut(Schema):
    """Ein Projekt auf der Karte."""

    id: str = Field(description="Seitenkennung (als Zeichenkette).", examples=["42"])
    external_id: str = Field(description="Stabile Kennung aus dem Austauschformat.")
    title: str = Field(description="Titel.")
    url: str = Field(description="Absolute Adresse des Steckbriefs.")


class MapMunicipalityOut(Schema):
    """Eine Kommune auf der Karte mit ihren Projekten."""

    ags: str = Field(description="Amtlicher Gemeindeschlüssel.", examples=["09187128"])
    name: str = Field(description="Name.", examples=["Bad Endorf"])
    lat: float = Field(description="Breitengrad.", examples=[47.9])
    lon: float = Field(description="Längengrad.", examples=[12.3])
    size_class: str = Field(description="Stadt- und Gemeindegröße (Code).", examples=["kleinstadt"])
    size_class_label: str = Field(description="Stadt- und Gemeindegröße.", examples=["Kleinstadt"])
    projects: list[MapProjectOut] = Field(description="Die passenden Projekte dieser Kommune.")


class MapOut(Schema):
    """Alle passenden Projekte, nach federführender Kommune gruppiert, mit Koordinaten."""

    total: int = Field(description="Zahl der passenden Projekte.", examples=[60])
    municipalities: list[MapMunicipalityOut] = Field(description="Kommunen mit Koordinaten, nach Name.")
    unplaced: list[MapProjectOut] = Field(description="Projekte ohne bekannte Koordinaten.")
    truncated: bool = Field(description="Mehr Treffer, als die Karte zeigt.")
    engine: str = Field(description="Suchmaschine, die geantwortet hat.", examples=["embedded"])
    degraded: bool = Field(description="Ersatzsuche ohne Filter, weil die Suchmaschine nicht erreichbar ist.")
    notice: str = Field(description="Hinweis an die Nutzenden, sonst leer.")
    facets: Facets = Field(description=FACETS_DESCRIPTION)


class MunicipalitySuggestionOut(Schema):
    """Eine Gemeinde als Vorschlag."""

    name: str = Field(description="Name.", examples=["Bad Endorf"])
    ags: str = Field(description="Amtlicher Gemeindeschlüssel.", examples=["09187128"])
    district: str = Field(description="Kreis.", examples=["Rosenheim"])
    state: str = Field(description="Bundesland.", examples=["Bayern"])
    size_class: str = Field(description="Stadt- und Gemeindegröße (Code).", examples=["kleinstadt"])
    size_class_label: str = Field(description="Stadt- und Gemeindegröße.", examples=["Kleinstadt"])
    label: str = Field(description="Anzeigetext mit Kreis und Land.", examples=["Bad Endorf (Rosenheim, Bayern)"])


class MunicipalitySuggestionsOut(Schema):
    """Gemeinden zu einer Eingabe (Name oder Anfang des Gemeindeschlüssels)."""

    q: str = Field(description="Die bereinigte Eingabe.", examples=["Bad End"])
    results: list[MunicipalitySuggestionOut] = Field(description="Bis zu 15 Gemeinden, die größeren zuerst.")


# -- building the answers -----------------------------------------------------------------------


def facets_json(response: service.SearchResponse) -> dict:
    """The facets as the search and the map return them."""
    return {
        group.name: [
            {"value": v.value, "label": v.label, "count": v.count, "selected": v.selected} for v in group.values
        ]
        for group in response.facets
    }


def _result(request: HttpRequest, result: service.Result, with_kommune: bool) -> dict:
    item = {
        "id": result.id,
        "external_id": result.external_id,
        "type": result.type,
        "type_label": result.type_label,
        "title": result.title,
        "url": request.build_absolute_uri(result.url) if result.url else "",
        "snippet": result.snippet,
        "municipality": result.municipality,
        "status": result.status,
        "status_label": result.status_label,
        "date": result.date,
    }
    if result.type == "projekt":
        item["reuse_count"] = result.reuse_count
    if with_kommune:
        item |= {"comparable": result.comparable, "comparability": result.comparability}
    return item


def set_etag(response: HttpResponse, payload: dict, volatile: tuple[str, ...] = ()) -> None:
    """A weak ETag over the answer without its ``volatile`` members (the search's own duration).

    ``took_ms`` differs on every request; without this the ETag would never match and
    ``If-None-Match`` would be useless for the search. Weak, since the bytes do differ.
    """
    stable = {key: value for key, value in payload.items() if key not in volatile}
    digest = hashlib.sha256(json.dumps(stable, sort_keys=True, default=str).encode()).hexdigest()[:32]
    response["ETag"] = f'W/"{digest}"'


def search_payload(request: HttpRequest, search_request: SearchRequest) -> dict:
    response = service.search(search_request)
    kommune = response.kommune
    payload = {
        "total": response.total,
        "page": search_request.page,
        "page_size": search_request.page_size,
        "engine": response.engine,
        "took_ms": response.took_ms,
        "degraded": response.degraded,
        "notice": response.notice,
        "relaxed": response.relaxed,
        "results": [_result(request, r, kommune is not None) for r in response.results],
        "facets": facets_json(response),
    }
    if kommune is not None:
        payload["kommune"] = {"ags": kommune.ags, "name": kommune.name}
    return payload


# -- endpoints ----------------------------------------------------------------------------------

SEARCH_DESCRIPTION = (
    "Volltextsuche über Projekt-Steckbriefe, Erfahrungs- und Evaluationsberichte, Leitfäden und Checklisten, "
    "mit denselben Filtern, derselben Sortierung und denselben Meldungen wie die Suchseite /suche/. Die "
    "Filterwerte (facets) werden je Filter unter allen anderen Filtern gezählt."
)


@router.get(
    "search/",
    response=SearchOut,
    url_name="search",
    exclude_unset=True,
    summary="Suche",
    description=SEARCH_DESCRIPTION,
)
def search(request: HttpRequest, response: HttpResponse, params: Query[SearchParams]) -> dict:
    # ``params`` documents the parameters; parse_request reads them, as the search page does.
    payload = search_payload(request, parse_request(request.GET, relax=True))
    set_etag(response, payload, volatile=("took_ms",))
    return payload


@router.get(
    "projekte/",
    response=SearchOut,
    url_name="projects",
    exclude_unset=True,
    summary="Projekt-Steckbriefe",
    description=(
        "Die Suche, beschränkt auf Projekt-Steckbriefe: dieselben Parameter (ohne content_type), dieselbe "
        "Antwort. Die Details eines Projekts liefert /api/v1/projekte/{project_id} mit der id eines Treffers."
    ),
)
def projects(request: HttpRequest, response: HttpResponse, params: Query[ProjectListParams]) -> dict:
    parsed = parse_request(request.GET, relax=True)
    search_request = replace(parsed, filters={**parsed.filters, **FORCED})
    payload = search_payload(request, search_request)
    set_etag(response, payload, volatile=("took_ms",))
    return payload


@router.get(
    "suggest/",
    response=SuggestOut,
    url_name="suggest",
    summary="Suchvorschläge",
    description=(
        "Vervollständigt den Anfang eines Suchbegriffs (die ersten 100 Zeichen) aus dem Suchindex, auch mit "
        "ein, zwei Tippfehlern, und schlägt Kommunen und Charta-Begriffe vor (groups)."
    ),
)
def suggest(
    request: HttpRequest,
    q: Annotated[str, WithJsonSchema({"type": "string", "maxLength": MAX_QUERY_CHARS})] = Query(
        "", description="Anfang des Suchbegriffs.", examples=["Bürg"]
    ),
) -> dict:
    search_request = parse_request({"q": [request.GET.get("q", "")]})
    prefix = search_request.text[:SUGGEST_PREFIX_CHARS]
    suggestions = service.suggest(prefix)
    return {"q": prefix, "suggestions": suggestions, "groups": service.suggestion_groups(prefix, suggestions)}


@router.get(
    "karte/",
    response=MapOut,
    url_name="map",
    summary="Projektkarte",
    description=(
        "Alle passenden Projekt-Steckbriefe (dieselben Filter wie die Suche, ohne Seiten), gruppiert nach "
        "federführender Kommune mit deren Koordinaten: die Daten der Karte /karte/."
    ),
)
def project_map(request: HttpRequest, params: Query[MapParams]) -> dict:
    data = map_data(map_request(request.GET))

    def absolute(projects: list[dict]) -> list[dict]:
        return [{**p, "url": request.build_absolute_uri(p["url"]) if p["url"] else ""} for p in projects]

    return {
        "total": data.total,
        "municipalities": [{**m, "projects": absolute(m["projects"])} for m in data.municipalities],
        "unplaced": absolute(data.unplaced),
        "truncated": data.truncated,
        "engine": data.response.engine,
        "degraded": data.response.degraded,
        "notice": data.response.notice,
        "facets": facets_json(data.response),
    }


@router.get(
    "kommunen/",
    response=MunicipalitySuggestionsOut,
    url_name="municipality_suggestions",
    tags=["Projekte, Berichte und Kommunen"],
    summary="Gemeinden finden",
    description=(
        "Bis zu 15 Gemeinden aus dem Gemeindeverzeichnis zu einem Namen oder dem Anfang eines "
        "Gemeindeschlüssels (ab zwei Zeichen), für die Auswahl „Meine Kommune“."
    ),
)
def municipality_suggestions(
    request: HttpRequest,
    q: Annotated[str, WithJsonSchema({"type": "string", "maxLength": comparable.MAX_INPUT_CHARS})] = Query(
        "", description="Name oder Anfang des Gemeindeschlüssels.", examples=["Bad End"]
    ),
) -> dict:
    raw = request.GET.get("q", "")
    if len(raw) > comparable.MAX_INPUT_CHARS:
        message = _("Die Eingabe ist zu lang: höchstens %(max)d Zeichen.") % {"max": comparable.MAX_INPUT_CHARS}
        raise RequestError({"q": message})
    query = comparable.normalise(raw)
    found = comparable.find(query) if len(query) >= 2 else []
    return {
        "q": query,
        "results": [
            {
                "name": m.name,
                "ags": m.ags,
                "district": m.district.name,
                "state": m.state.name,
                "size_class": m.size_class,
                "size_class_label": m.size_class_label,
                "label": comparable.label(m),
            }
            for m in found
        ],
    }
