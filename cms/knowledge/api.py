"""Guides and checklists in the read API: ``GET /api/v1/wissen/`` (mounted by api/urls.py).

All of them in one answer: there are a handful, each small, and a client that builds a
checklist tool wants every item at once. Only live, public pages; an example project that is
not (or no longer) public is left out, as on the guide's page.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema

from cms.core.api import LicenceOut, PageRef, licence_out, page_ref, rich_text
from cms.core.licence import content_licence
from cms.projects.models import ProjectPage
from registry.api import MunicipalityRef, Term, municipality_ref, term
from registry.models import Guideline

from .models import ChecklistPage, GuideExampleProject, GuidePage, Phase

router = Router(tags=["Wissen"])


class GuideSectionOut(Schema):
    """Ein Abschnitt eines Leitfadens."""

    heading: str = Field(description="Abschnittstitel.", examples=["Planung"])
    body: str = Field(description="Inhalt (HTML).", examples=["<p>Bestand erfassen.</p>"])


class ExampleProjectOut(PageRef):
    """Ein Projekt, das der Leitfaden als Beispiel nennt."""

    municipality: MunicipalityRef | None = Field(description="Federführende Kommune.")
    note: str = Field(description="Warum dieses Beispiel?")


class KnowledgeOut(Schema):
    """Was Leitfäden und Checklisten gemeinsam haben."""

    id: int = Field(description="Seitenkennung.", examples=[12])
    external_id: str = Field(description="Stabile Kennung aus dem Austauschformat.", examples=["leitfaden-laternen"])
    title: str = Field(description="Titel.", examples=["Leitfaden Straßenbeleuchtung"])
    url: str = Field(description="Absolute Adresse der Seite.")
    demo: bool = Field(description="Erfundene Beispieldaten.")
    intro: str = Field(description="Einleitung: für wen, wobei hilft es (Text).")
    author_organisation: str = Field(description="Herausgegeben von.")
    guidelines: list[Term] = Field(description="Charta-Leitlinien, zu denen das Material gehört.")


class GuideOut(KnowledgeOut):
    """Ein Leitfaden."""

    sections: list[GuideSectionOut] = Field(description="Die Abschnitte in ihrer Reihenfolge.")
    example_projects: list[ExampleProjectOut] = Field(description="Veröffentlichte Beispielprojekte.")


class ChecklistItemOut(Schema):
    """Ein Prüfpunkt."""

    number: int = Field(description="Laufende Nummer in der Checkliste.", examples=[1])
    text: str = Field(description="Prüfpunkt.", examples=["Bestand erfassen"])
    explanation: str = Field(description="Erläuterung.")
    phase: str = Field(description="Projektphase (Code).", examples=["vorbereitung"])
    phase_label: str = Field(description="Projektphase.", examples=["Vorbereitung"])
    required: bool = Field(description="Pflichtpunkt.")
    guidelines: list[Term] = Field(description="Charta-Unterleitlinien des Prüfpunkts.")


class ChecklistOut(KnowledgeOut):
    """Eine Checkliste oder ein Prüfraster."""

    is_pruefraster: bool = Field(
        description="Ein Prüfraster bewertet ein Vorhaben; eine Checkliste ist eine Aufgabenliste."
    )
    items: list[ChecklistItemOut] = Field(description="Alle Prüfpunkte in ihrer Reihenfolge.")


class KnowledgeListOut(Schema):
    """Alle veröffentlichten Leitfäden und Checklisten."""

    guides: list[GuideOut] = Field(description="Leitfäden, nach Titel.")
    checklists: list[ChecklistOut] = Field(description="Checklisten und Prüfraster, nach Titel.")
    licence: LicenceOut = Field(description="Lizenz der Inhalte der Plattform.")


def _knowledge(request: HttpRequest, page: GuidePage | ChecklistPage) -> dict:
    return {
        **page_ref(request, page),
        "demo": page.is_demo,
        "intro": page.intro,
        "author_organisation": page.author_organisation,
        "guidelines": [term(g) for g in page.guidelines.all()],
    }


def _guide(request: HttpRequest, page: GuidePage, examples: list[GuideExampleProject]) -> dict:
    return {
        **_knowledge(request, page),
        "sections": [
            {"heading": block.value["heading"], "body": rich_text(block.value["body"].source)}
            for block in page.sections
        ],
        "example_projects": [
            {
                **page_ref(request, example.project),
                "municipality": municipality_ref(example.project.lead_municipality)
                if example.project.lead_municipality
                else None,
                "note": example.note,
            }
            for example in examples
        ],
    }


def _checklist(request: HttpRequest, page: ChecklistPage, guidelines: dict[str, Guideline]) -> dict:
    items = []
    for number, block in enumerate(page.items, start=1):
        value = block.value
        phase = value["phase"]
        items.append(
            {
                "number": number,
                "text": value["text"],
                "explanation": value["explanation"] or "",
                "phase": phase,
                "phase_label": str(Phase(phase).label) if phase in Phase.values else phase,
                "required": bool(value["required"]),
                "guidelines": [
                    term(guidelines[code]) if code in guidelines else {"code": code, "title": ""}
                    for code in value["guidelines"]
                ],
            }
        )
    return {**_knowledge(request, page), "is_pruefraster": page.is_pruefraster, "items": items}


@router.get(
    "wissen/",
    response=KnowledgeListOut,
    url_name="knowledge",
    summary="Leitfäden und Checklisten",
    description=(
        "Alle veröffentlichten Leitfäden (mit Abschnitten und Beispielprojekten) und Checklisten bzw. "
        "Prüfraster (mit allen Prüfpunkten, ihrer Phase und ihren Charta-Leitlinien)."
    ),
)
def knowledge(request: HttpRequest) -> dict:
    guides = list(GuidePage.objects.live().public().prefetch_related("guidelines").order_by("title", "pk"))
    examples: dict[int, list[GuideExampleProject]] = {guide.pk: [] for guide in guides}
    public_projects = ProjectPage.objects.live().public()
    for example in (
        GuideExampleProject.objects.filter(page__in=guides, project__in=public_projects)
        .select_related("project__lead_municipality__state")
        .order_by("sort_order", "pk")
    ):
        examples[example.page_id].append(example)
    checklists = list(ChecklistPage.objects.live().public().prefetch_related("guidelines").order_by("title", "pk"))
    guidelines = {g.code: g for g in Guideline.objects.all()}
    return {
        "guides": [_guide(request, g, examples[g.pk]) for g in guides],
        "checklists": [_checklist(request, c, guidelines) for c in checklists],
        "licence": licence_out(content_licence()),
    }
