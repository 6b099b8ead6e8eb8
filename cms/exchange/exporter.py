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
    def __init__(self, out_file: Path):
        self.out_file = out_file
        self.files_dir = out_file.parent / "files"

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
        municipalities = set(MunicipalityPage.objects.live().values_list("path", flat=True))
        return {
            pk
            for pk, path in ProjectPage.objects.live().values_list("pk", "path")
            if path[: -Page.steplen] in municipalities
        }

    def municipality(self, page: MunicipalityPage) -> dict:
        projects = ProjectPage.objects.child_of(page).live().order_by("external_id")
        return {
            "id": page.external_id,
            "demo": page.is_demo,
            "ags": page.municipality.ags,
            "title": page.title,
            "slug": page.slug,
            "smart_city_unit": page.smart_city_unit,
            "intro": page.intro,
            "projects": [self.project(p) for p in projects],
        }

    def project(self, page: ProjectPage) -> dict:
        reports = sorted(
            [*ExperienceReportPage.objects.child_of(page).live(), *EvaluationReportPage.objects.child_of(page).live()],
            key=lambda r: r.external_id,
        )
        return {
            "id": page.external_id,
            "demo": page.is_demo,
            "title": page.title,
            "slug": page.slug,
            "summary": page.summary,
            "problem": page.problem,
            "solution": page.solution,
            "partner_municipalities": sorted(m.ags for m in page.partner_municipalities.all()),
            "status": page.status,
            "start_date": page.start_date.isoformat() if page.start_date else None,
            "end_date": page.end_date.isoformat() if page.end_date else None,
            "budget_eur": _number(page.budget_eur),
            "funding_eur": _number(page.funding_eur),
            "funding_programme": page.funding_programme,
            "running_costs_eur_per_year": _number(page.running_costs_eur_per_year),
            "staff_effort_person_months": _number(page.staff_effort_person_months),
            "guidelines": _codes(page.guidelines),
            "leitbild": _codes(page.leitbild),
            "recommendations": _codes(page.recommendations),
            "actors": _codes(page.actors),
            "action_fields": _codes(page.action_fields),
            "tags": sorted(tag.name for tag in page.tags.all()),
            "open_source_license": page.open_source_license,
            "repository_url": page.repository_url,
            "datasets": [{"title": d.title, "url": d.url, "license": d.license} for d in page.datasets.all()],
            "transferability": page.transferability,
            "adapted_from": [
                {"project": a.source.external_id, "note": a.note}
                for a in page.adapted_from.select_related("source").order_by("sort_order", "pk")
                if a.source_id in self.exported_projects
            ],
            "lessons_learned": page.lessons_learned,
            "contact": {"role": page.contact_role, "name": page.contact_name, "email": page.contact_email},
            "images": [
                {**self.file_ref(i.image.file, i.image.title), "alt_text": i.alt_text, "caption": i.caption}
                for i in page.gallery_images.all()
            ],
            "documents": [self.file_ref(a.document.file, a.title) for a in page.attachments.all()],
            "body": stream_to_raw(page.body),
            "reports": [self.report(r) for r in reports],
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
            "body": stream_to_raw(page.body),
            "pdf": self.file_ref(page.pdf.file, page.pdf.title) if page.pdf else None,
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
            "guidelines": _codes(page.guidelines),
        }

    def guide(self, page: GuidePage) -> dict:
        return self.knowledge(page) | {
            "sections": [{"heading": b.value["heading"], "body": b.value["body"].source} for b in page.sections],
            "example_projects": [
                {"project": e.project.external_id, "note": e.note}
                for e in page.example_projects.select_related("project")
            ],
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
                for m in MunicipalityPage.objects.live().select_related("municipality").order_by("external_id")
            ],
            "guides": [self.guide(g) for g in GuidePage.objects.live().order_by("external_id")],
            "checklists": [self.checklist(c) for c in ChecklistPage.objects.live().order_by("external_id")],
        }

    def write(self) -> dict:
        data = self.build()
        self.out_file.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return data


def export_to(path: Path) -> dict:
    return Exporter(Path(path)).write()
