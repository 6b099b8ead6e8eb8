"""The exchange format as a spreadsheet: the XLSX template for bulk onboarding, its reader and its writer.

One sheet per record type: "Projekte" (project records) and "Berichte" (report records). The
columns are not listed here: they are derived from the JSON Schema (``validation.schema()``), so a
field added to the format appears in the template, and their German headers come from the open-data
columns (``tables.py``) where a column of the same name exists. Fields that cannot live in a cell
(lists of objects such as images or indicators, stream blocks, file references) are named in
``NOT_IN_TEMPLATE`` with the reason the template's "Hinweise" sheet shows; a test checks that every
schema field is either a column or named there.

Layout of a data sheet
    Row 1 the German headers (bold, frozen), row 2 the explanation of each column (field name, kind,
    allowed values, whether a new page needs it), data from row 3. Status, report type and goal
    attainment have drop-down lists (openpyxl ``DataValidation``), the Charta codes offer the
    registry's codes from the sheet "Codes" (several codes go into one cell, separated by "; ", so
    the list only suggests and does not refuse).

Reading
    An empty cell leaves the field out of the record: the importer then keeps the stored value, so
    that a spreadsheet never erases what it does not show. The file is checked as a zip before
    openpyxl opens it (number of members, sum of the unpacked sizes: a zip bomb is refused), then
    read with ``read_only=True, data_only=True`` (formulas count as their cached values).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import IO, Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from registry.models import ActionField, ActorGroup, Guideline, LeitbildAttribute, Recommendation

from . import tables
from .validation import FORMAT_NAME, FORMAT_VERSION, NEW_PAGE_FIELDS, schema

PROJECT_SHEET = "Projekte"
REPORT_SHEET = "Berichte"
CODES_SHEET = "Codes"
NOTES_SHEET = "Hinweise"
HEADER_ROW, EXPLANATION_ROW, FIRST_DATA_ROW = 1, 2, 3
MAX_DATA_ROWS = 2000  # per sheet; more is a job for import_content
MAX_COLUMNS = 200
MAX_ZIP_MEMBERS = 200  # an XLSX from Excel or LibreOffice has a few dozen
UNPACKED_FACTOR = 10  # an XLSX may unpack to ten times the upload limit, no more
DROPDOWN_ROWS = 1000  # rows the drop-down lists cover below the explanation row

# The parent of a record, which the exchange format expresses by nesting: a column of its own.
MUNICIPALITY_AGS = "municipality_ags"
PROJECT_ID = "project_id"

# Fields the template leaves out, with the reason shown on the sheet "Hinweise". Their stored values
# stay as they are when a spreadsheet is imported (the importer keeps what a record leaves out).
NOT_IN_TEMPLATE: dict[str, dict[str, Any]] = {
    "project": {
        "partner_organisations": gettext_lazy(
            "Liste mit Name, Art und Rolle je Partnerorganisation: bitte im Redaktionssystem pflegen"
        ),
        "datasets": gettext_lazy("Liste mit Titel, Adresse und Lizenz je Datensatz: bitte im Redaktionssystem pflegen"),
        "adapted_from": gettext_lazy("Nachnutzung mit Erläuterung je Ursprungsprojekt: bitte im Redaktionssystem"),
        "images": gettext_lazy("Bilder können nicht in einer Tabelle übertragen werden"),
        "documents": gettext_lazy("Dokumente können nicht in einer Tabelle übertragen werden"),
        "body": gettext_lazy("Der Inhaltsbereich besteht aus Bausteinen: bitte im Redaktionssystem pflegen"),
        "reports": gettext_lazy("Berichte stehen im Tabellenblatt „Berichte“"),
    },
    "report": {
        "body": gettext_lazy("Der Inhaltsbereich besteht aus Bausteinen: bitte im Redaktionssystem pflegen"),
        "pdf": gettext_lazy("PDF-Dateien können nicht in einer Tabelle übertragen werden"),
        "indicators": gettext_lazy("Indikatoren (mehrere Werte je Bericht): bitte im Redaktionssystem pflegen"),
    },
}

# Headers for fields no open-data column shows (the public tables leave out contact details, slugs
# and the long texts); every other header is the open-data column's.
EXTRA_HEADERS: dict[str, Any] = {
    "slug": gettext_lazy("Kurzname in der Adresse (Slug)"),
    "problem": gettext_lazy("Ausgangslage"),
    "solution": gettext_lazy("Lösung"),
    "contact.role": tables.CONTACT_ROLE.header,
    "contact.name": gettext_lazy("Ansprechperson (Name)"),
    "contact.email": gettext_lazy("Ansprechperson (E-Mail)"),
    "type": gettext_lazy("Berichtstyp"),
}

KIND_HINTS: dict[str, Any] = {
    "text": gettext_lazy("Text"),
    "html": gettext_lazy("Text; Absätze als HTML (<p>…</p>) möglich"),
    "number": gettext_lazy("Zahl"),
    "date": gettext_lazy("Datum (JJJJ-MM-TT oder TT.MM.JJJJ)"),
    "list": gettext_lazy("mehrere Werte, getrennt durch „; “"),
    "codes": gettext_lazy("Codes aus dem Blatt „Codes“, getrennt durch „; “"),
    "boolean": gettext_lazy("ja oder nein"),
    "choice": gettext_lazy("Auswahl"),
}

VOCABULARIES = {
    "guidelines": lambda: Guideline.objects.filter(parent__isnull=False),
    "leitbild": LeitbildAttribute.objects.all,
    "recommendations": Recommendation.objects.all,
    "actors": ActorGroup.objects.all,
    "action_fields": ActionField.objects.all,
}
AGS_FIELDS = {MUNICIPALITY_AGS, "partner_municipalities"}


@dataclass(frozen=True)
class TemplateField:
    """One column: ``key`` is the exchange field (``contact.email`` for a member of an object)."""

    key: str
    header: str
    kind: str
    choices: tuple[str, ...] = ()
    required_for_new: bool = False

    def explanation(self) -> str:
        parts = [f"[{self.key}]", str(KIND_HINTS[self.kind])]
        if self.choices:
            parts.append(", ".join(self.choices))
        if self.required_for_new:
            parts.append(_("Pflicht bei neuen Einträgen"))
        return " · ".join(parts)


@dataclass(frozen=True)
class SheetSpec:
    title: str
    record_type: str  # "project" or "report", as in NEW_PAGE_FIELDS
    parent: TemplateField
    fields: tuple[TemplateField, ...]

    @property
    def columns(self) -> tuple[TemplateField, ...]:
        return (self.fields[0], self.parent, *self.fields[1:])  # the id first, then where the record goes


@dataclass(frozen=True, order=True)
class CellProblem:
    """A problem at a sheet, row and column (row and column empty where the whole file is meant)."""

    sheet: str
    row: int
    column: str
    message: str


@dataclass
class SheetRecord:
    """A record read from one row, with where it came from (for messages by sheet, row and column)."""

    sheet: str
    row: int
    record: dict
    parent: str  # the municipality's AGS (projects) or the project's id (reports)
    columns: dict[str, str] = field(default_factory=dict)  # exchange field → column label ("C Titel")


@dataclass
class ReadResult:
    projects: list[SheetRecord]
    reports: list[SheetRecord]
    problems: list[CellProblem]


# --------------------------------------------------------------------------- the definition


def project_schema() -> dict:
    return schema()["properties"]["municipalities"]["items"]["properties"]["projects"]["items"]


def report_schema() -> dict:
    return project_schema()["properties"]["reports"]["items"]


def _headers() -> dict[str, Any]:
    known = {column.key: column.header for table in (tables.PROJECTS, tables.REPORTS) for column in table.columns}
    return known | EXTRA_HEADERS


def _kind(key: str, spec: dict) -> tuple[str, tuple[str, ...]]:
    if "enum" in spec:
        return "choice", tuple(spec["enum"])
    types = spec.get("type")
    types = set(types if isinstance(types, list) else [types])
    if "boolean" in types:
        return "boolean", ()
    if "number" in types or "integer" in types:
        return "number", ()
    if "array" in types:
        return ("codes" if key in VOCABULARIES else "list"), ()
    if spec.get("format") == "date":
        return "date", ()
    if "HTML" in spec.get("description", ""):
        return "html", ()
    return "text", ()


def _fields(record_type: str, properties: dict) -> tuple[TemplateField, ...]:
    headers = _headers()
    required = set(NEW_PAGE_FIELDS[record_type]) | {"id"}
    result = []
    for key, spec in properties.items():
        if key in NOT_IN_TEMPLATE[record_type]:
            continue
        if spec.get("type") == "object":  # a small object of texts (contact): one column per member
            for member, member_spec in spec["properties"].items():
                name = f"{key}.{member}"
                kind, choices = _kind(name, member_spec)
                result.append(TemplateField(name, str(headers.get(name, name)), kind, choices))
            continue
        kind, choices = _kind(key, spec)
        result.append(TemplateField(key, str(headers.get(key, key)), kind, choices, key in required))
    return tuple(result)


@lru_cache(maxsize=4)
def _sheet_specs(language: str) -> tuple[SheetSpec, SheetSpec]:
    headers = _headers()
    projects = SheetSpec(
        PROJECT_SHEET,
        "project",
        TemplateField(MUNICIPALITY_AGS, str(headers[MUNICIPALITY_AGS]), "text", required_for_new=True),
        _fields("project", project_schema()["properties"]),
    )
    reports = SheetSpec(
        REPORT_SHEET,
        "report",
        TemplateField(PROJECT_ID, str(headers[PROJECT_ID]), "text", required_for_new=True),
        _fields("report", report_schema()["properties"]),
    )
    return projects, reports


def sheet_specs() -> tuple[SheetSpec, SheetSpec]:
    """The two data sheets, with headers in the active language (cached per language)."""
    from django.utils.translation import get_language

    return _sheet_specs(get_language() or settings.LANGUAGE_CODE)


# --------------------------------------------------------------------------- writing


def _text_cell(value: str) -> str:
    return tables.xlsx_text(value)


def _cell_value(value: Any, column: TemplateField) -> Any:
    if value is None or value == "" or value == []:
        return None
    if column.kind == "boolean":
        return "ja" if value else "nein"
    if column.kind in ("list", "codes"):
        return _text_cell(tables.LIST_SEPARATOR.join(str(v) for v in value))
    if column.kind == "date":
        return tables.parse_date(value)
    if column.kind == "number":
        return value if isinstance(value, int | float) else float(value)
    return _text_cell(str(value))


def _record_value(record: dict, key: str) -> Any:
    if "." in key:
        outer, inner = key.split(".", 1)
        return (record.get(outer) or {}).get(inner)
    return record.get(key)


def write_template(out: IO[bytes], document: dict | None = None) -> None:
    """The XLSX template; with ``document`` (an exchange document), filled with its projects and reports."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    codes = _write_codes(workbook)
    rows: dict[str, list[list[Any]]] = {PROJECT_SHEET: [], REPORT_SHEET: []}
    projects_spec, reports_spec = sheet_specs()
    for municipality in (document or {}).get("municipalities", []):
        for project in municipality.get("projects", []):
            values = {MUNICIPALITY_AGS: municipality.get("ags")}
            rows[PROJECT_SHEET].append(_row(projects_spec, project, values))
            for report in project.get("reports", []):
                rows[REPORT_SHEET].append(_row(reports_spec, report, {PROJECT_ID: project.get("id")}))
    for spec in (projects_spec, reports_spec):
        _write_sheet(workbook, spec, rows[spec.title], codes)
    _write_notes(workbook)
    workbook.move_sheet(CODES_SHEET, offset=len(workbook.sheetnames))
    workbook.save(out)


def _row(spec: SheetSpec, record: dict, parents: dict) -> list[Any]:
    return [_cell_value(parents[c.key] if c.key in parents else _record_value(record, c.key), c) for c in spec.columns]


def _write_sheet(workbook: Workbook, spec: SheetSpec, rows: list[list[Any]], codes: dict[str, str]) -> None:
    sheet = workbook.create_sheet(spec.title)
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    for index, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = 28 if column.kind in ("html", "codes", "list") else 20
        header = sheet.cell(HEADER_ROW, index, column.header)
        header.font = bold
        sheet.cell(EXPLANATION_ROW, index, column.explanation()).alignment = wrap
        # Text columns stay text: Excel would otherwise turn an AGS into a number without its leading zero.
        if column.kind not in ("number", "date"):
            sheet.column_dimensions[letter].number_format = "@"  # a column style: no cell written ahead
        cells = f"{letter}{FIRST_DATA_ROW}:{letter}{FIRST_DATA_ROW + DROPDOWN_ROWS - 1}"
        validation = None
        if column.kind == "choice":
            validation = DataValidation(type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True)
            validation.error = _("Bitte einen Wert aus der Liste wählen.")
            validation.errorTitle = _("Ungültiger Wert")
            validation.showErrorMessage = True
        elif column.kind == "boolean":
            validation = DataValidation(type="list", formula1='"ja,nein"', allow_blank=True)
            validation.showErrorMessage = True
        elif column.kind == "codes" and column.key in codes:
            # Several codes fit in one cell ("3.3; 1.2"): the list suggests, it does not refuse.
            validation = DataValidation(type="list", formula1=codes[column.key], allow_blank=True)
            validation.showErrorMessage = False
        if validation is not None:
            validation.prompt = column.explanation()
            validation.showInputMessage = True
            sheet.add_data_validation(validation)
            validation.add(cells)
    sheet.freeze_panes = sheet.cell(FIRST_DATA_ROW, 1)
    for offset, values in enumerate(rows):
        for index, value in enumerate(values, start=1):
            cell = sheet.cell(FIRST_DATA_ROW + offset, index, value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text begins with
            elif isinstance(value, date):
                cell.number_format = tables.XLSX_DATE_FORMAT


def _write_codes(workbook: Workbook) -> dict[str, str]:
    """The sheet "Codes": one column per vocabulary (code and name); returns the list formula per field."""
    sheet = workbook.create_sheet(CODES_SHEET)
    headers = _headers()
    formulas = {}
    column = 1
    for key, query in VOCABULARIES.items():
        terms = list(query().order_by("sort_order", "code"))
        code_letter, name_letter = get_column_letter(column), get_column_letter(column + 1)
        sheet.cell(1, column, str(headers.get(key, key))).font = Font(bold=True)
        sheet.cell(1, column + 1, _("Bedeutung")).font = Font(bold=True)
        for row, term in enumerate(terms, start=2):
            sheet.cell(row, column, term.code).data_type = "s"
            sheet.cell(row, column + 1, _text_cell(str(term)))
        sheet.column_dimensions[code_letter].width = 14
        sheet.column_dimensions[name_letter].width = 40
        if terms:
            last = len(terms) + 1
            formulas[key] = f"{quote_sheetname(CODES_SHEET)}!${code_letter}$2:${code_letter}${last}"
        column += 3
    return formulas


def _write_notes(workbook: Workbook) -> None:
    sheet = workbook.create_sheet(NOTES_SHEET, 0)
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 100
    wrap = Alignment(wrap_text=True, vertical="top")
    lines = [
        (
            _("Vorlage"),
            _("Steckbriefe der Smart-City-Erfahrungsplattform (Austauschformat %(name)s, Version %(v)s)")
            % {"name": FORMAT_NAME, "v": FORMAT_VERSION},
        ),
        (
            _("Ausfüllen"),
            _(
                "Eine Zeile je Projekt (Blatt „Projekte“) oder Bericht (Blatt „Berichte“), ab Zeile 3; Zeile 2 "
                "erklärt jede Spalte. Die Kennung bleibt für immer gleich: Eine Zeile mit einer vorhandenen "
                "Kennung aktualisiert den Eintrag, eine neue Kennung legt ihn an."
            ),
        ),
        (
            _("Leere Zellen"),
            _("Eine leere Zelle lässt den gespeicherten Wert unverändert; gelöscht wird nichts."),
        ),
        (
            _("Prüfung"),
            _(
                "Alles Hochgeladene wird als Entwurf gespeichert und der Redaktion zur Prüfung vorgelegt; "
                "veröffentlicht wird erst nach der Freigabe."
            ),
        ),
    ]
    for record_type, sheet_name in (("project", PROJECT_SHEET), ("report", REPORT_SHEET)):
        for key, reason in NOT_IN_TEMPLATE[record_type].items():
            lines.append((f"{sheet_name}: {key}", str(reason)))
    for row, (label, text) in enumerate(lines, start=1):
        sheet.cell(row, 1, _text_cell(str(label))).font = Font(bold=True)
        sheet.cell(row, 2, _text_cell(str(text))).alignment = wrap


# --------------------------------------------------------------------------- reading


class SpreadsheetRefused(Exception):
    """The file is not an XLSX file this reader opens (not a zip, a zip bomb, unreadable)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def check_zip(data: bytes) -> None:
    """Refuse what is not a zip, has too many members, or unpacks to too much, before openpyxl reads it.

    The sizes are the ones the zip declares; Python's zipfile never unpacks more than a member
    declares (it stops and reports a corrupt file), so the declared sum bounds what openpyxl reads.
    """
    limit = settings.EXCHANGE_UPLOAD_MAX_BYTES * UNPACKED_FACTOR
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise SpreadsheetRefused(_("Die Datei ist keine gültige XLSX-Datei.")) from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise SpreadsheetRefused(
            _("Die XLSX-Datei enthält zu viele Bestandteile (höchstens %(max)s).") % {"max": MAX_ZIP_MEMBERS}
        )
    if sum(member.file_size for member in members) > limit:
        raise SpreadsheetRefused(
            _("Die XLSX-Datei ist entpackt zu groß (höchstens %(max)s).") % {"max": filesizeformat(limit)}
        )


def read_workbook(data: bytes) -> ReadResult:
    """Read the template's data sheets into records; raise SpreadsheetRefused if the file cannot be read."""
    check_zip(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, EOFError):
        raise SpreadsheetRefused(_("Die XLSX-Datei kann nicht gelesen werden.")) from None
    try:
        projects_spec, reports_spec = sheet_specs()
        problems: list[CellProblem] = []
        if PROJECT_SHEET not in workbook.sheetnames and REPORT_SHEET not in workbook.sheetnames:
            raise SpreadsheetRefused(
                _("Die Datei enthält weder das Tabellenblatt „%(p)s“ noch „%(r)s“; bitte die Vorlage verwenden.")
                % {"p": PROJECT_SHEET, "r": REPORT_SHEET}
            )
        result = ReadResult([], [], problems)
        for spec, target in ((projects_spec, result.projects), (reports_spec, result.reports)):
            if spec.title in workbook.sheetnames:
                target.extend(_read_sheet(workbook[spec.title], spec, problems))
        return result
    except (KeyError, ValueError, TypeError, zipfile.BadZipFile, OSError, EOFError):
        raise SpreadsheetRefused(_("Die XLSX-Datei kann nicht gelesen werden.")) from None
    finally:
        workbook.close()


def _label(index: int, header: str) -> str:
    return f"{get_column_letter(index + 1)} ({header})"


def _read_sheet(sheet, spec: SheetSpec, problems: list[CellProblem]) -> Iterable[SheetRecord]:
    # Bounded in both directions: a sheet may declare a million (empty) rows, read-only mode yields each.
    last_row = FIRST_DATA_ROW + MAX_DATA_ROWS
    rows = sheet.iter_rows(min_row=HEADER_ROW, max_row=last_row, max_col=MAX_COLUMNS, values_only=True)
    header_row = next(rows, None) or ()
    by_header = {c.header.casefold(): c for c in spec.columns} | {c.key.casefold(): c for c in spec.columns}
    positions: dict[int, TemplateField] = {}
    for index, header in enumerate(header_row):
        if header is None or str(header).strip() == "":
            continue
        column = by_header.get(str(header).strip().casefold())
        if column is None:
            problems.append(
                CellProblem(
                    spec.title,
                    HEADER_ROW,
                    _label(index, str(header)),
                    _("Unbekannte Spalte; bitte die Vorlage verwenden"),
                )
            )
        else:
            positions[index] = column
    missing = [c for c in (spec.columns[0], spec.parent) if c not in positions.values()]
    for column in missing:
        problems.append(CellProblem(spec.title, HEADER_ROW, column.header, _("Die Spalte fehlt")))
    if missing:
        return []
    found = []
    for offset, values in enumerate(rows):
        row_number = HEADER_ROW + 1 + offset
        if row_number < FIRST_DATA_ROW or values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        if row_number >= last_row:
            problems.append(
                CellProblem(
                    spec.title, row_number, "", _("Zu viele Zeilen (höchstens %(max)s)") % {"max": MAX_DATA_ROWS}
                )
            )
            break
        found.append(_read_row(spec, row_number, values, positions, problems))
    return found


def _read_row(
    spec: SheetSpec, row: int, values: tuple, positions: dict[int, TemplateField], problems: list[CellProblem]
) -> SheetRecord:
    record: dict[str, Any] = {}
    columns: dict[str, str] = {}
    parent = ""
    for index, column in positions.items():
        label = _label(index, column.header)
        columns[column.key.split(".")[0]] = label
        raw = values[index] if index < len(values) else None
        try:
            value = parse_cell(raw, column)
        except ValueError as exc:
            problems.append(CellProblem(spec.title, row, label, str(exc)))
            continue
        if value is None:
            continue  # an empty cell leaves the field out: the stored value stays
        if column is spec.parent:
            parent = value
        elif "." in column.key:
            outer, inner = column.key.split(".", 1)
            record.setdefault(outer, {})[inner] = value
        else:
            record[column.key] = value
    return SheetRecord(spec.title, row, record, parent, columns)


GERMAN_NUMBER = re.compile(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$|^-?\d+,\d+$")
GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def _unneutralise(text: str) -> str:
    """The writer puts an apostrophe before a text a spreadsheet would run as a formula; take it off."""
    return text[1:] if text.startswith("'") and text[1:].startswith(tables.FORMULA_PREFIXES) else text


def parse_cell(raw: Any, column: TemplateField) -> Any:
    """A cell's value as the exchange format has it, None for an empty cell; ValueError (German) if unusable."""
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    if column.kind == "number":
        return _number(raw)
    if column.kind == "date":
        return _date(raw)
    if column.kind == "boolean":
        text = str(raw).strip().casefold()
        if raw is True or text in ("ja", "true", "1", "wahr", "x"):
            return True
        if raw is False or text in ("nein", "false", "0", "falsch"):
            return False
        raise ValueError(_("Bitte „ja“ oder „nein“ eintragen"))
    text = _text(raw)
    if column.key in AGS_FIELDS and isinstance(raw, int):
        text = text.zfill(8)  # Excel dropped the leading zero of an AGS typed as a number
    if column.kind in ("list", "codes"):
        items = [item.strip() for item in text.split(";")]
        if column.key in AGS_FIELDS:
            items = [item.zfill(8) if item.isdigit() else item for item in items]
        return [item for item in items if item]
    return text.strip() if column.kind in ("choice",) or column.key in ("id", PROJECT_ID, MUNICIPALITY_AGS) else text


def _text(raw: Any) -> str:
    if isinstance(raw, bool):
        return "ja" if raw else "nein"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime):
        return raw.date().isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    return _unneutralise(str(raw))


def _number(raw: Any) -> int | Decimal:
    if isinstance(raw, bool):
        raise ValueError(_("Keine Zahl"))
    if isinstance(raw, int):
        return raw
    text = str(raw).strip().replace(" ", "").replace("\u00a0", "").removesuffix("€").strip()
    if GERMAN_NUMBER.match(text):
        text = text.replace(".", "").replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("„%(value)s“ ist keine Zahl") % {"value": _short(raw)}) from None
    if not value.is_finite():
        raise ValueError(_("„%(value)s“ ist keine Zahl") % {"value": _short(raw)})
    return int(value) if value == value.to_integral_value() else value


def _date(raw: Any) -> str:
    if isinstance(raw, datetime):
        return raw.date().isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    text = str(raw).strip()
    if match := GERMAN_DATE.match(text):
        day, month, year = (int(g) for g in match.groups())
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            raise ValueError(_("„%(value)s“ ist kein gültiges Datum") % {"value": _short(raw)}) from None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValueError(
            _("„%(value)s“ ist kein Datum (JJJJ-MM-TT oder TT.MM.JJJJ)") % {"value": _short(raw)}
        ) from None


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:60] + "…"
