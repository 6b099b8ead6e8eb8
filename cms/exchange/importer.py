"""Import the exchange format: validate everything first, then write everything or nothing.

Pages are matched by ``external_id`` so that re-importing a file updates what it imported
before instead of duplicating it; municipality pages are also matched by AGS, because a
municipality has exactly one page whoever created it.

Writing has two phases in one transaction: first every page, then the links between projects
(``adapted_from``), whose source may come later in the files or already be on the platform.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image as PILImage
from wagtail.coreutils import find_available_slug
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update

from cms.core.sanitize import sanitize_instance
from cms.core.site_setup import ensure_site_structure, section
from cms.core.text import german_slug
from cms.knowledge.models import ChecklistPage, GuideExampleProject, GuidePage
from cms.projects.models import (
    CHARTA_TERM_FIELDS,
    EvaluationReportPage,
    ExperienceReportPage,
    Indicator,
    MunicipalityPage,
    ProjectAdaptation,
    ProjectAttachment,
    ProjectDataset,
    ProjectImage,
    ProjectPage,
    ProjectPartnerOrganisation,
)
from registry.models import ActionField, ActorGroup, Guideline, LeitbildAttribute, Municipality, Recommendation

from .validation import (
    MAX_NESTING_DEPTH,
    ImportProblem,
    RegistryIndex,
    SemanticChecker,
    records,
    schema_problems,
    structure_problems,
)


class ImportFailed(Exception):
    def __init__(self, problems: list[ImportProblem]):
        super().__init__(f"{len(problems)} Fehler")
        self.problems = problems


@dataclass
class ImportStats:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    # Not errors: the import goes ahead (e.g. markup removed from rich text), but the sender should know.
    warnings: list[ImportProblem] = field(default_factory=list)

    def count(self, kind: str, created: bool) -> None:
        target = self.created if created else self.updated
        target[kind] = target.get(kind, 0) + 1

    def __str__(self) -> str:
        kinds = sorted(set(self.created) | set(self.updated))
        return ", ".join(
            f"{kind}: {self.created.get(kind, 0)} neu, {self.updated.get(kind, 0)} aktualisiert" for kind in kinds
        )


@dataclass
class Bundle:
    source: str
    base_dir: Path
    data: dict


def _reject_constant(name: str) -> None:
    """NaN and Infinity are not JSON, though Python's decoder accepts them; no amount can be either."""
    raise ValueError(name)


def _read_at_most(path: Path, limit: int) -> bytes | None:
    """The file's bytes, or None if it has more than ``limit``. The size on disk decides before
    anything is read; reading in chunks then holds to the limit also where that size is wrong
    (a pipe, a file that grows) without allocating the whole limit up front."""
    with path.open("rb") as fh:
        if os.fstat(fh.fileno()).st_size > limit:
            return None
        chunks, total = [], 0
        while chunk := fh.read(1024 * 1024):
            total += len(chunk)
            if total > limit:
                return None
            chunks.append(chunk)
    return b"".join(chunks)


def read_bundle(path: Path) -> tuple[Bundle | None, list[ImportProblem]]:
    """Read and parse one file within the limits: its size is checked before anything is read, and a
    file nested too deeply for the decoder becomes a problem instead of a RecursionError."""
    source = path.name
    limit = settings.EXCHANGE_MAX_FILE_BYTES
    try:
        raw = _read_at_most(path, limit)
    except FileNotFoundError:
        return None, [ImportProblem(source, "", "", _("Die Datei wurde nicht gefunden"))]
    except OSError:
        return None, [ImportProblem(source, "", "", _("Die Datei kann nicht gelesen werden"))]
    if raw is None:
        return None, [
            ImportProblem(
                source,
                "",
                "",
                _("Die Datei ist zu groß (höchstens %(max)s); bitte auf mehrere Dateien aufteilen")
                % {"max": filesizeformat(limit)},
            )
        ]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, [ImportProblem(source, "", "", _("Die Datei ist nicht UTF-8-kodiert"))]
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        return None, [
            ImportProblem(
                source,
                "",
                "",
                _("Kein gültiges JSON (Zeile %(line)s, Spalte %(col)s): %(msg)s")
                % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg},
            )
        ]
    except RecursionError:
        # The C decoder recurses once per level and stops at the interpreter's recursion limit.
        return None, [
            ImportProblem(
                source,
                "",
                "",
                _("Die Daten sind zu tief verschachtelt (höchstens %(max)s Ebenen)") % {"max": MAX_NESTING_DEPTH},
            )
        ]
    except ValueError:  # NaN/Infinity, or an integer with more digits than Python converts
        return None, [
            ImportProblem(
                source, "", "", _("Kein gültiges JSON: eine Zahl ist zu lang oder keine Zahl (NaN, Infinity)")
            )
        ]
    except MemoryError:
        return None, [ImportProblem(source, "", "", _("Die Datei ist zu groß, um sie zu verarbeiten"))]
    return Bundle(source, path.parent, data), []


def existing_pages() -> dict[str, dict[str, dict]]:
    """The pages already on the platform by kind and external id, with the stored values that the
    record checks compare against when an update record leaves a field out."""
    projects = ProjectPage.objects.filter(external_id__isnull=False).values(
        "external_id",
        "start_date",
        "end_date",
        "budget_eur",
        "funding_eur",
        "funding_programme",
        "open_source_license",
        "repository_url",
    )
    reports = {eid: {"type": "experience"} for eid in _external_ids(ExperienceReportPage)}
    reports |= {eid: {"type": "evaluation"} for eid in _external_ids(EvaluationReportPage)}
    return {
        "project": {row["external_id"]: row for row in projects},
        "report": reports,
        "guide": {eid: {} for eid in _external_ids(GuidePage)},
        "checklist": {eid: {} for eid in _external_ids(ChecklistPage)},
    }


def _external_ids(model: type[Page]) -> list[str]:
    return list(model.objects.filter(external_id__isnull=False).values_list("external_id", flat=True))


def validate_bundles(bundles: list[Bundle]) -> list[ImportProblem]:
    """Every check on every file, in one pass: the record checks run also where the schema found
    problems (skipping the malformed parts), so the sender sees every problem at once."""
    problems: list[ImportProblem] = []
    registry = RegistryIndex()
    existing = existing_pages()
    seen: dict[str, str] = {}
    project_ids: set[str] = set()
    checked: list[Bundle] = []
    for bundle in bundles:
        structural, too_deep = structure_problems(bundle.source, bundle.data)
        problems += structural
        if too_deep:
            continue  # the schema check and the record checks recurse; the depth is the one problem
        checked.append(bundle)
        problems += schema_problems(bundle.source, bundle.data)
        checker = SemanticChecker(bundle.source, bundle.base_dir, registry, seen, existing)
        for municipality in records(bundle.data, "municipalities"):
            checker.municipality(municipality)
            project_ids.update(p["id"] for p in records(municipality, "projects") if isinstance(p.get("id"), str))
        for guide in records(bundle.data, "guides"):
            checker.knowledge(guide)
        for checklist in records(bundle.data, "checklists"):
            checker.checklist(checklist)
        problems += checker.problems
    known_projects = project_ids | set(
        ProjectPage.objects.filter(external_id__isnull=False).values_list("external_id", flat=True)
    )
    problems += unknown_sources(checked, known_projects)
    for bundle in checked:
        for guide in records(bundle.data, "guides"):
            examples = guide.get("example_projects")
            for i, example in enumerate(examples if isinstance(examples, list) else []):
                project = example.get("project") if isinstance(example, dict) else None
                if isinstance(project, str) and project not in known_projects:
                    problems.append(
                        ImportProblem(
                            bundle.source,
                            _record_id(guide),
                            f"example_projects.{i}.project",
                            _("Unbekanntes Projekt „%(id)s“") % {"id": example.get("project")},
                        )
                    )
    return problems


def _project_records(data: Any):
    """Every project record of a file, skipping anything malformed (the schema check reports that)."""
    for municipality in records(data, "municipalities"):
        yield from records(municipality, "projects")


def _record_id(record: dict) -> str:
    value = record.get("id")
    return value if isinstance(value, str) else ""


def unknown_sources(bundles: list[Bundle], known_projects: set[str]) -> list[ImportProblem]:
    """``adapted_from`` may name a project later in the files or already on the platform, but not nothing."""
    problems = []
    for bundle in bundles:
        for project in _project_records(bundle.data):
            entries = project.get("adapted_from", [])
            for i, entry in enumerate(entries if isinstance(entries, list) else []):
                if isinstance(entry, dict) and isinstance(entry.get("project"), str):
                    if entry["project"] not in known_projects:
                        problems.append(
                            ImportProblem(
                                bundle.source,
                                _record_id(project),
                                f"adapted_from.{i}.project",
                                _(
                                    "Unbekanntes Ursprungsprojekt „%(id)s“: Es steht weder in den Importdateien "
                                    "noch auf der Plattform"
                                )
                                % {"id": entry["project"]},
                            )
                        )
    return problems


class Writer:
    """Writes validated records as pages; collects model-level errors per record.

    ``publish`` (the command ``import_content``) publishes every page it writes. Without it (the
    upload in the admin, cms.exchange.onboarding) every page becomes a new draft revision by ``user``
    and a new page stays unpublished; ``submit`` then starts the site's review workflow for each, so
    that nothing a municipality uploads goes public before the editorial team has approved it.
    """

    def __init__(self, stats: ImportStats, *, publish: bool = True, user=None, submit: bool = False):
        self.stats = stats
        self.publish, self.user, self.submit = publish, user, submit
        self.drafts: list[int] = []  # pages saved as draft revisions, in write order, for ``submit_drafts``
        self.problems: list[ImportProblem] = []
        self.lineage: list[tuple[str, int, dict]] = []  # (source file, project page id, record) for phase 2
        # What this import saved, for one reference-index update per object at the end (``update_references``).
        self.written: dict[type, set[int]] = {}
        self.source = ""
        self.base_dir = Path(".")
        self.terms = {
            "guidelines": {g.code: g for g in Guideline.objects.all()},
            "leitbild": {t.code: t for t in LeitbildAttribute.objects.all()},
            "recommendations": {t.code: t for t in Recommendation.objects.all()},
            "actors": {t.code: t for t in ActorGroup.objects.all()},
            "action_fields": {t.code: t for t in ActionField.objects.all()},
        }

    # -- helpers -------------------------------------------------------------------------
    def _wrote(self, instance) -> None:
        self.written.setdefault(type(instance), set()).add(instance.pk)

    def update_references(self) -> None:
        """Wagtail's reference index ("usage" in the admin) for everything this import saved, once per object.

        Wagtail updates the index on every save, and creating a published page saves it three times
        (``add_child``, ``save_revision``, ``publish``), a republished lineage page once more; the
        writes run under ``disable_reference_index_auto_update``, and this brings the index to the
        state the last of those updates would have left, read from the database like Wagtail's task.
        """
        for model, pks in self.written.items():
            if not ReferenceIndex.is_indexed(model):
                continue
            ordered = sorted(pks)
            for start in range(0, len(ordered), 500):
                for instance in model.objects.filter(pk__in=ordered[start : start + 500]):
                    ReferenceIndex.create_or_update_for_object(instance)

    def _terms(self, kind: str, codes: list[str]) -> list:
        return [self.terms[kind][code] for code in codes]

    def _file_bytes(self, ref: dict) -> bytes:
        return (self.base_dir / ref["file"]).read_bytes()

    def document(self, ref: dict | None):
        if not ref:
            return None
        content = self._file_bytes(ref)
        sha1 = hashlib.sha1(content).hexdigest()
        Document = get_document_model()
        title = ref.get("title") or Path(ref["file"]).name
        # Same bytes under the same title is the same document: re-imports reuse it.
        existing = Document.objects.filter(file_hash=sha1, title=title).order_by("pk").first()
        if existing is not None:
            return existing
        doc = Document(title=title)
        doc.file.save(Path(ref["file"]).name, ContentFile(content), save=False)
        doc._set_document_file_metadata()
        doc.save()
        self._wrote(doc)
        return doc

    def image(self, ref: dict):
        content = self._file_bytes(ref)
        sha1 = hashlib.sha1(content).hexdigest()
        Image = get_image_model()
        existing = Image.objects.filter(file_hash=sha1).order_by("pk").first()
        if existing is not None:
            return existing
        with PILImage.open(io.BytesIO(content)) as pil:
            width, height = pil.size
        image = Image(title=ref.get("title") or Path(ref["file"]).name)
        image.file.save(Path(ref["file"]).name, ContentFile(content), save=False)
        image.width, image.height = width, height
        image._set_image_file_metadata()
        image.save()
        self._wrote(image)
        return image

    def _upsert(self, model: type[Page], record: dict, parent: Page, kind: str, assign) -> Page | None:
        page = model.objects.filter(external_id=record["id"]).first()
        created = page is None
        if created:
            page = model(external_id=record["id"])
        page.title = record.get("title") or page.title
        page.slug = record.get("slug") or page.slug
        if created or "demo" in record:
            page.is_demo = bool(record.get("demo", False))
        assign(page)
        if not page.slug:
            # A free slug under the parent: two municipalities of the same name (there are two
            # Quickborns) or two projects of the same title must not fail the whole import.
            page.slug = find_available_slug(parent, german_slug(page.title))
        self._warn_about_removed_markup(record, page)
        try:
            if created:
                if not self.publish:
                    page.live = False  # a new page waits for review; the live site never shows it before
                    # The uploader owns it, as if created in the editor: researchers may edit only
                    # the evaluation reports they own (cms.accounts.policy).
                    page.owner = self.user
                parent.add_child(instance=page)
            else:
                if page.get_parent().pk != parent.pk:
                    page.move(parent, pos="last-child")
                    page = model.objects.get(pk=page.pk)
                    page.title = record.get("title") or page.title
                    assign(page)
            self._save(page)
        except ValidationError as exc:
            for field_name, messages in exc.message_dict.items():
                target = "" if field_name == "__all__" else field_name
                for message in messages:
                    self.problems.append(ImportProblem(self.source, record["id"], target, message))
            return None
        self.stats.count(kind, created)
        self._wrote(page)
        return page

    def _save(self, page: Page) -> None:
        """Publish the page, or keep the change as a draft revision (see the class docstring)."""
        if self.publish:
            page.save_revision().publish()
            return
        page.save_revision(user=self.user, log_action=True)
        if page.pk not in self.drafts:
            self.drafts.append(page.pk)

    def submit_drafts(self) -> None:
        """Start the review workflow (Wagtail's ``Workflow.start``) for every page saved as a draft.

        A page already in review keeps its running workflow: the reviewers see the latest revision.
        A page without a workflow (none configured for the site) stays a draft the editors find in
        the admin.
        """
        if self.publish or not self.submit:
            return
        for page in Page.objects.filter(pk__in=self.drafts).specific():
            workflow = page.get_workflow()
            if workflow is None or not workflow.active or page.workflow_in_progress:
                continue
            workflow.start(page, self.user)

    def _unchanged_container(self, model: type[Page], record: dict, own_fields: set[str]) -> Page | None:
        """In draft mode, the existing page of a record that carries nothing but its id (and its children).

        Such a record only says where its children go: writing the page again would add an empty
        revision and send an unchanged page to review. ``import_content`` publishes every record as
        before."""
        if self.publish or set(record) - own_fields:
            return None
        return model.objects.filter(external_id=record["id"]).first()

    def _warn_about_removed_markup(self, record: dict, page: Page) -> None:
        """Rich text is cleaned when the page is saved anyway; cleaning it here first tells the sender what
        was removed, naming file, record and field."""
        for removal in sanitize_instance(page):
            message = _("Nicht erlaubtes HTML entfernt: %(removed)s") % {"removed": ", ".join(removal.removed)}
            self.stats.warnings.append(ImportProblem(self.source, record["id"], removal.field, message))

    # -- records -------------------------------------------------------------------------
    def municipality(self, record: dict, kommunen: Page) -> None:
        registry_entry = Municipality.objects.get(ags=record["ags"])
        page = MunicipalityPage.objects.filter(external_id=record["id"]).first()
        if page is None:
            # A municipality has one page: adopt an existing one created in the admin.
            existing = MunicipalityPage.objects.filter(municipality=registry_entry).first()
            if existing is not None:
                existing.external_id = record["id"]
                existing.save(update_fields=["external_id"])

        def assign(p: MunicipalityPage) -> None:
            p.municipality = registry_entry
            if "title" in record or not p.title:
                p.title = record.get("title") or registry_entry.name
            _assign_present(p, record, "smart_city_unit", "intro")

        page = self._unchanged_container(MunicipalityPage, record, {"id", "ags", "projects"})
        if page is None:
            page = self._upsert(MunicipalityPage, record, kommunen, "Kommunen", assign)
        if page is None:
            return
        for project in record.get("projects", []):  # projects the record leaves out stay as they are
            self.project(project, page)

    def project(self, record: dict, parent: MunicipalityPage) -> None:
        """Fields the record leaves out keep their stored value (see ``_assign_present``)."""

        def assign(p: ProjectPage) -> None:
            _assign_present(
                p,
                record,
                "summary",
                "problem",
                "solution",
                "status",
                "funding_programme",
                "open_source_license",
                "repository_url",
                "transferability",
                "lessons_learned",
            )
            for name in ("start_date", "end_date"):
                if name in record:
                    setattr(p, name, _date(record[name]))
            for name in ("budget_eur", "funding_eur", "running_costs_eur_per_year", "staff_effort_person_months"):
                if name in record:
                    setattr(p, name, _decimal(record[name]))
            p.lead_municipality_id = parent.municipality_id
            if "partner_municipalities" in record:
                p.partner_municipalities.set(Municipality.objects.filter(ags__in=record["partner_municipalities"]))
            for kind in CHARTA_TERM_FIELDS:
                if kind in record:
                    getattr(p, kind).set(self._terms(kind, record[kind]))
            if "tags" in record:
                p.tags.set(record["tags"])
            contact = record.get("contact", {})
            for key, name in (("role", "contact_role"), ("name", "contact_name"), ("email", "contact_email")):
                if key in contact:
                    setattr(p, name, contact[key] or "")
            if "partner_organisations" in record:  # without the key, the stored partners stay
                # sort_order as in the file: the editor's formset keeps rows it did not change, and
                # rows without an order would sort differently on each database.
                p.partner_organisations = [
                    ProjectPartnerOrganisation(name=o["name"], type=o["type"], role=o.get("role", ""), sort_order=n)
                    for n, o in enumerate(record["partner_organisations"])
                ]
            if "datasets" in record:
                p.datasets = [
                    ProjectDataset(title=d["title"], url=d["url"], license=d.get("license", ""), sort_order=n)
                    for n, d in enumerate(record["datasets"])
                ]
            if "images" in record:
                p.gallery_images = [
                    ProjectImage(
                        image=self.image(i), alt_text=i["alt_text"], caption=i.get("caption", ""), sort_order=n
                    )
                    for n, i in enumerate(record["images"])
                ]
            if "documents" in record:
                p.attachments = [
                    ProjectAttachment(document=self.document(d), title=d.get("title", ""), sort_order=n)
                    for n, d in enumerate(record["documents"])
                ]
            if "body" in record:
                p.body = record["body"]

        page = self._unchanged_container(ProjectPage, record, {"id", "reports"})
        if page is not None and page.get_parent().pk != parent.pk:
            page = None  # the record moves the project: write it
        if page is None:
            page = self._upsert(ProjectPage, record, parent, "Projekte", assign)
        if page is None:
            return
        if "adapted_from" in record:  # without the key, the stored lineage stays
            self.lineage.append((self.source, page.pk, record))
        for report in record.get("reports", []):
            self.report(report, page)

    def link_adaptations(self) -> None:
        """Phase 2: every project now exists, so ``adapted_from`` can name any of them, even one later in
        the files. A project whose links changed gets one more published revision; the others none."""
        for source, page_id, record in self.lineage:
            wanted = [(e["project"], e.get("note", "")) for e in record.get("adapted_from", [])]
            page = ProjectPage.objects.get(pk=page_id)
            current = list(page.adapted_from.order_by("sort_order", "pk").values_list("source__external_id", "note"))
            if current == wanted:
                continue
            sources = {p.external_id: p for p in ProjectPage.objects.filter(external_id__in=[w[0] for w in wanted])}
            if any(project not in sources for project, _note in wanted):
                continue  # the source failed to write; its problem is reported and nothing will be kept
            page.adapted_from = [
                ProjectAdaptation(source=sources[project], note=note, sort_order=i)
                for i, (project, note) in enumerate(wanted)
            ]
            try:
                self._save(page)
            except ValidationError as exc:
                for messages in exc.message_dict.values():
                    self.problems += [ImportProblem(source, record["id"], "adapted_from", m) for m in messages]

    def report(self, record: dict, parent: ProjectPage) -> None:
        if "type" in record:
            model = EvaluationReportPage if record["type"] == "evaluation" else ExperienceReportPage
        else:  # an update may leave the type out (a new report must name it; the checks ensure that)
            is_evaluation = EvaluationReportPage.objects.filter(external_id=record["id"]).exists()
            model = EvaluationReportPage if is_evaluation else ExperienceReportPage

        def assign(p) -> None:
            if "date" in record:
                p.report_date = _date(record["date"])
            _assign_present(p, record, "author_organisation", "findings")
            if "body" in record:
                p.body = record["body"]
            if "pdf" in record:
                p.pdf = self.document(record["pdf"])
            if model is EvaluationReportPage:
                _assign_present(p, record, "method", "goal_attainment", "goal_attainment_note")
                if "indicators" in record:
                    p.indicators = [
                        Indicator(
                            name=i["name"],
                            unit=i.get("unit", ""),
                            baseline=_decimal(i.get("baseline")),
                            target=_decimal(i.get("target")),
                            measured=_decimal(i.get("measured")),
                            measured_on=_date(i.get("measured_on")),
                        )
                        for i in record["indicators"]
                    ]

        other = ExperienceReportPage if model is EvaluationReportPage else EvaluationReportPage
        if other.objects.filter(external_id=record["id"]).exists():
            self.problems.append(
                ImportProblem(
                    self.source,
                    record["id"],
                    "type",
                    _("Der Berichtstyp eines bestehenden Berichts kann nicht geändert werden"),
                )
            )
            return
        self._upsert(
            model,
            record,
            parent,
            "Evaluationsberichte" if model is EvaluationReportPage else "Erfahrungsberichte",
            assign,
        )

    def guide(self, record: dict, wissen: Page) -> None:
        def assign(p: GuidePage) -> None:
            _assign_present(p, record, "intro", "author_organisation")
            if "guidelines" in record:
                p.guidelines.set(self._terms("guidelines", record["guidelines"]))
            if "sections" in record:
                p.sections = [
                    {"type": "section", "value": {"heading": s["heading"], "body": s["body"]}}
                    for s in record["sections"]
                ]
            if "example_projects" in record:
                p.example_projects = [
                    GuideExampleProject(
                        project=ProjectPage.objects.get(external_id=e["project"]), note=e.get("note", "")
                    )
                    for e in record["example_projects"]
                ]

        self._upsert(GuidePage, record, wissen, "Leitfäden", assign)

    def checklist(self, record: dict, wissen: Page) -> None:
        def assign(p: ChecklistPage) -> None:
            _assign_present(p, record, "intro", "author_organisation")
            if "is_pruefraster" in record:
                p.is_pruefraster = bool(record["is_pruefraster"])
            if "guidelines" in record:
                p.guidelines.set(self._terms("guidelines", record["guidelines"]))
            if "items" in record:
                p.items = [
                    {
                        "type": "item",
                        "value": {
                            "text": i["text"],
                            "explanation": i.get("explanation", ""),
                            "phase": i["phase"],
                            "required": bool(i.get("required", True)),
                            "guidelines": i.get("guidelines", []),
                        },
                    }
                    for i in record["items"]
                ]

        self._upsert(ChecklistPage, record, wissen, "Checklisten", assign)


def _assign_present(page: Page, record: dict, *names: str) -> None:
    """Copy the text fields the record names onto the page. A field the record leaves out keeps its
    stored value, so that a supplier can send a partial record (say, a municipality with one new
    project) without blanking the rest; ``null`` or ``""`` clears the field."""
    for name in names:
        if name in record:
            setattr(page, name, record[name] or "")


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def import_files(paths: list[Path]) -> ImportStats:
    """Validate all files together and import them in one transaction; raise ImportFailed on any problem."""
    try:
        return _import_files(paths)
    except (RecursionError, MemoryError):
        # The limits (file size, nesting depth, field lengths) keep both out of reach; should one happen
        # anyway, the transaction is already rolled back, and the sender gets a message, not a traceback.
        names = ", ".join(Path(path).name for path in paths)
        message = _("Die Importdaten sind zu groß oder zu tief verschachtelt, um sie zu verarbeiten")
        raise ImportFailed([ImportProblem(names, "", "", message)]) from None


def _import_files(paths: list[Path]) -> ImportStats:
    bundles, problems = [], []
    for path in paths:
        bundle, read_problems = read_bundle(Path(path))
        problems += read_problems
        if bundle is not None:
            bundles.append(bundle)
    return _validate_and_write(bundles, problems, Writer(ImportStats()))


def import_records(data: dict, source: str, *, publish: bool = True, user=None, submit: bool = False) -> ImportStats:
    """Validate one exchange document already in memory (an upload in the admin) and import it in one
    transaction, with the same checks and the same writer as ``import_files``; raise ImportFailed on
    any problem. ``publish``, ``user`` and ``submit`` as for ``Writer``.

    File references (images, PDFs) cannot travel with an upload: they are resolved against an empty
    folder, so a record that names one is refused with "Die Datei … wurde nicht gefunden".
    """
    with tempfile.TemporaryDirectory(prefix="exchange-upload-") as folder:
        bundle = Bundle(source, Path(folder), data)
        try:
            return _validate_and_write([bundle], [], Writer(ImportStats(), publish=publish, user=user, submit=submit))
        except (RecursionError, MemoryError):
            message = _("Die Importdaten sind zu groß oder zu tief verschachtelt, um sie zu verarbeiten")
            raise ImportFailed([ImportProblem(source, "", "", message)]) from None


def _validate_and_write(bundles: list[Bundle], problems: list[ImportProblem], writer: Writer) -> ImportStats:
    problems = problems + validate_bundles(bundles)
    if problems:
        raise ImportFailed(problems)

    with transaction.atomic():
        ensure_site_structure()
        kommunen, wissen = section("kommunen"), section("wissen")
        with disable_reference_index_auto_update():
            _write(writer, bundles, kommunen, wissen)
        if writer.problems:
            raise ImportFailed(sorted(writer.problems))
        writer.update_references()
        writer.submit_drafts()
    return writer.stats


def _write(writer: Writer, bundles: list[Bundle], kommunen: Page, wissen: Page) -> None:
    # Projects first across all files: guides may link to projects from another file.
    for bundle in bundles:
        writer.source, writer.base_dir = bundle.source, bundle.base_dir
        for record in bundle.data.get("municipalities", []):
            writer.municipality(record, kommunen)
    # Then lineage, which may point forward to a project written after the one that names it.
    writer.link_adaptations()
    for bundle in bundles:
        writer.source, writer.base_dir = bundle.source, bundle.base_dir
        for record in bundle.data.get("checklists", []):
            writer.checklist(record, wissen)
        for record in bundle.data.get("guides", []):
            writer.guide(record, wissen)
