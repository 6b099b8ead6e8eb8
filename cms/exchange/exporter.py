"""Export published content in the exchange format, deterministically.

Records are sorted by external id and attached files are named by their content hash, so
the same content always exports to the same bytes: export → import → export is identical.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

from wagtail import blocks
from wagtail.models import Page
from wagtail.query import PageQuerySet

from cms.knowledge.models import ChecklistPage, GuidePage
from cms.projects.models import EvaluationReportPage, ExperienceReportPage, MunicipalityPage, ProjectPage

from .validation import FORMAT_NAME, FORMAT_VERSION


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _codes(manager) -> list[str]:
    return [term.code for term in manager.all().order_by("sort_order", "code")]


def stream_to_raw(stream) -> list[dict]:
    """Stream data without block ids, which are storage details rather than content."""
    raw = []
    for child in stream:
        value = child.block.get_prep_value(child.value)
        if isinstance(child.block, blocks.ListBlock):
            value = [item["value"] if isinstance(item, dict) and "value" in item else item for item in value]
        raw.append({"type": child.block_type, "value": value})
    return raw


class Exporter:
    """The exchange records of the site's live pages, with attached files copied beside the JSON file.

    The small methods below (``visible``, ``codes``, ``image_ref``, ``document_ref``, ``contact``,
    ``body``, ``reports_of``, ``adaptations``, ``example_projects``, ``tags``) are the points where
    cms.exchange.public.PublicExporter differs: only public pages, files by URL, no contact
    details, relations read from prefetched batches. Everything else is one definition of the format.
    """

    def __init__(self, out_file: Path | None = None):
        self.out_file = out_file
        self.files_dir = out_file.parent / "files" if out_file is not None else None

    def visible(self, pages: PageQuerySet) -> PageQuerySet:
        """The pages an export may write: live ones (drafts never leave the site)."""
        return pages.live()

    def codes(self, manager) -> list[str]:
        return _codes(manager)

    def tags(self, page: ProjectPage) -> list[str]:
        return sorted(tag.name for tag in page.tags.all())

    def image_ref(self, image, title: str) -> dict:
        return self.file_ref(image.file, title)

    def document_ref(self, document, title: str) -> dict:
        return self.file_ref(document.file, title)

    def contact(self, page: ProjectPage) -> dict:
        return {"role": page.contact_role, "name": page.contact_name, "email": page.contact_email}

    def body(self, stream) -> list[dict]:
        return stream_to_raw(stream)

    def reports_of(self, page: ProjectPage) -> list:
        """The project's exported reports, in external-id order."""
        return sorted(
            [
                *self.visible(ExperienceReportPage.objects.child_of(page)),
                *self.visible(EvaluationReportPage.objects.child_of(page)),
            ],
            key=lambda r: r.external_id,
        )

    def adaptations(self, page: ProjectPage) -> list[dict]:
        return [
            {"project": a.source.external_id, "note": a.note}
            for a in page.adapted_from.select_related("source").order_by("sort_order", "pk")
            if a.source_id in self.exported_projects
        ]

    def example_projects(self, page: GuidePage) -> list[dict]:
        return [
            {"project": e.project.external_id, "note": e.note} for e in page.example_projects.select_related("project")
        ]

    def file_ref(self, django_file, title: str) -> dict:
        with django_file.open("rb") as fh:
            content = fh.read()
        digest = hashlib.sha256(content).hexdigest()[:16]
        name = f"{digest}{Path(django_file.name).suffix.lower()}"
        self.files_dir.mkdir(parents=True, exist_ok=True)
        target = self.files_dir / name
        if not target.exists():
            target.write_bytes(content)
        return {"file": f"files/{name}", "title": title}

    @cached_property
    def exported_projects(self) -> set[int]:
        """The projects this export writes (live, under a live municipality page). Lineage names only these:
        the file must import on its own, and must not reveal unpublished pages."""
        municipalities = set(self.visible(MunicipalityPage.objects.all()).values_list("path", flat=True))
        return {
            pk
            for pk, path in self.visible(ProjectPage.objects.all()).values_list("pk", "path")
            if path[: -Page.steplen] in municipalities
        }

    def municipality(self, page: MunicipalityPage, projects: list[dict] | None = None) -> dict:
        """``projects``: the records of its projects, if the caller built them already (in external-id order)."""
        if projects is None:
            pages = self.visible(ProjectPage.objects.child_of(page)).order_by("external_id")
            projects = [self.project(p) for p in pages]
        return {
            "id": page.external_id,
            "demo": page.is_demo,
            "ags": page.municipality.ags,
            "title": page.title,
            "slug": page.slug,
            "smart_city_unit": page.smart_city_unit,
            "intro": page.intro,
            "projects": projects,
        }

    def project(self, page: ProjectPage) -> dict:
        return {
            "id": page.external_id,
            "demo": page.is_demo,
            "title": page.title,
            "slug": page.slug,
            "summary": page.summary,
            "problem": page.problem,
            "solution": page.solution,
            "partner_municipalities": sorted(m.ags for m in page.partner_municipalities.all()),
            "partner_organisations": [
                {"name": o.name, "type": o.type, "role": o.role} for o in page.partner_organisations.all()
            ],
            "status": page.status,
            "start_date": page.start_date.isoformat() if page.start_date else None,
            "end_date": page.end_date.isoformat() if page.end_date else None,
            "budget_eur": _number(page.budget_eur),
            "funding_eur": _number(page.funding_eur),
            "funding_programme": page.funding_programme,
            "running_costs_eur_per_year": _number(page.running_costs_eur_per_year),
            "staff_effort_person_months": _number(page.staff_effort_person_months),
            "guidelines": self.codes(page.guidelines),
            "leitbild": self.codes(page.leitbild),
            "recommendations": self.codes(page.recommendations),
            "actors": self.codes(page.actors),
            "action_fields": self.codes(page.action_fields),
            "tags": self.tags(page),
            "open_source_license": page.open_source_license,
            "repository_url": page.repository_url,
            "datasets": [{"title": d.title, "url": d.url, "license": d.license} for d in page.datasets.all()],
            "transferability": page.transferability,
            "adapted_from": self.adaptations(page),
            "lessons_learned": page.lessons_learned,
            "contact": self.contact(page),
            "images": [
                {**self.image_ref(i.image, i.image.title), "alt_text": i.alt_text, "caption": i.caption}
                for i in page.gallery_images.all()
            ],
            "documents": [self.document_ref(a.document, a.title) for a in page.attachments.all()],
            "body": self.body(page.body),
            "reports": [self.report(r) for r in self.reports_of(page)],
        }

    def report(self, page) -> dict:
        record: dict[str, Any] = {
            "id": page.external_id,
            "type": "evaluation" if isinstance(page, EvaluationReportPage) else "experience",
            "demo": page.is_demo,
            "title": page.title,
            "slug": page.slug,
            "date": page.report_date.isoformat(),
            "author_organisation": page.author_organisation,
            "findings": page.findings,
            "body": self.body(page.body),
            "pdf": self.document_ref(page.pdf, page.pdf.title) if page.pdf else None,
        }
        if isinstance(page, EvaluationReportPage):
            record |= {
                "method": page.method,
                "goal_attainment": page.goal_attainment,
                "goal_attainment_note": page.goal_attainment_note,
                "indicators": [
                    {
                        "name": i.name,
                        "unit": i.unit,
                        "baseline": _number(i.baseline),
                        "target": _number(i.target),
                        "measured": _number(i.measured),
                        "measured_on": i.measured_on.isoformat() if i.measured_on else None,
                    }
                    for i in page.indicators.all()
                ],
            }
        return record

    def knowledge(self, page) -> dict:
        return {
            "id": page.external_id,
            "demo": page.is_demo,
            "title": page.title,
            "slug": page.slug,
            "intro": page.intro,
            "author_organisation": page.author_organisation,
            "guidelines": self.codes(page.guidelines),
        }

    def guide(self, page: GuidePage) -> dict:
        return self.knowledge(page) | {
            "sections": [{"heading": b.value["heading"], "body": b.value["body"].source} for b in page.sections],
            "example_projects": self.example_projects(page),
        }

    def checklist(self, page: ChecklistPage) -> dict:
        return self.knowledge(page) | {
            "is_pruefraster": page.is_pruefraster,
            "items": [
                {
                    "text": b.value["text"],
                    "explanation": b.value["explanation"],
                    "phase": b.value["phase"],
                    "required": bool(b.value["required"]),
                    "guidelines": list(b.value["guidelines"]),
                }
                for b in page.items
            ],
        }

    def build(self) -> dict:
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "municipalities": [
                self.municipality(m)
                for m in self.visible(MunicipalityPage.objects.select_related("municipality")).order_by("external_id")
            ],
            "guides": [self.guide(g) for g in self.visible(GuidePage.objects.all()).order_by("external_id")],
            "checklists": [
                self.checklist(c) for c in self.visible(ChecklistPage.objects.all()).order_by("external_id")
            ],
        }

    def write(self) -> dict:
        data = self.build()
        self.out_file.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return data


def export_to(path: Path) -> dict:
    return Exporter(Path(path)).write()
