"""One index document per public item, built by one mapping function per page type.

Documents are plain dicts so that every engine indexes exactly the same data; a result
card is rendered from the stored fields alone, without a database query per hit.

Shape: ``id`` (the page's primary key as a string), the text fields ``title``, ``summary``
and ``body``, ``title_sort`` (casefolded title), one list of strings per keyword field
(every facet, plus ``municipality_ags``), the scalar strings in SCALAR_FIELDS (``date`` is
ISO ``YYYY-MM-DD`` or ""), and the integers in INTEGER_FIELDS.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from django.utils.html import strip_tags
from wagtail.models import Page

from cms.knowledge.models import ChecklistPage, GuidePage
from cms.projects.models import EvaluationReportPage, ExperienceReportPage, ProjectAdaptation, ProjectPage
from registry.taxonomy import expand_guideline_codes

from .facets import FACETS, budget_band

Document = dict[str, Any]

# Full-text fields and their BM25 boosts.
TEXT_FIELDS: dict[str, float] = {"title": 3.0, "summary": 2.0, "body": 1.0}
# Keyword fields, each a list of strings: every facet plus the municipality key.
FACET_FIELDS: tuple[str, ...] = tuple(f.field for f in FACETS)
KEYWORD_FIELDS: tuple[str, ...] = (*FACET_FIELDS, "municipality_ags")
# Scalar fields, stored for result cards and sorting. Engines store these and the keyword
# fields; only ``body`` and ``title_sort`` need not be returned.
SCALAR_FIELDS: tuple[str, ...] = (
    "id",
    "url",
    "title",
    "summary",
    "municipality_name",
    "state_name",
    "urbanisation",
    "date",
)
INTEGER_FIELDS: tuple[str, ...] = ("population", "reuse_count")
CONTENT_TYPE_OF = {
    ProjectPage: "projekt",
    ExperienceReportPage: "erfahrungsbericht",
    EvaluationReportPage: "evaluationsbericht",
    GuidePage: "leitfaden",
    ChecklistPage: "checkliste",
}
INDEXED_MODELS = tuple(CONTENT_TYPE_OF)


def _text(*parts: Any) -> str:
    return "\n".join(strip_tags(str(p)) for p in parts if p)


def _stream_text(stream) -> str:
    chunks: list[str] = []
    for child in stream:
        chunks.extend(str(c) for c in child.block.get_searchable_content(child.value))
    return _text(*chunks)


def _codes(manager) -> list[str]:
    return [t.code for t in manager.all()]


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def _empty() -> Document:
    doc: Document = {name: [] for name in KEYWORD_FIELDS}
    doc.update({name: "" for name in SCALAR_FIELDS})
    doc.update({name: 0 for name in INTEGER_FIELDS})
    doc.update({"body": "", "title_sort": ""})
    return doc


def _municipality_fields(doc: Document, municipality) -> None:
    if municipality is None:
        return
    doc.update(
        municipality_ags=[municipality.ags],
        municipality_name=municipality.name,
        state=[municipality.ags[:2]],
        state_name=municipality.state.name,
        size_class=[municipality.size_class],
        urbanisation=municipality.urbanisation,
        population=municipality.population,
    )


def _finish(doc: Document, page: Page, kind: str, summary: str, day: date | None) -> Document:
    doc["id"] = str(page.pk)
    doc["content_type"] = [kind]
    doc["title"] = page.title
    doc["title_sort"] = page.title.casefold()
    doc["summary"] = summary
    doc["url"] = page.url or ""
    day = day or (page.last_published_at or page.first_published_at or page.latest_revision_created_at)
    if hasattr(day, "date"):
        day = day.date()
    doc["date"] = _iso(day)
    doc["year"] = [str(day.year)] if day else []
    return doc


def project_fields(page: ProjectPage) -> Document:
    """The facets a project passes on to its reports, which are about the same project."""
    doc = _empty()
    _municipality_fields(doc, page.lead_municipality)
    has_evaluation = EvaluationReportPage.objects.child_of(page).live().public().exists()
    doc.update(
        guideline=expand_guideline_codes(_codes(page.guidelines)),
        leitbild=_codes(page.leitbild),
        recommendation=_codes(page.recommendations),
        action_field=_codes(page.action_fields),
        tag=sorted(t.name for t in page.tags.all()),
        status=[page.status],
        budget=[b] if (b := budget_band(page.budget_eur)) else [],
        open_source=["ja" if page.open_source_license else "nein"],
        has_evaluation=["ja" if has_evaluation else "nein"],
    )
    return doc


def reuse_count(page: ProjectPage) -> int:
    """How many live, public projects name this one as adapted from (lineage, "Nachnutzung")."""
    return ProjectAdaptation.objects.filter(source_id=page.pk, page__in=ProjectPage.objects.live().public()).count()


def project_document(page: ProjectPage) -> Document:
    doc = project_fields(page)
    # The project's own, not passed on to its reports: only projects are (or are not) "nachgenutzt".
    doc["reuse_count"] = reuse_count(page)
    doc["reused"] = ["ja" if doc["reuse_count"] else "nein"]
    doc["body"] = _text(
        page.problem,
        page.solution,
        page.transferability,
        page.lessons_learned,
        page.funding_programme,
        _stream_text(page.body),
        doc["municipality_name"],
        " ".join(doc["tag"]),
    )
    return _finish(doc, page, "projekt", page.summary, page.start_date)


def report_document(page: ExperienceReportPage | EvaluationReportPage) -> Document:
    project = page.get_parent().specific
    doc = project_fields(project) if isinstance(project, ProjectPage) else _empty()
    is_evaluation = isinstance(page, EvaluationReportPage)
    extra = []
    if is_evaluation:
        doc["has_evaluation"] = ["ja"]
        extra = [page.method, page.goal_attainment_note, " ".join(i.name for i in page.indicators.all())]
    doc["body"] = _text(
        page.findings, *extra, _stream_text(page.body), page.pdf_text, project.title, page.author_organisation
    )
    summary = strip_tags(str(page.findings))[:400]
    return _finish(doc, page, "evaluationsbericht" if is_evaluation else "erfahrungsbericht", summary, page.report_date)


def guide_document(page: GuidePage) -> Document:
    doc = _empty()
    doc["guideline"] = expand_guideline_codes(_codes(page.guidelines))
    doc["body"] = _text(page.author_organisation, _stream_text(page.sections))
    return _finish(doc, page, "leitfaden", page.intro, None)


def checklist_document(page: ChecklistPage) -> Document:
    doc = _empty()
    doc["guideline"] = expand_guideline_codes(sorted(set(_codes(page.guidelines)) | page.item_guideline_codes()))
    doc["body"] = _text(
        page.author_organisation,
        "Prüfraster" if page.is_pruefraster else "",
        *(f"{b.value['text']} {b.value['explanation']}" for b in page.items),
    )
    return _finish(doc, page, "checkliste", page.intro, None)


BUILDERS = {
    ProjectPage: project_document,
    ExperienceReportPage: report_document,
    EvaluationReportPage: report_document,
    GuidePage: guide_document,
    ChecklistPage: checklist_document,
}


def is_indexable(page: Page) -> bool:
    return type(page) in BUILDERS and page.live and not page.get_view_restrictions().exists()


def document_for(page: Page) -> Document | None:
    """The index document for a live, public page of an indexed type; None otherwise."""
    page = page.specific
    if not is_indexable(page):
        return None
    return BUILDERS[type(page)](page)


def all_documents() -> Iterator[Document]:
    for model in INDEXED_MODELS:
        pages = model.objects.live().public().order_by("pk")
        if model is ProjectPage:
            pages = pages.select_related("lead_municipality__state").prefetch_related(
                "guidelines", "leitbild", "recommendations", "action_fields", "tagged_items__tag"
            )
        for page in pages.iterator(chunk_size=200) if model is not ProjectPage else pages:
            yield BUILDERS[model](page)


def indexable_count() -> int:
    return sum(model.objects.live().public().count() for model in INDEXED_MODELS)
