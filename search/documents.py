"""One index document per public item, built by one mapping function per page type.

Documents are plain dicts so that every engine indexes exactly the same data; a result
card is rendered from the stored fields alone, without a database query per hit.

Shape: ``id`` (the page's primary key as a string), the text fields ``title``, ``summary``,
``body`` and ``extra`` (everything else public about a project that a search should find:
partner municipalities and organisations, the lead municipality's district, indicator names of its evaluations,
the contact's role, the funding programme; weighted lowest, so that a project *about* Feldberg
ranks above one that merely has Feldberg as a partner), ``title_sort`` (casefolded title), one list of strings per keyword field
(every facet, plus ``municipality_ags``), the scalar strings in SCALAR_FIELDS (``date`` is
ISO ``YYYY-MM-DD`` or "": a project's start, a report's date, otherwise the publication day;
``published`` is the ISO date and time, in UTC, when the page was last published, which feeds
and alerts order and filter by; ``external_id`` is the exchange format's stable id), and the
integers in INTEGER_FIELDS.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from html import unescape
from typing import Any

from django.db.models import Count, Value
from django.db.models.functions import Length, Substr
from django.utils.html import strip_tags
from wagtail.models import Page

from cms.content_types import KEY_OF_MODEL
from cms.knowledge.models import ChecklistPage, GuidePage
from cms.projects.models import EvaluationReportPage, ExperienceReportPage, Indicator, ProjectAdaptation, ProjectPage
from registry.taxonomy import expand_guideline_codes

from .facets import FACETS, budget_band

Document = dict[str, Any]

# Full-text fields and their BM25 boosts.
TEXT_FIELDS: dict[str, float] = {"title": 3.0, "summary": 2.0, "body": 1.0, "extra": 0.5}
# Keyword fields, each a list of strings: every facet plus the municipality key.
FACET_FIELDS: tuple[str, ...] = tuple(f.field for f in FACETS)
KEYWORD_FIELDS: tuple[str, ...] = (*FACET_FIELDS, "municipality_ags")
# Scalar fields, stored for result cards and sorting. Engines store these and the keyword
# fields; only ``body`` and ``title_sort`` need not be returned.
SCALAR_FIELDS: tuple[str, ...] = (
    "id",
    "external_id",
    "url",
    "title",
    "summary",
    "municipality_name",
    "state_name",
    "urbanisation",
    "date",
    "published",
)
INTEGER_FIELDS: tuple[str, ...] = ("population", "reuse_count")
# The indexed body is cut after this many characters, in every engine: a 500-page PDF would
# otherwise make highlighting fail or crawl on every search that finds it. The first 200,000
# characters (about 60 pages) hold what a search should find; the page itself is unchanged.
MAX_BODY_CHARS = 200_000
CONTENT_TYPE_OF = KEY_OF_MODEL  # cms/content_types.py
INDEXED_MODELS = tuple(CONTENT_TYPE_OF)
# ``all_documents`` reads this many pages at a time: a fixed number of queries per batch, and
# memory bounded by the batch, not by the size of the site.
BATCH_SIZE = 500
# What a project's document reads through its relations, loaded for a whole batch at once.
PROJECT_RELATIONS = (
    "guidelines",
    "leitbild",
    "recommendations",
    "action_fields",
    "tagged_items__tag",
    "partner_municipalities",
    "partner_organisations",
)
# Where one block of rich text ends and the next begins: without a break there,
# "<p>nicht.</p><p>Am …</p>" would become "nicht.Am" in the index and in snippets.
_BLOCK_END = re.compile(
    r"</(?:p|h[1-6]|li|blockquote|div|pre|tr|td|th|dt|dd|figcaption|table|ul|ol)\s*>|<(?:br|hr)\b[^>]*>", re.I
)
# A contact role is public, a contact's e-mail address is not: never index one typed into the role.
_EMAIL = re.compile(r"\S+@\S+")


def _plain(value: Any) -> str:
    """Text of an HTML fragment, one line per block, entities decoded, spaces collapsed."""
    text = unescape(strip_tags(_BLOCK_END.sub(lambda m: m.group(0) + "\n", str(value))))
    return "\n".join(line for line in (" ".join(raw.split()) for raw in text.splitlines()) if line)


def _text(*parts: Any) -> str:
    return "\n".join(text for p in parts if p and (text := _plain(p)))


def _stream_text(stream) -> str:
    chunks: list[str] = []
    for child in stream:
        chunks.extend(str(c) for c in child.block.get_searchable_content(child.value))
    return _text(*chunks)


def _codes(manager) -> list[str]:
    return [t.code for t in manager.all()]


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def _utc_iso(moment: datetime | None) -> str:
    """``2026-12-07T09:30:00+00:00``: one notation in every engine, so that string order is time order."""
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else ""


def _empty() -> Document:
    doc: Document = {name: [] for name in KEYWORD_FIELDS}
    doc.update({name: "" for name in SCALAR_FIELDS})
    doc.update({name: 0 for name in INTEGER_FIELDS})
    doc.update({"body": "", "extra": "", "title_sort": ""})
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
    doc["body"] = doc["body"][:MAX_BODY_CHARS]
    doc["extra"] = doc["extra"][:MAX_BODY_CHARS]
    doc["content_type"] = [kind]
    doc["title"] = page.title
    doc["title_sort"] = page.title.casefold()
    doc["summary"] = summary
    doc["url"] = page.url or ""
    doc["external_id"] = page.external_id or ""
    doc["published"] = _utc_iso(page.last_published_at or page.first_published_at)
    day = day or (page.last_published_at or page.first_published_at or page.latest_revision_created_at)
    if hasattr(day, "date"):
        day = day.date()
    doc["date"] = _iso(day)
    doc["year"] = [str(day.year)] if day else []
    return doc


def project_fields(page: ProjectPage, has_evaluation: bool | None = None) -> Document:
    """The facets a project passes on to its reports, which are about the same project.

    ``has_evaluation`` is looked up when not given; ``all_documents`` gives it for a whole batch.
    """
    doc = _empty()
    _municipality_fields(doc, page.lead_municipality)
    if has_evaluation is None:
        has_evaluation = EvaluationReportPage.objects.child_of(page).live().public().exists()
    doc.update(
        guideline=expand_guideline_codes(_codes(page.guidelines)),
        leitbild=_codes(page.leitbild),
        recommendation=_codes(page.recommendations),
        action_field=_codes(page.action_fields),
        tag=sorted(item.tag.name for item in page.tagged_items.all()),  # the batch prefetches these
        status=[page.status],
        budget=[b] if (b := budget_band(page.budget_eur)) else [],
        open_source=["ja" if page.open_source_license else "nein"],
        has_evaluation=["ja" if has_evaluation else "nein"],
        # all() rather than values_list(): the batch prefetches the partners
        partner_type=sorted({o.type for o in page.partner_organisations.all()}),
    )
    return doc


def reuse_count(page: ProjectPage) -> int:
    """How many live, public projects name this one as adapted from (lineage, "Nachnutzung")."""
    return ProjectAdaptation.objects.filter(source_id=page.pk, page__in=ProjectPage.objects.live().public()).count()


def project_extra(page: ProjectPage, indicators: Iterable[str] | None = None) -> str:
    """The ``extra`` text of a project: partner municipalities and organisations, the lead municipality's district,
    indicator names of its live, public evaluation reports (looked up when not given), the
    contact's role (without any e-mail address) and the funding programme."""
    if indicators is None:
        indicators = _indicator_names([page.path]).get(page.path, [])
    lead = page.lead_municipality
    return _text(
        *sorted(m.name for m in page.partner_municipalities.all()),  # the batch prefetches these
        *(o.name for o in page.partner_organisations.all()),
        lead.district.name if lead is not None else "",
        *indicators,
        _EMAIL.sub(" ", page.contact_role),
        page.funding_programme,
    )


def project_document(
    page: ProjectPage,
    reuse: int | None = None,
    has_evaluation: bool | None = None,
    indicators: Iterable[str] | None = None,
) -> Document:
    doc = project_fields(page, has_evaluation)
    # The project's own, not passed on to its reports: only projects are (or are not) "nachgenutzt".
    doc["reuse_count"] = reuse_count(page) if reuse is None else reuse
    doc["reused"] = ["ja" if doc["reuse_count"] else "nein"]
    doc["body"] = _text(
        page.problem,
        page.solution,
        page.transferability,
        page.lessons_learned,
        _stream_text(page.body),
        doc["municipality_name"],
        " ".join(doc["tag"]),
    )
    doc["extra"] = project_extra(page, indicators)
    return _finish(doc, page, "projekt", page.summary, page.start_date)


def report_document(
    page: ExperienceReportPage | EvaluationReportPage, project: Page | None = None, has_evaluation: bool | None = None
) -> Document:
    """``project`` (the parent page) and whether it has an evaluation are looked up when not given."""
    if project is None:
        project = page.get_parent().specific
    doc = project_fields(project, has_evaluation) if isinstance(project, ProjectPage) else _empty()
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


def _batches(pages, size: int) -> Iterator[list]:
    """The pages in primary-key order, ``size`` at a time; each batch runs the queryset's prefetches once."""
    last = 0
    while batch := list(pages.filter(pk__gt=last).order_by("pk")[:size]):
        yield batch
        last = batch[-1].pk


def _evaluated(project_paths: Iterable[str]) -> set[str]:
    """Which of these project paths have a live, public evaluation report directly below, in one query."""
    parent_path = Substr("path", 1, Length("path") - Value(Page.steplen))
    return set(
        EvaluationReportPage.objects.live()
        .public()
        .annotate(parent_path=parent_path)
        .filter(parent_path__in=list(project_paths))
        .values_list("parent_path", flat=True)
    )


def _indicator_names(project_paths: Iterable[str]) -> dict[str, list[str]]:
    """Indicator names of the live, public evaluation reports below these project paths, in one query."""
    parent_path = Substr("page__path", 1, Length("page__path") - Value(Page.steplen))
    rows = (
        Indicator.objects.filter(page__in=EvaluationReportPage.objects.live().public())
        .annotate(parent_path=parent_path)
        .filter(parent_path__in=list(project_paths))
        .order_by("page__path", "sort_order", "pk")
        .values_list("parent_path", "name")
    )
    names: dict[str, list[str]] = {}
    for path, name in rows:
        names.setdefault(path, []).append(name)
    return names


def _reuse_counts(project_ids: list[int]) -> dict[int, int]:
    """``reuse_count`` for a batch of projects, in one query."""
    rows = (
        ProjectAdaptation.objects.filter(source_id__in=project_ids, page__in=ProjectPage.objects.live().public())
        .order_by()
        .values("source_id")
        .annotate(count=Count("pk"))
    )
    return {row["source_id"]: row["count"] for row in rows}


def _projects():
    return ProjectPage.objects.select_related(
        "lead_municipality__state", "lead_municipality__district"
    ).prefetch_related(*PROJECT_RELATIONS)


def _project_documents(batch: list[ProjectPage]) -> Iterator[Document]:
    evaluated = _evaluated(page.path for page in batch)
    reuse = _reuse_counts([page.pk for page in batch])
    indicators = _indicator_names(evaluated)
    for page in batch:
        yield project_document(page, reuse.get(page.pk, 0), page.path in evaluated, indicators.get(page.path, []))


def _report_documents(batch: list[ExperienceReportPage | EvaluationReportPage]) -> Iterator[Document]:
    steplen = Page.steplen
    projects = {project.path: project for project in _projects().filter(path__in={p.path[:-steplen] for p in batch})}
    evaluated = _evaluated(projects)
    for page in batch:
        project = projects.get(page.path[:-steplen])
        if project is None:  # not below a project (the page types forbid it): looked up on its own
            yield report_document(page)
        else:
            yield report_document(page, project, project.path in evaluated)


def all_documents(batch_size: int = BATCH_SIZE) -> Iterator[Document]:
    """Every live, public page's document, in model and primary-key order.

    Built ``batch_size`` pages at a time with a fixed number of queries per batch (the relations
    of a whole batch are prefetched), so a rebuild's query count grows with the number of
    batches, not of pages.
    """
    for model in INDEXED_MODELS:
        pages = model.objects.live().public()
        if model is ProjectPage:
            pages = pages.select_related("lead_municipality__state", "lead_municipality__district").prefetch_related(
                *PROJECT_RELATIONS
            )
            build = _project_documents
        elif model in (ExperienceReportPage, EvaluationReportPage):
            if model is EvaluationReportPage:
                pages = pages.prefetch_related("indicators")
            build = _report_documents
        else:
            pages, build = pages.prefetch_related("guidelines"), None
        for batch in _batches(pages, batch_size):
            yield from build(batch) if build else (BUILDERS[model](page) for page in batch)


def indexable_count() -> int:
    return sum(model.objects.live().public().count() for model in INDEXED_MODELS)
