"""The platform's public content in the exchange format: what the open-data downloads publish.

It is the exchange format of ``manage.py export_content`` (cms.exchange.exporter), with these
differences, and only these:

- Only pages that are live *and* public: a page behind a view restriction (its own or an
  ancestor's) is left out, and so are lineage links and example projects that point at a page
  which is not exported. Drafts never appear.
- The contact is the role only (``{"role": …}``): never a name or an e-mail address.
- Attached images, documents and report PDFs are absolute URLs instead of files beside the JSON:
  a file reference is ``{"url": …, "title": …}`` (images keep ``alt_text`` and ``caption``).
  Images link to the rendition the site shows, documents to the site's document download (which
  applies its access checks).
- Image and document blocks inside ``body``, which the exchange format does not import, are kept
  (an export should not drop content), with the URL in place of the block's database id.
- Every page record carries ``url``, the page's absolute address, after its ``title``.
- The document carries ``licence`` (the content's licence) and ``registry_licence`` (the
  municipality data's licence with its required attribution).

Everything else is the exchange format itself, ``format`` and ``version`` included, so the file
validates against fixtures/schema/exchange.schema.json except for exactly those members (a test
checks that no other schema error appears).

Pages are read in batches with a fixed number of database queries per batch: the relations of a
whole batch are prefetched and the reports, lineage links and block files of a batch are loaded
at once. ``build()`` uses that for the whole site; ``items()`` for the hits of a search download.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from urllib.parse import urljoin

from django.db.models import Prefetch, QuerySet, Value
from django.db.models.functions import Length, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.blocks import ListBlock
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.models import SourceImageIOError
from wagtail.models import Page
from wagtail.query import PageQuerySet

from cms.content_types import KEY_OF_MODEL
from cms.core.licence import REGISTRY_LICENCE, content_licence
from cms.knowledge.models import ChecklistPage, GuidePage
from cms.projects.models import (
    CHARTA_TERM_FIELDS,
    GALLERY_RENDITION,
    EvaluationReportPage,
    ExperienceReportPage,
    MunicipalityPage,
    ProjectAdaptation,
    ProjectPage,
)
from registry.loaders import data_attribution

from .exporter import Exporter
from .tables import Item
from .validation import FORMAT_NAME, FORMAT_VERSION

# The rendition the content blocks show (templates/blocks/image.html).
BLOCK_RENDITION = "max-1200x900"
# Pages read (and their relations prefetched) at a time.
BATCH_SIZE = 200
PROJECT_RELATIONS = (
    "partner_municipalities",
    "partner_organisations",
    *CHARTA_TERM_FIELDS,
    "tagged_items__tag",
    "datasets",
    "attachments__document",
)
REPORT_MODELS = (ExperienceReportPage, EvaluationReportPage)
KIND_OF_MODEL: dict[type[Page], str] = KEY_OF_MODEL


def licence_member() -> dict:
    """The ``licence`` member of the public document (and of the search download's JSON)."""
    licence = content_licence()
    return {"name": licence.name, "short_name": licence.short_name, "url": licence.url, "spdx": licence.spdx}


def registry_licence_member() -> dict:
    return {
        "name": REGISTRY_LICENCE.name,
        "short_name": REGISTRY_LICENCE.short_name,
        "url": REGISTRY_LICENCE.url,
        "attribution": data_attribution(),
    }


def licence_notes(source: str) -> list[tuple[str, str]]:
    """What a spreadsheet's sheet "Lizenz" says: the licences, the attribution and where the data came from."""
    licence = content_licence()
    return [
        (str(_("Lizenz der Inhalte")), f"{licence.name} ({licence.short_name})"),
        (str(_("Lizenztext")), licence.url),
        (str(_("Quelle")), source),
        (str(_("Stand")), timezone.localdate().isoformat()),
        (str(_("Gemeindedaten")), data_attribution()),
        (str(_("Lizenz der Gemeindedaten")), f"{REGISTRY_LICENCE.name} ({REGISTRY_LICENCE.url})"),
    ]


def _parent_path(path: str) -> str:
    return path[: -Page.steplen]


def _with_url(record: dict, url: str) -> dict:
    """The record with ``url`` right after ``title`` (where a reader looks for it)."""
    result = {}
    for key, value in record.items():
        result[key] = value
        if key == "title":
            result["url"] = url
    result.setdefault("url", url)
    return result


class PublicExporter(Exporter):
    """The exchange records of the live, public pages; see the module docstring."""

    def __init__(self, base_url: str):
        """``base_url``: the site's root URL (``Site.root_url``), which file URLs are made absolute with."""
        super().__init__()
        self.base_url = base_url.rstrip("/") + "/"
        # Loaded per batch by ``_load_batch`` and read by the hooks below while its records are built.
        self._reports: dict[str, list] = {}
        self._adaptations: dict[int, list[dict]] = {}
        self._images: dict[int, str] = {}
        self._documents: dict[int, str] = {}

    # ------------------------------------------------------------------ the hooks of Exporter

    def visible(self, pages: PageQuerySet) -> PageQuerySet:
        return pages.live().public()

    def codes(self, manager) -> list[str]:
        # Sorted here rather than by the database, so that a prefetched relation costs no query.
        return [term.code for term in sorted(manager.all(), key=lambda term: (term.sort_order, term.code))]

    def tags(self, page: ProjectPage) -> list[str]:
        return sorted(item.tag.name for item in page.tagged_items.all())

    def contact(self, page: ProjectPage) -> dict:
        return {"role": page.contact_role}

    def image_ref(self, image, title: str) -> dict:
        return {"url": self._rendition_url(image, GALLERY_RENDITION), "title": title}

    def document_ref(self, document, title: str) -> dict:
        return {"url": self.absolute(document.url), "title": title}

    def body(self, stream) -> list[dict]:
        """The blocks as stored, with image and document ids replaced by their URLs.

        Read from the stored data, not through the blocks' values: those would load each page's
        images and documents with queries of their own, where ``_load_block_files`` loads a batch's.
        """
        raw = []
        child_blocks = stream.stream_block.child_blocks
        for data in stream.raw_data:
            block_type, value = data["type"], data["value"]
            if isinstance(child_blocks.get(block_type), ListBlock):
                value = [v["value"] if isinstance(v, dict) and "type" in v and "value" in v else v for v in value]
            elif block_type == "image" and isinstance(value, dict):
                value = {**value, "image": self._block_image_url(value.get("image"))}
            elif block_type == "document" and isinstance(value, dict):
                value = {**value, "document": self._block_document_url(value.get("document"))}
            raw.append({"type": block_type, "value": value})
        return raw

    def reports_of(self, page: ProjectPage) -> list:
        if page.path in self._reports:
            return self._reports[page.path]
        return super().reports_of(page)

    def adaptations(self, page: ProjectPage) -> list[dict]:
        if page.pk in self._adaptations:
            return self._adaptations[page.pk]
        return super().adaptations(page)

    def example_projects(self, page: GuidePage) -> list[dict]:
        return [
            {"project": example.project.external_id, "note": example.note}
            for example in page.example_projects.all()
            if example.project_id in self.exported_projects
        ]

    # ------------------------------------------------------------------ records with their URL

    def page_url(self, page: Page) -> str:
        return page.get_full_url() or ""

    def absolute(self, url: str) -> str:
        return urljoin(self.base_url, url) if url else ""

    def municipality(self, page: MunicipalityPage, projects: list[dict] | None = None) -> dict:
        return _with_url(super().municipality(page, projects), self.page_url(page))

    def project(self, page: ProjectPage) -> dict:
        return _with_url(super().project(page), self.page_url(page))

    def report(self, page) -> dict:
        return _with_url(super().report(page), self.page_url(page))

    def guide(self, page: GuidePage) -> dict:
        return _with_url(super().guide(page), self.page_url(page))

    def checklist(self, page: ChecklistPage) -> dict:
        return _with_url(super().checklist(page), self.page_url(page))

    def stub(self, page: Page) -> dict:
        """The short form rows name a report's project or an item's municipality by."""
        record = {"id": page.external_id, "title": page.title, "url": self.page_url(page)}
        if isinstance(page, MunicipalityPage):
            record["ags"] = page.municipality.ags
        return record

    # ------------------------------------------------------------------ files

    def _rendition_url(self, image, spec: str) -> str:
        try:
            return self.absolute(image.get_rendition(spec).url)
        except SourceImageIOError:
            return ""  # the original is missing from the storage: nothing the site could show either

    def _block_image_url(self, image_id) -> str | None:
        if not isinstance(image_id, int):
            return None
        if image_id not in self._images:
            self._load_block_files(images={image_id}, documents=set())
        return self._images.get(image_id)

    def _block_document_url(self, document_id) -> str | None:
        if not isinstance(document_id, int):
            return None
        if document_id not in self._documents:
            self._load_block_files(images=set(), documents={document_id})
        return self._documents.get(document_id)

    def _load_block_files(self, images: set[int], documents: set[int]) -> None:
        """The URLs of these images and documents, in one query each; absent ones map to nothing."""
        if images:
            for image in get_image_model().objects.filter(pk__in=images).prefetch_renditions(BLOCK_RENDITION):
                self._images[image.pk] = self._rendition_url(image, BLOCK_RENDITION)
        if documents:
            for document in get_document_model().objects.filter(pk__in=documents):
                self._documents[document.pk] = self.absolute(document.url)

    def _block_files_of(self, pages: Iterable[Page]) -> None:
        images: set[int] = set()
        documents: set[int] = set()
        for page in pages:
            for data in page.body.raw_data:
                value = data["value"]
                if data["type"] == "image" and isinstance(value, dict) and isinstance(value.get("image"), int):
                    images.add(value["image"])
                elif data["type"] == "document" and isinstance(value, dict) and isinstance(value.get("document"), int):
                    documents.add(value["document"])
        self._load_block_files(images - self._images.keys(), documents - self._documents.keys())

    # ------------------------------------------------------------------ batches

    def _projects(self) -> PageQuerySet:
        images = get_image_model().objects.prefetch_renditions(GALLERY_RENDITION)
        return (
            self.visible(ProjectPage.objects.all())
            .select_related("lead_municipality")
            .prefetch_related(*PROJECT_RELATIONS, Prefetch("gallery_images__image", queryset=images))
        )

    def _report_pages(self, model) -> PageQuerySet:
        reports = self.visible(model.objects.all()).select_related("pdf")
        return reports.prefetch_related("indicators") if model is EvaluationReportPage else reports

    def _child_reports(self, project_paths: Sequence[str]) -> dict[str, list]:
        """The exported reports directly below these projects, by project path, in external-id order."""
        parent_path = Substr("path", 1, Length("path") - Value(Page.steplen))
        by_parent: dict[str, list] = defaultdict(list)
        for model in REPORT_MODELS:
            for report in (
                self._report_pages(model).annotate(parent_path=parent_path).filter(parent_path__in=project_paths)
            ):
                by_parent[report.parent_path].append(report)
        return {path: sorted(reports, key=lambda r: r.external_id) for path, reports in by_parent.items()}

    def _load_batch(self, projects: list[ProjectPage]) -> None:
        """Reports, lineage links and block files of a batch of projects: a fixed number of queries."""
        reports = self._child_reports([p.path for p in projects])
        self._reports = {p.path: reports.get(p.path, []) for p in projects}
        adaptations: dict[int, list[dict]] = {p.pk: [] for p in projects}
        links = (
            ProjectAdaptation.objects.filter(page_id__in=list(adaptations))
            .select_related("source")
            .order_by("sort_order", "pk")
        )
        for link in links:
            if link.source_id in self.exported_projects:
                adaptations[link.page_id].append({"project": link.source.external_id, "note": link.note})
        self._adaptations = adaptations
        self._block_files_of([*projects, *(r for rs in reports.values() for r in rs)])

    def _batches(self, pages: QuerySet, ids: Sequence[int] | None = None) -> Iterator[list]:
        """The pages (all, or those of ``ids``) in primary-key order, BATCH_SIZE at a time."""
        if ids is not None:
            for start in range(0, len(ids), BATCH_SIZE):
                yield list(pages.filter(pk__in=ids[start : start + BATCH_SIZE]).order_by("pk"))
            return
        last = 0
        while batch := list(pages.filter(pk__gt=last).order_by("pk")[:BATCH_SIZE]):
            yield batch
            last = batch[-1].pk

    def project_records(self, ids: Sequence[int] | None = None) -> Iterator[tuple[ProjectPage, dict]]:
        """(page, record) of the public projects (all, or those of ``ids``), a batch at a time."""
        for batch in self._batches(self._projects(), ids):
            self._load_batch(batch)
            for page in batch:
                yield page, self.project(page)
        self._reports, self._adaptations = {}, {}

    # ------------------------------------------------------------------ the whole site

    def build(self) -> dict:
        """The public document: every exported municipality with its projects, every guide and checklist."""
        projects: dict[str, list[dict]] = defaultdict(list)
        for page, record in self.project_records():
            if page.pk in self.exported_projects:
                projects[_parent_path(page.path)].append(record)
        municipalities = self.visible(MunicipalityPage.objects.select_related("municipality")).order_by("external_id")
        guides = self.visible(GuidePage.objects.all()).prefetch_related("guidelines", "example_projects__project")
        checklists = self.visible(ChecklistPage.objects.all()).prefetch_related("guidelines")
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "licence": licence_member(),
            "registry_licence": registry_licence_member(),
            "municipalities": [
                self.municipality(m, sorted(projects.get(m.path, []), key=lambda r: r["id"])) for m in municipalities
            ],
            "guides": [self.guide(g) for g in guides.order_by("external_id")],
            "checklists": [self.checklist(c) for c in checklists.order_by("external_id")],
        }

    # ------------------------------------------------------------------ the hits of a search

    def items(self, page_ids: Sequence[int]) -> list[Item]:
        """One Item per public page of these ids (in their order); ids of other pages are skipped.

        For the search download: a fixed number of queries for up to BATCH_SIZE ids, whatever
        their kinds. A project's Item holds its full record (with its reports), a report's its
        record with short forms of its project and municipality, guides and checklists their record.
        """
        by_model: dict[type[Page], list[int]] = defaultdict(list)
        models = {model._meta.label_lower: model for model in KIND_OF_MODEL}
        rows = Page.objects.filter(pk__in=list(page_ids)).values_list(
            "pk", "content_type__app_label", "content_type__model"
        )
        for pk, app_label, model_name in rows:
            model = models.get(f"{app_label}.{model_name}")
            if model is not None:
                by_model[model].append(pk)
        found: dict[int, Item] = {}
        pages: dict[int, Page] = {}

        for page, record in self.project_records(by_model.get(ProjectPage, [])):
            pages[page.pk] = page
            found[page.pk] = Item("projekt", record)
        reports = [
            report
            for model in REPORT_MODELS
            for report in self._report_pages(model).filter(pk__in=by_model.get(model, []))
        ]
        self._block_files_of(reports)
        for report in reports:
            pages[report.pk] = report
            found[report.pk] = Item(KIND_OF_MODEL[type(report)], self.report(report))
        guides = self.visible(GuidePage.objects.filter(pk__in=by_model.get(GuidePage, [])))
        for guide in guides.prefetch_related("guidelines", "example_projects__project"):
            found[guide.pk] = Item("leitfaden", self.guide(guide))
        checklists = self.visible(ChecklistPage.objects.filter(pk__in=by_model.get(ChecklistPage, [])))
        for checklist in checklists.prefetch_related("guidelines"):
            found[checklist.pk] = Item("checkliste", self.checklist(checklist))

        # The projects of the reports and the municipalities of projects and reports, in two queries.
        project_path = {pk: _parent_path(page.path) for pk, page in pages.items() if found[pk].kind != "projekt"}
        municipality_path = {
            pk: _parent_path(project_path[pk] if pk in project_path else page.path) for pk, page in pages.items()
        }
        parents = {p.path: p for p in ProjectPage.objects.filter(path__in=set(project_path.values()))}
        municipalities = {
            m.path: m
            for m in MunicipalityPage.objects.filter(path__in=set(municipality_path.values())).select_related(
                "municipality"
            )
        }
        items = []
        for pk in page_ids:
            item = found.get(pk)
            if item is None:
                continue
            if pk in pages:
                project = parents.get(project_path.get(pk, ""))
                municipality = municipalities.get(municipality_path[pk])
                item = Item(
                    item.kind,
                    item.record,
                    municipality=self.stub(municipality) if municipality is not None else None,
                    project=self.stub(project) if project is not None else None,
                )
            items.append(item)
        return items


def public_document(base_url: str) -> dict:
    """The whole public content as one exchange document; see the module docstring."""
    return PublicExporter(base_url).build()
