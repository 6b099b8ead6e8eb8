"""The registry in the read API: ``GET /api/v1/taxonomie/`` and the shapes other layers reuse.

The router is mounted by api/urls.py. ``Term`` and ``MunicipalityRef`` are defined here, in the
lowest layer that owns the data, so that every endpoint naming a Charta term or a municipality
(search results, project details, the map) describes it with the same fields.

Schema docstrings and field descriptions are German: they are the API documentation that
``/api/v1/openapi.json`` and the docs page at ``/api/v1/docs`` show.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Field, Router, Schema

from .models import ActionField, ActorGroup, CharterTerm, Guideline, LeitbildAttribute, Municipality, Recommendation
from .size_class import SIZE_CLASS_BOUNDS, SizeClass
from .taxonomy import charta_citation

router = Router(tags=["Taxonomie"])


class Term(Schema):
    """Ein Begriff der Smart City Charta oder ein Handlungsfeld."""

    code: str = Field(
        description="Stabiler Code; so heißt der Begriff in Filtern und im Austauschformat.", examples=["3.3"]
    )
    title: str = Field(description="Titel des Begriffs.", examples=["Ressourcen schonen und Umwelt schützen"])


class TermDetail(Term):
    """Ein Begriff mit Erläuterung."""

    scope: str = Field(description="Stichworte zum Geltungsbereich, laut Gliederung der Charta.")
    description: str = Field(description="Kurze Erläuterung für Kommunen (eigene Zusammenfassung der Plattform).")


class GuidelineTerm(TermDetail):
    """Eine Leitlinie der Charta mit ihren Unterleitlinien."""

    children: list[TermDetail] = Field(description="Die Unterleitlinien (z. B. 3.1 bis 3.3).")


class SizeClassOut(Schema):
    """Eine Stadt- und Gemeindegröße nach BBSR."""

    code: str = Field(description="Code der Größenklasse, wie im Filter size_class.", examples=["kleinstadt"])
    label: str = Field(description="Bezeichnung.", examples=["Kleinstadt"])
    bounds: str = Field(description="Einwohnerzahl, die die Klasse abgrenzt.", examples=["5.000 bis 19.999 Einwohner"])


class TaxonomyOut(Schema):
    """Die Charta-Taxonomie, mit der Inhalte verschlagwortet sind, und die Gemeindegrößen."""

    guidelines: list[GuidelineTerm] = Field(description="Leitlinien 1 bis 4 mit ihren Unterleitlinien.")
    leitbild: list[TermDetail] = Field(description="Merkmale des Leitbilds der Charta.")
    recommendations: list[TermDetail] = Field(description="Handlungsempfehlungen a) bis …")
    actors: list[TermDetail] = Field(description="Akteursgruppen.")
    action_fields: list[TermDetail] = Field(description="Handlungsfelder der Plattform.")
    size_classes: list[SizeClassOut] = Field(description="Stadt- und Gemeindetypen nach BBSR.")
    citation: str = Field(description="Quellenangabe der Charta, nach der Codes und Titel zitiert sind.")


class MunicipalityRef(Schema):
    """Eine Gemeinde aus dem Gemeindeverzeichnis (Destatis), kurz."""

    ags: str = Field(description="Amtlicher Gemeindeschlüssel (acht Ziffern).", examples=["09187128"])
    name: str = Field(description="Name der Gemeinde.", examples=["Bad Endorf"])
    state: str = Field(description="Länderschlüssel (zwei Ziffern).", examples=["09"])
    state_name: str = Field(description="Name des Bundeslands.", examples=["Bayern"])
    size_class: str = Field(description="Stadt- und Gemeindegröße nach BBSR (Code).", examples=["kleinstadt"])
    size_class_label: str = Field(description="Stadt- und Gemeindegröße nach BBSR.", examples=["Kleinstadt"])


def term(item: CharterTerm) -> dict:
    return {"code": item.code, "title": item.title}


def term_detail(item: CharterTerm) -> dict:
    return {**term(item), "scope": item.scope, "description": item.description}


def municipality_ref(municipality: Municipality) -> dict:
    """``MunicipalityRef`` of a registry entry; select ``state`` with it to avoid a query."""
    return {
        "ags": municipality.ags,
        "name": municipality.name,
        "state": municipality.ags[:2],
        "state_name": municipality.state.name,
        "size_class": municipality.size_class,
        "size_class_label": municipality.size_class_label,
    }


@router.get(
    "taxonomie/",
    response=TaxonomyOut,
    url_name="taxonomy",
    summary="Charta-Taxonomie",
    description=(
        "Alle Leitlinien, Leitbild-Merkmale, Handlungsempfehlungen, Akteursgruppen und Handlungsfelder "
        "mit Code und Titel sowie die Gemeindegrößen. Die Codes sind die Werte der gleichnamigen Filter "
        "der Suche (guideline, leitbild, recommendation, action_field, size_class)."
    ),
)
def taxonomy(request: HttpRequest) -> dict:
    mains = Guideline.objects.filter(parent=None).prefetch_related(
        Prefetch("children", queryset=Guideline.objects.order_by("sort_order", "code"))
    )
    return {
        "guidelines": [{**term_detail(g), "children": [term_detail(c) for c in g.children.all()]} for g in mains],
        "leitbild": [term_detail(t) for t in LeitbildAttribute.objects.all()],
        "recommendations": [term_detail(t) for t in Recommendation.objects.all()],
        "actors": [term_detail(t) for t in ActorGroup.objects.all()],
        "action_fields": [term_detail(t) for t in ActionField.objects.all()],
        "size_classes": [
            {"code": size.value, "label": str(size.label), "bounds": str(SIZE_CLASS_BOUNDS[size])} for size in SizeClass
        ],
        "citation": charta_citation(),
    }
