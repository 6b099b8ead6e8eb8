"""Bulk onboarding in the admin ("Steckbriefe hochladen"): upload, dry run, confirm.

A municipality, the research team or the editorial team uploads the XLSX template
(cms.exchange.spreadsheet) or an exchange-format JSON file. The dry run shows what would be created
and updated and every problem by sheet, row and column; nothing is written (the import runs in a
transaction that is rolled back). On confirmation the same records are imported with the importer
of ``import_content`` in draft mode: new revisions, submitted to the site's review workflow, never
published directly. The import is all or nothing.

Between dry run and confirmation the validated document lives in the user's session (size-limited),
bound to a random token the confirmation form carries: a re-posted payload is never read.
"""

from __future__ import annotations

import hmac
import io
import json
import secrets
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from wagtail.models import Page

from cms.accounts import policy
from cms.accounts.first_steps import municipality_pages
from cms.accounts.roles import section_page
from cms.content_types import LABELS
from cms.knowledge.models import ChecklistPage, GuidePage
from cms.projects.models import EvaluationReportPage, ExperienceReportPage, MunicipalityPage, ProjectPage
from registry.models import Municipality

from . import spreadsheet
from .exporter import Exporter
from .importer import Bundle, ImportFailed, import_records, read_bundle, validate_bundles
from .validation import FORMAT_NAME, FORMAT_VERSION, ImportProblem

SESSION_KEY = "exchange_onboarding"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACTION_NEW, ACTION_UPDATE, ACTION_SAME = "neu", "aktualisiert", "unverändert"
ACTION_LABELS = {
    ACTION_NEW: gettext_lazy("wird angelegt"),
    ACTION_UPDATE: gettext_lazy("wird aktualisiert"),
    ACTION_SAME: gettext_lazy("unverändert (wird übersprungen)"),
}
# The exchange format's record types and the kind of content each becomes (cms/content_types.py).
RECORD_KINDS = {
    "project": "projekt",
    "experience": "erfahrungsbericht",
    "evaluation": "evaluationsbericht",
    "guide": "leitfaden",
    "checklist": "checkliste",
}
KIND_LABELS = {
    "municipality": gettext_lazy("Kommune"),
    **{record: LABELS[kind] for record, kind in RECORD_KINDS.items()},
}


# --------------------------------------------------------------------------- who may


def has_onboarding_role(user) -> bool:
    """Kommune, Forschung or Redaktion (superusers count as Redaktion)."""
    if not (user.is_authenticated and user.is_active):
        return False
    return policy.is_moderator(user) or policy.is_researcher(user) or bool(municipality_pages(user))


def own_municipalities(user) -> list[MunicipalityPage]:
    pages = municipality_pages(user)
    return list(
        MunicipalityPage.objects.filter(pk__in=[p.pk for p in pages]).select_related("municipality").order_by("path")
    )


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Problem:
    """A problem as the dry run lists it: where (sheet or file), row (or record), column (or field), message."""

    where: str
    row: str
    column: str
    message: str


@dataclass(frozen=True)
class Entry:
    action: str
    kind: str
    record_id: str
    title: str
    where: str

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS[self.action])

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))


@dataclass
class Prepared:
    source: str
    document: dict  # what would be imported: new and changed records only
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def changes(self) -> list[Entry]:
        return [e for e in self.entries if e.action != ACTION_SAME]


@dataclass
class Locator:
    """Where each record came from, so that a problem about record and field names sheet, row and column."""

    source: str
    rows: dict[str, spreadsheet.SheetRecord] = field(default_factory=dict)

    def problem(self, record_id: str, field_name: str, message: str) -> Problem:
        row = self.rows.get(record_id)
        if row is None:
            where_record = _("Datensatz „%(id)s“") % {"id": record_id} if record_id else ""
            return Problem(self.source, where_record, field_name, message)
        parts = field_name.split(".")
        column = row.columns.get(field_name) or row.columns.get(parts[0]) or field_name
        return Problem(row.sheet, str(row.row), column, message)

    def where(self, record_id: str) -> str:
        row = self.rows.get(record_id)
        return _("%(sheet)s, Zeile %(row)s") % {"sheet": row.sheet, "row": row.row} if row else self.source

    def from_import(self, problem: ImportProblem) -> Problem:
        return self.problem(problem.record, problem.field, problem.message)


# --------------------------------------------------------------------------- building the document


def _municipality_id(ags: str) -> str:
    page = MunicipalityPage.objects.filter(municipality__ags=ags).only("external_id").first()
    return page.external_id if page is not None and page.external_id else f"kommune-{ags}"


def document_from_sheets(result: spreadsheet.ReadResult, locator: Locator) -> tuple[dict, list[Problem]]:
    """The exchange document the sheets describe: projects under their municipality, reports under their project."""
    problems = [Problem(p.sheet, str(p.row or ""), p.column, p.message) for p in result.problems]
    municipalities: dict[str, dict] = {}
    projects: dict[str, dict] = {}

    def municipality(ags: str, row: spreadsheet.SheetRecord) -> dict:
        if ags not in municipalities:
            record = {"id": _municipality_id(ags), "ags": ags, "projects": []}
            municipalities[ags] = record
            ags_column = row.columns.get(spreadsheet.MUNICIPALITY_AGS, "")
            locator.rows.setdefault(
                record["id"], spreadsheet.SheetRecord(row.sheet, row.row, {}, ags, {"ags": ags_column})
            )
        return municipalities[ags]

    def id_of(row: spreadsheet.SheetRecord) -> str | None:
        rid = row.record.get("id")
        if not isinstance(rid, str) or not rid:
            problems.append(Problem(row.sheet, str(row.row), row.columns.get("id", "id"), _("Die Kennung fehlt")))
            return None
        if rid in locator.rows and locator.rows[rid].record:
            first = locator.rows[rid]
            problems.append(
                Problem(
                    row.sheet,
                    str(row.row),
                    row.columns.get("id", "id"),
                    _("Die Kennung „%(id)s“ steht schon in %(sheet)s, Zeile %(row)s")
                    % {"id": rid, "sheet": first.sheet, "row": first.row},
                )
            )
            return None
        locator.rows[rid] = row
        return rid

    for row in result.projects:
        rid = id_of(row)
        if rid is None:
            continue
        ags = row.parent or _current_ags(rid)
        if not ags:
            problems.append(
                Problem(
                    row.sheet,
                    str(row.row),
                    row.columns.get(spreadsheet.MUNICIPALITY_AGS, ""),
                    _("Der Gemeindeschlüssel (AGS) fehlt; ein neues Projekt braucht ihn"),
                )
            )
            continue
        record = dict(row.record, reports=[])
        projects[rid] = record
        municipality(ags, row)["projects"].append(record)
    for row in result.reports:
        rid = id_of(row)
        if rid is None:
            continue
        project_id = row.parent
        if project_id not in projects:
            page = ProjectPage.objects.filter(external_id=project_id).first() if project_id else None
            if page is None:
                problems.append(
                    Problem(
                        row.sheet,
                        str(row.row),
                        row.columns.get(spreadsheet.PROJECT_ID, ""),
                        _("Unbekanntes Projekt „%(id)s“: Es steht weder im Blatt „Projekte“ noch auf der Plattform")
                        % {"id": project_id},
                    )
                    if project_id
                    else Problem(
                        row.sheet,
                        str(row.row),
                        row.columns.get(spreadsheet.PROJECT_ID, ""),
                        _("Das Projekt (Kennung) fehlt"),
                    )
                )
                continue
            projects[project_id] = {"id": project_id, "reports": []}
            municipality(_current_ags(project_id), row)["projects"].append(projects[project_id])
        projects[project_id]["reports"].append(dict(row.record))
    document = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "municipalities": list(municipalities.values())}
    return document, problems


def _current_ags(project_id: str) -> str:
    page = ProjectPage.objects.filter(external_id=project_id).first()
    if page is None:
        return ""
    parent = page.get_parent().specific
    return parent.municipality.ags if isinstance(parent, MunicipalityPage) else ""


# --------------------------------------------------------------------------- who may write what


class ScopeChecker:
    """The rules of cms.accounts.policy applied to every record before anything is written, and for a
    municipality the rule that it imports only into its own area (named per row, in German)."""

    def __init__(self, user, locator: Locator):
        self.user, self.locator = user, locator
        self.moderator = policy.is_moderator(user)
        self.researcher = policy.is_researcher(user)
        self.own = {page.municipality.ags: page for page in own_municipalities(user)}
        self.problems: list[Problem] = []

    def refuse(self, record_id: str, field_name: str, message) -> None:
        self.problems.append(self.locator.problem(record_id, field_name, str(message)))

    def check(self, document: dict) -> list[Problem]:
        for municipality in _dicts(document.get("municipalities")):
            self.municipality(municipality)
        wissen = section_page("wissen")
        for key, model in (("guides", GuidePage), ("checklists", ChecklistPage)):
            for record in _dicts(document.get(key)):
                self.knowledge(record, model, wissen)
        return self.problems

    def municipality(self, record: dict) -> None:
        rid, ags = _str(record.get("id")), _str(record.get("ags"))
        if not self.moderator and ags not in self.own:
            entry = Municipality.objects.filter(ags=ags).first()
            if self.own:
                message = _(
                    "Sie können nur Steckbriefe Ihrer Kommune (%(own)s) hochladen; „%(name)s“ (AGS %(ags)s) "
                    "gehört nicht dazu."
                ) % {
                    "own": ", ".join(p.municipality.name for p in self.own.values()),
                    "name": entry.name if entry else ags,
                    "ags": ags,
                }
                for project in _dicts(record.get("projects")):
                    if set(project) - {"id", "reports"}:  # a row of its own, not only where its reports go
                        self.refuse(_str(project.get("id")), spreadsheet.MUNICIPALITY_AGS, message)
                    for report in _dicts(project.get("reports")):
                        self.refuse(_str(report.get("id")), spreadsheet.PROJECT_ID, message)
                if not record.get("projects"):
                    self.refuse(rid, "ags", message)
                return
        page = MunicipalityPage.objects.filter(municipality__ags=ags).first()
        if set(record) - {"id", "ags", "projects"}:  # the record changes the municipality's own page
            if page is None and not self.moderator:
                self.refuse(rid, "ags", policy.NEW_MUNICIPALITY_ONLY_EDITORIAL)
            elif page is not None and (reason := policy.check_edit(self.user, page)):
                self.refuse(rid, "", reason)
        for project in _dicts(record.get("projects")):
            self.project(project, page)

    def project(self, record: dict, parent: MunicipalityPage | None) -> None:
        rid = _str(record.get("id"))
        page = ProjectPage.objects.filter(external_id=rid).first() if rid else None
        writes = bool(set(record) - {"id", "reports"})
        allowed = True
        if page is not None:
            if writes and (reason := policy.check_edit(self.user, page)):
                self.refuse(rid, "", reason)
                allowed = False
            elif writes and parent is not None and page.get_parent().pk != parent.pk and not self.moderator:
                self.refuse(
                    rid,
                    spreadsheet.MUNICIPALITY_AGS,
                    _("Ein Projekt kann nur die Redaktion in eine andere Kommune verschieben."),
                )
                allowed = False
        elif parent is None:
            if not self.moderator:
                self.refuse(
                    rid,
                    spreadsheet.MUNICIPALITY_AGS,
                    _(
                        "Für diese Gemeinde gibt es noch keine Seite auf der Plattform; neue Kommunen legt die Redaktion an."
                    ),
                )
                allowed = False
        elif reason := policy.check_create(self.user, parent, ProjectPage):
            self.refuse(rid, "", reason)
            allowed = False
        for report in _dicts(record.get("reports")):
            self.report(report, page, allowed)

    def report(self, record: dict, project: ProjectPage | None, project_allowed: bool) -> None:
        rid = _str(record.get("id"))
        page = _report_page(rid)
        if page is not None:
            if reason := policy.check_edit(self.user, page):
                self.refuse(rid, "", reason)
            return
        model = EvaluationReportPage if record.get("type") == "evaluation" else ExperienceReportPage
        if project is not None:
            if reason := policy.check_create(self.user, project, model):
                self.refuse(rid, "", reason)
        elif model is EvaluationReportPage and not (self.moderator or self.researcher):
            self.refuse(rid, "type", policy.EVALUATION_ONLY_RESEARCH)
        elif not project_allowed:
            self.refuse(rid, "", policy.NOT_YOUR_AREA)

    def knowledge(self, record: dict, model: type[Page], wissen: Page | None) -> None:
        rid = _str(record.get("id"))
        page = model.objects.filter(external_id=rid).first() if rid else None
        if page is not None:
            reason = policy.check_edit(self.user, page)
        else:
            reason = policy.check_create(self.user, wissen, model) if wissen is not None else None
        if reason:
            self.refuse(rid, "", reason)


def _dicts(value: Any) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _report_page(rid: str) -> Page | None:
    if not rid:
        return None
    return (
        EvaluationReportPage.objects.filter(external_id=rid).first()
        or ExperienceReportPage.objects.filter(external_id=rid).first()
    )


# --------------------------------------------------------------------------- what changes


class CurrentState(Exporter):
    """The exchange record of a page as its latest revision has it (drafts included), without files:
    what an uploaded record is compared with, and what the spreadsheet download shows."""

    def __init__(self) -> None:
        super().__init__(None)

    def image_ref(self, image, title: str) -> dict:
        return {"title": title}

    def document_ref(self, document, title: str) -> dict:
        return {"title": title}

    def reports_of(self, page) -> list:
        return []

    def adaptations(self, page) -> list[dict]:
        return [
            {"project": a.source.external_id, "note": a.note}
            for a in sorted(page.adapted_from.all(), key=lambda a: a.sort_order or 0)
        ]


def latest(page: Page) -> Page:
    return page.get_latest_revision_as_object() if page.has_unpublished_changes else page


def _normal(value: Any) -> Any:
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value)).normalize()
    if isinstance(value, list):
        items = [json.dumps(_normal(v), sort_keys=True, default=str) for v in value]
        return sorted(items) if all(not isinstance(v, dict) for v in value) else items
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items() if _normal(v) is not None}
    return value


def changed_fields(record: dict, current: dict, children: tuple[str, ...]) -> list[str]:
    """The fields of ``record`` whose value differs from the page's (fields the record leaves out stay)."""
    changed = []
    for key, value in record.items():
        if key in children or key == "id":
            continue
        if key == "contact" and isinstance(value, dict):
            stored = current.get("contact") or {}
            if any(_normal(v) != _normal(stored.get(k)) for k, v in value.items()):
                changed.append(key)
        elif _normal(value) != _normal(current.get(key)):
            changed.append(key)
    return changed


class Planner:
    """Sort each record into new, changed or unchanged, and keep only what is to be written."""

    def __init__(self, locator: Locator):
        self.locator = locator
        self.state = CurrentState()
        self.entries: list[Entry] = []

    def entry(self, action: str, kind: str, record: dict, title: str = "") -> None:
        rid = _str(record.get("id"))
        self.entries.append(Entry(action, kind, rid, record.get("title") or title, self.locator.where(rid)))

    def plan(self, document: dict) -> dict:
        result = dict(document)
        result["municipalities"] = [m for m in map(self.municipality, _dicts(document.get("municipalities"))) if m]
        for key, model, kind in (("guides", GuidePage, "guide"), ("checklists", ChecklistPage, "checklist")):
            if key in document:
                result[key] = [r for r in (self.knowledge(r, model, kind) for r in _dicts(document[key])) if r]
        return result

    def municipality(self, record: dict) -> dict | None:
        own = set(record) - {"id", "ags", "projects"}
        page = MunicipalityPage.objects.filter(municipality__ags=_str(record.get("ags"))).first()
        projects = [p for p in map(self.project, _dicts(record.get("projects"))) if p]
        if own:
            if page is None:
                self.entry(ACTION_NEW, "municipality", record)
            else:
                current = self.state.municipality(latest(page), projects=[])
                same = not changed_fields(record, current, ("projects",))
                self.entry(ACTION_SAME if same else ACTION_UPDATE, "municipality", record, page.title)
                if same:
                    record = {k: v for k, v in record.items() if k in ("id", "ags", "projects")}
        if not projects and not (set(record) - {"id", "ags", "projects"}):
            return None
        return dict(record, projects=projects)

    def project(self, record: dict) -> dict | None:
        page = ProjectPage.objects.filter(external_id=_str(record.get("id"))).first()
        reports = [r for r in map(self.report, _dicts(record.get("reports"))) if r]
        own = set(record) - {"id", "reports"}
        if own:
            if page is None:
                self.entry(ACTION_NEW, "project", record)
            elif changed_fields(record, self.state.project(latest(page)), ("reports",)):
                self.entry(ACTION_UPDATE, "project", record, page.title)
            else:
                self.entry(ACTION_SAME, "project", record, page.title)
                record = {"id": record["id"]}
        if not reports and set(record) <= {"id", "reports"}:
            return None
        return dict(record, reports=reports)

    def report(self, record: dict) -> dict | None:
        page = _report_page(_str(record.get("id")))
        if page is None:
            self.entry(ACTION_NEW, _str(record.get("type")) or "experience", record)
            return record
        kind = "evaluation" if isinstance(page.specific, EvaluationReportPage) else "experience"
        if changed_fields(record, self.state.report(latest(page.specific)), ()):
            self.entry(ACTION_UPDATE, kind, record, page.title)
            return record
        self.entry(ACTION_SAME, kind, record, page.title)
        return None

    def knowledge(self, record: dict, model: type[Page], kind: str) -> dict | None:
        page = model.objects.filter(external_id=_str(record.get("id"))).first()
        if page is None:
            self.entry(ACTION_NEW, kind, record)
            return record
        current = getattr(self.state, kind)(latest(page))
        if changed_fields(record, current, ()):
            self.entry(ACTION_UPDATE, kind, record, page.title)
            return record
        self.entry(ACTION_SAME, kind, record, page.title)
        return None


# --------------------------------------------------------------------------- reading an upload


def _is_xlsx(name: str, data: bytes) -> bool:
    return name.lower().endswith(".xlsx") or data[:4] == b"PK\x03\x04"


def read_upload(name: str, data: bytes) -> tuple[dict | None, Locator, list[Problem]]:
    """The exchange document of an uploaded file, where its records came from, and the problems reading it."""
    locator = Locator(name)
    if _is_xlsx(name, data):
        try:
            result = spreadsheet.read_workbook(data)
        except spreadsheet.SpreadsheetRefused as exc:
            return None, locator, [Problem(name, "", "", exc.message)]
        document, problems = document_from_sheets(result, locator)
        return document, locator, problems
    with tempfile.TemporaryDirectory(prefix="exchange-upload-") as folder:
        path = Path(folder) / "upload.json"
        path.write_bytes(data)
        bundle, read_problems = read_bundle(path)
    if bundle is None:
        return None, locator, [Problem(name, "", "", p.message) for p in read_problems]
    if not isinstance(bundle.data, dict):
        return None, locator, [Problem(name, "", "", _("Die Datei enthält kein Objekt im Austauschformat"))]
    return bundle.data, locator, []


def prepare(user, name: str, data: bytes) -> Prepared:
    """The dry run: read, check who may write what, sort into new/changed/unchanged, then import the
    changes in a transaction that is rolled back, so that also the model's own checks speak. Nothing
    is written to the database."""
    document, locator, problems = read_upload(name, data)
    prepared = Prepared(name, {}, problems=problems)
    if document is None:
        return prepared
    prepared.problems += ScopeChecker(user, locator).check(document)
    # The whole upload is checked as it came, unchanged records included: the plan below drops those,
    # and a malformed part must not slip through by being dropped.
    with tempfile.TemporaryDirectory(prefix="exchange-upload-") as folder:
        prepared.problems += [locator.from_import(p) for p in validate_bundles([Bundle(name, Path(folder), document)])]
    if prepared.problems:
        return prepared
    planner = Planner(locator)
    prepared.document = planner.plan(document)
    prepared.entries = planner.entries
    if not _has_records(prepared.document):
        return prepared
    try:
        with transaction.atomic():
            stats = import_records(prepared.document, name, publish=False, user=user, submit=False)
            transaction.set_rollback(True)
    except ImportFailed as exc:
        prepared.problems += [locator.from_import(p) for p in exc.problems]
    else:
        prepared.warnings = [locator.from_import(p) for p in stats.warnings]
    return prepared


def _has_records(document: dict) -> bool:
    return any(document.get(key) for key in ("municipalities", "guides", "checklists"))


# --------------------------------------------------------------------------- the session


def _plain_numbers(value: Any) -> Any:
    """Decimals as JSON numbers: an int where integral, else a float (whose repr reads back exactly)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_numbers(v) for v in value]
    return value


def remember(request: HttpRequest, prepared: Prepared) -> str | None:
    """Keep the validated document for the confirmation; None if it is too big for the session."""
    text = json.dumps(_plain_numbers(prepared.document), ensure_ascii=False)
    if len(text.encode("utf-8")) > settings.EXCHANGE_UPLOAD_MAX_BYTES * 2:
        return None
    token = secrets.token_urlsafe(24)
    request.session[SESSION_KEY] = {
        "token": token,
        "user": request.user.pk,
        "source": prepared.source,
        "document": text,
    }
    return token


def recall(request: HttpRequest, token: str) -> tuple[str, dict] | None:
    """The document of the dry run with this token, removed from the session; None if there is none."""
    stored = request.session.get(SESSION_KEY)
    if not isinstance(stored, dict) or not isinstance(token, str) or not token:
        return None
    if stored.get("user") != request.user.pk or not hmac.compare_digest(str(stored.get("token", "")), token):
        return None
    del request.session[SESSION_KEY]
    return stored["source"], json.loads(stored["document"], parse_float=Decimal)


# --------------------------------------------------------------------------- forms and views


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Datei"),
        help_text=gettext_lazy("Die ausgefüllte Vorlage (XLSX) oder eine Datei im Austauschformat (JSON)."),
        error_messages={
            "required": gettext_lazy("Bitte wählen Sie eine Datei aus."),
            "empty": gettext_lazy("Die Datei ist leer."),
            "invalid": gettext_lazy("Die Datei konnte nicht empfangen werden."),
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.EXCHANGE_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("Die Datei ist zu groß (höchstens %(max)s); bitte auf mehrere Dateien aufteilen.")
                % {"max": filesizeformat(limit)}
            )
        if not upload.name.lower().endswith((".xlsx", ".json")):
            raise forms.ValidationError(_("Bitte laden Sie eine XLSX- oder JSON-Datei hoch."))
        return upload


class ConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=100)


def _require_role(request: HttpRequest) -> None:
    if not has_onboarding_role(request.user):
        raise PermissionDenied


def _context(request: HttpRequest, **extra) -> dict:
    return {
        "page_title": _("Steckbriefe hochladen"),
        "header_icon": "upload",
        "own_municipalities": own_municipalities(request.user),
        "max_size": filesizeformat(settings.EXCHANGE_UPLOAD_MAX_BYTES),
        **extra,
    }


@require_http_methods(["GET", "POST"])
def upload_view(request: HttpRequest) -> HttpResponse:
    _require_role(request)
    if request.method == "GET":
        return TemplateResponse(request, "exchange/onboarding_upload.html", _context(request, form=UploadForm()))
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return TemplateResponse(request, "exchange/onboarding_upload.html", _context(request, form=form), status=400)
    upload = form.cleaned_data["file"]
    data = upload.read(settings.EXCHANGE_UPLOAD_MAX_BYTES + 1)
    name = Path(upload.name).name[:100]
    prepared = prepare(request.user, name, data)
    token = None
    if not prepared.problems and prepared.changes:
        token = remember(request, prepared)
        if token is None:
            prepared.problems.append(Problem(name, "", "", _("Die Datei enthält zu viele Daten für ein Hochladen.")))
    return TemplateResponse(
        request,
        "exchange/onboarding_preview.html",
        _context(request, prepared=prepared, confirm_form=ConfirmForm(initial={"token": token}) if token else None),
    )


@require_POST
def confirm_view(request: HttpRequest) -> HttpResponse:
    _require_role(request)
    form = ConfirmForm(request.POST)
    stored = recall(request, form.data.get("token", "")) if form.is_valid() else None
    if stored is None:
        messages.error(
            request,
            _(
                "Die Vorschau ist abgelaufen oder gehört zu einer anderen Sitzung; bitte laden Sie die Datei erneut hoch."
            ),
        )
        return redirect("exchange_onboarding")
    source, document = stored
    # Permissions and the platform may have changed since the dry run: check everything again.
    locator = Locator(source)
    problems = ScopeChecker(request.user, locator).check(document)
    if not problems:
        try:
            stats = import_records(document, source, publish=False, user=request.user, submit=True)
        except ImportFailed as exc:
            problems = [locator.from_import(p) for p in exc.problems]
    if problems:
        prepared = Prepared(source, document, problems=problems)
        return TemplateResponse(request, "exchange/onboarding_preview.html", _context(request, prepared=prepared))
    created, updated = sum(stats.created.values()), sum(stats.updated.values())
    messages.success(
        request,
        _("%(created)s neu angelegt, %(updated)s aktualisiert; alles ist der Redaktion zur Prüfung vorgelegt.")
        % {"created": created, "updated": updated},
    )
    return redirect("exchange_onboarding")


@require_GET
def template_view(request: HttpRequest) -> HttpResponse:
    _require_role(request)
    out = io.BytesIO()
    spreadsheet.write_template(out)
    return _xlsx_response(out, "steckbriefe-vorlage.xlsx")


@require_GET
def export_view(request: HttpRequest, page_id: int) -> HttpResponse:
    """The municipality's projects and reports with an exchange id, in the template, for editing and re-upload."""
    _require_role(request)
    pages = {page.pk: page for page in own_municipalities(request.user)}
    page = pages.get(page_id)
    if page is None and policy.is_moderator(request.user):
        page = MunicipalityPage.objects.filter(pk=page_id).select_related("municipality").first()
    if page is None:
        raise PermissionDenied
    out = io.BytesIO()
    spreadsheet.write_template(out, export_document(page))
    return _xlsx_response(out, f"steckbriefe-{page.municipality.ags}.xlsx")


def export_document(page: MunicipalityPage) -> dict:
    """The exchange document of the municipality's projects and reports as their latest revisions have them.

    Only pages with an exchange id: a row without one would create a second page on re-upload.
    """
    state = CurrentState()
    projects = []
    for project in ProjectPage.objects.child_of(page).filter(external_id__isnull=False).order_by("external_id"):
        record = state.project(latest(project))
        reports = [
            *EvaluationReportPage.objects.child_of(project).filter(external_id__isnull=False),
            *ExperienceReportPage.objects.child_of(project).filter(external_id__isnull=False),
        ]
        record["reports"] = [state.report(latest(r)) for r in sorted(reports, key=lambda r: r.external_id)]
        projects.append(record)
    return {"municipalities": [{"id": page.external_id, "ags": page.municipality.ags, "projects": projects}]}


def _xlsx_response(out: io.BytesIO, filename: str) -> HttpResponse:
    response = HttpResponse(out.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
