"""The tabular views of the public content (projects, reports, indicators, search hits), and their writers.

Every table is derived from exchange records (cms.exchange.public), never from the models, so a
column means exactly what the exchange format's field means. Each column is defined once, with a
stable machine ``key`` (the exchange field's name where there is one), a German ``header`` for
the spreadsheet and a ``kind`` (text, number, date, list) that the page /daten/ documents.

Cell values
    Numbers stay numbers (``int``/``float``), an absent value is ``None`` (an empty cell, never
    0), dates are ``datetime.date`` (ISO ``YYYY-MM-DD`` in CSV, a date cell in XLSX), lists are
    joined with ``"; "``, rich text is reduced to plain text, yes/no is ``"ja"``/``"nein"``.

CSV
    RFC 4180 through the csv module: comma as delimiter, double quotes where needed, CRLF line
    ends, a decimal point in numbers, UTF-8 with a byte order mark (so that Excel reads umlauts).
    A comma rather than a semicolon because the file is for programs (pandas, R, GovData's
    preview) as much as for people; a German Excel that splits on semicolons would also misread
    "6.5" as a date. People working in Excel get the XLSX file, which needs no guessing.

XLSX
    Written by openpyxl in write-only mode (rows go to disk as they are produced, memory stays
    flat): a header row in bold, frozen, then one row per item; numbers are numeric cells, dates
    date cells. A second sheet "Lizenz" carries the licence and attribution notes. Texts longer
    than a cell can hold (32,767 characters) are cut with "…"; control characters that XML
    cannot carry are dropped.

Formula neutralisation (OWASP, "CSV Injection")
    A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be
    run as a formula by a spreadsheet; it is prefixed with an apostrophe ``'`` in CSV and XLSX.
    Numeric cells are never touched: a negative number stays a number.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from django.utils.functional import Promise
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from cms.content_types import LABELS

Cell = str | int | float | date | None

LIST_SEPARATOR = "; "
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_CELL_CHARS = 32_767
XLSX_DATE_FORMAT = "yyyy-mm-dd"
LICENCE_SHEET = "Lizenz"

# The kinds of items a row can stand for, with the label the "Art" column shows.
KIND_LABELS: dict[str, Promise] = {**LABELS, "indikator": _("Indikator")}
# A report record's ``type`` → the kind of its row.
REPORT_KINDS: dict[str, str] = {"experience": "erfahrungsbericht", "evaluation": "evaluationsbericht"}

KIND_NAMES: dict[str, Promise] = {
    "text": _("Text"),
    "number": _("Zahl"),
    "date": _("Datum (JJJJ-MM-TT)"),
    "list": _("Liste, getrennt durch „; “"),
    "url": _("Adresse (URL)"),
}


@dataclass(frozen=True)
class Item:
    """What one row is made from: the item's own exchange record and the records around it.

    ``municipality`` and ``project`` need only ``id``, ``ags`` (municipality), ``title`` and
    ``url``: a full record or the short form the search download builds both work. ``project``
    is set for reports and indicators (the project they belong to), ``report`` for indicators.
    """

    kind: str
    record: dict
    municipality: dict | None = None
    project: dict | None = None
    report: dict | None = None
    position: int | None = None  # an indicator's place in its report, from 1


@dataclass(frozen=True)
class Column:
    key: str
    header: str | Promise
    get: Callable[[Item], Any] = field(compare=False)
    kind: str = "text"
    width: int = 18  # XLSX column width in characters

    def value(self, item: Item) -> Cell:
        return as_cell(self.get(item), self.kind)


@dataclass(frozen=True)
class Table:
    key: str
    title: str | Promise
    columns: tuple[Column, ...]

    def headers(self) -> list[str]:
        return [str(column.header) for column in self.columns]

    def keys(self) -> list[str]:
        return [column.key for column in self.columns]

    def row(self, item: Item) -> list[Cell]:
        return [column.value(item) for column in self.columns]

    def rows(self, items: Iterable[Item]) -> Iterator[list[Cell]]:
        return (self.row(item) for item in items)


# --------------------------------------------------------------------------- cell values


def plain_text(value: Any) -> str:
    """Rich text (HTML) as plain text: tags removed, entities decoded, whitespace collapsed."""
    if not value:
        return ""
    text = re.sub(r"(?i)<br\s*/?>|</(p|li|h[1-6]|blockquote)>", " ", str(value))
    return " ".join(html.unescape(strip_tags(text)).split())


def parse_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def as_cell(value: Any, kind: str) -> Cell:
    """The cell value for a column of this kind; see the module docstring."""
    if value is None or value == "" or value == []:
        return None
    if kind == "number":
        if isinstance(value, bool):
            return int(value)
        return value if isinstance(value, int | float) else None
    if kind == "date":
        return parse_date(value)
    if kind == "list":
        return LIST_SEPARATOR.join(str(v) for v in value if v not in (None, "")) or None
    if isinstance(value, bool):
        return "ja" if value else "nein"
    return str(value)


def neutralise(text: str) -> str:
    """A text a spreadsheet would run as a formula, made inert by a leading apostrophe (OWASP)."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


# --------------------------------------------------------------------------- columns


def _record(name: str) -> Callable[[Item], Any]:
    return lambda item: item.record.get(name)


def _of(attribute: str, name: str) -> Callable[[Item], Any]:
    def get(item: Item) -> Any:
        related = getattr(item, attribute)
        return related.get(name) if related else None

    return get


def _count(name: str) -> Callable[[Item], int | None]:
    """The length of a list member; None for records that do not have the member at all."""
    return lambda item: len(item.record[name]) if isinstance(item.record.get(name), list) else None


def _evaluations(item: Item) -> int | None:
    reports = item.record.get("reports")
    return sum(1 for r in reports if r.get("type") == "evaluation") if isinstance(reports, list) else None


def _file_url(name: str) -> Callable[[Item], str | None]:
    return lambda item: (item.record.get(name) or {}).get("url")


def _kind_label(item: Item) -> str:
    return str(KIND_LABELS.get(item.kind, item.kind))


def _summary(item: Item) -> str:
    """What a search hit is about, for every kind: a project's summary, a report's findings, an intro."""
    record = item.record
    return record.get("summary") or plain_text(record.get("findings")) or plain_text(record.get("intro"))


ID = Column("id", _("Kennung"), _record("id"), width=28)
KIND = Column("type", _("Art"), _kind_label, width=20)
TITLE = Column("title", _("Titel"), _record("title"), width=48)
URL = Column("url", _("Adresse (URL)"), _record("url"), "url", width=40)
MUNICIPALITY_AGS = Column("municipality_ags", _("Gemeindeschlüssel (AGS)"), _of("municipality", "ags"), width=14)
MUNICIPALITY = Column("municipality", _("Kommune"), _of("municipality", "title"), width=24)
DEMO = Column("demo", _("Beispieldaten"), lambda item: bool(item.record.get("demo")), width=10)
SUMMARY = Column("summary", _("Kurzbeschreibung"), _record("summary"), width=60)
SEARCH_SUMMARY = Column("summary", _("Kurzbeschreibung"), _summary, width=60)

PARTNERS = Column("partner_municipalities", _("Partnerkommunen (AGS)"), _record("partner_municipalities"), "list")
STATUS = Column("status", _("Status"), _record("status"), width=14)
START_DATE = Column("start_date", _("Beginn"), _record("start_date"), "date", width=12)
END_DATE = Column("end_date", _("Ende"), _record("end_date"), "date", width=12)
BUDGET = Column("budget_eur", _("Gesamtkosten (Euro)"), _record("budget_eur"), "number", width=14)
FUNDING = Column("funding_eur", _("Fördermittel (Euro)"), _record("funding_eur"), "number", width=14)
FUNDING_PROGRAMME = Column("funding_programme", _("Förderprogramm"), _record("funding_programme"), width=24)
RUNNING_COSTS = Column(
    "running_costs_eur_per_year", _("Laufende Kosten (Euro pro Jahr)"), _record("running_costs_eur_per_year"), "number"
)
STAFF_EFFORT = Column(
    "staff_effort_person_months",
    _("Personalaufwand (Personenmonate)"),
    _record("staff_effort_person_months"),
    "number",
)
GUIDELINES = Column("guidelines", _("Charta-Leitlinien"), _record("guidelines"), "list")
LEITBILD = Column("leitbild", _("Leitbild-Merkmale"), _record("leitbild"), "list")
RECOMMENDATIONS = Column("recommendations", _("Handlungsempfehlungen"), _record("recommendations"), "list")
ACTORS = Column("actors", _("Beteiligte Akteure"), _record("actors"), "list")
ACTION_FIELDS = Column("action_fields", _("Handlungsfelder"), _record("action_fields"), "list")
TAGS = Column("tags", _("Schlagwörter"), _record("tags"), "list", width=24)
OPEN_SOURCE = Column("open_source_license", _("Open-Source-Lizenz"), _record("open_source_license"))
REPOSITORY = Column("repository_url", _("Quellcode (Repository)"), _record("repository_url"), "url", width=30)
DATASETS = Column(
    "datasets",
    _("Offene Daten des Projekts (Adressen)"),
    lambda item: [d.get("url") for d in item.record.get("datasets") or []],
    "list",
    width=30,
)
ADAPTED_FROM = Column(
    "adapted_from",
    _("Nachnutzung von (Kennungen)"),
    lambda item: [a.get("project") for a in item.record.get("adapted_from") or []],
    "list",
    width=28,
)
REPORT_COUNT = Column("report_count", _("Anzahl Berichte"), _count("reports"), "number", width=10)
EVALUATION_COUNT = Column("evaluation_count", _("Anzahl Evaluationsberichte"), _evaluations, "number", width=10)
CONTACT_ROLE = Column(
    "contact_role", _("Ansprechperson (Funktion)"), lambda item: (item.record.get("contact") or {}).get("role")
)
TRANSFERABILITY = Column("transferability", _("Übertragbarkeit"), _record("transferability"), width=48)
LESSONS = Column("lessons_learned", _("Erfahrungen (Lessons Learned)"), _record("lessons_learned"), width=48)

REPORT_DATE = Column("date", _("Datum"), _record("date"), "date", width=12)
PROJECT_ID = Column("project_id", _("Projekt (Kennung)"), _of("project", "id"), width=28)
PROJECT = Column("project", _("Projekt"), _of("project", "title"), width=40)
AUTHOR = Column("author_organisation", _("Verfasst von"), _record("author_organisation"), width=28)
GOAL_ATTAINMENT = Column("goal_attainment", _("Zielerreichung"), _record("goal_attainment"), width=14)
GOAL_NOTE = Column(
    "goal_attainment_note", _("Erläuterung zur Zielerreichung"), _record("goal_attainment_note"), width=40
)
METHOD = Column("method", _("Methode"), _record("method"), width=40)
INDICATOR_COUNT = Column("indicator_count", _("Anzahl Indikatoren"), _count("indicators"), "number", width=10)
FINDINGS = Column("findings", _("Ergebnisse"), lambda item: plain_text(item.record.get("findings")), width=60)
PDF = Column("pdf", _("Bericht als PDF (Adresse)"), _file_url("pdf"), "url", width=30)

REPORT_ID = Column("report_id", _("Bericht (Kennung)"), _of("report", "id"), width=28)
REPORT = Column("report", _("Bericht"), _of("report", "title"), width=40)
REPORT_URL = Column("report_url", _("Bericht (Adresse)"), _of("report", "url"), "url", width=40)
REPORT_DATE_OF_INDICATOR = Column("report_date", _("Datum des Berichts"), _of("report", "date"), "date", width=12)
POSITION = Column("position", _("Nr."), lambda item: item.position, "number", width=6)
INDICATOR = Column("name", _("Indikator"), _record("name"), width=36)
UNIT = Column("unit", _("Einheit"), _record("unit"), width=12)
BASELINE = Column("baseline", _("Ausgangswert"), _record("baseline"), "number", width=12)
TARGET = Column("target", _("Zielwert"), _record("target"), "number", width=12)
MEASURED = Column("measured", _("Gemessener Wert"), _record("measured"), "number", width=12)
MEASURED_ON = Column("measured_on", _("Messdatum"), _record("measured_on"), "date", width=12)

PROJECT_FACTS = (
    PARTNERS,
    STATUS,
    START_DATE,
    END_DATE,
    BUDGET,
    FUNDING,
    FUNDING_PROGRAMME,
    RUNNING_COSTS,
    STAFF_EFFORT,
    GUIDELINES,
    LEITBILD,
    RECOMMENDATIONS,
    ACTORS,
    ACTION_FIELDS,
    TAGS,
    OPEN_SOURCE,
    REPOSITORY,
    DATASETS,
    ADAPTED_FROM,
    REPORT_COUNT,
    EVALUATION_COUNT,
    CONTACT_ROLE,
)

PROJECTS = Table(
    "projekte",
    _("Projekte"),
    (ID, TITLE, URL, MUNICIPALITY_AGS, MUNICIPALITY, *PROJECT_FACTS, SUMMARY, TRANSFERABILITY, LESSONS, DEMO),
)
REPORTS = Table(
    "berichte",
    _("Berichte"),
    (
        ID,
        KIND,
        TITLE,
        URL,
        REPORT_DATE,
        PROJECT_ID,
        PROJECT,
        MUNICIPALITY_AGS,
        MUNICIPALITY,
        AUTHOR,
        GOAL_ATTAINMENT,
        GOAL_NOTE,
        METHOD,
        INDICATOR_COUNT,
        FINDINGS,
        PDF,
        DEMO,
    ),
)
INDICATORS = Table(
    "indikatoren",
    _("Indikatoren"),
    (
        REPORT_ID,
        REPORT,
        REPORT_URL,
        REPORT_DATE_OF_INDICATOR,
        PROJECT_ID,
        PROJECT,
        MUNICIPALITY_AGS,
        MUNICIPALITY,
        POSITION,
        INDICATOR,
        UNIT,
        BASELINE,
        TARGET,
        MEASURED,
        MEASURED_ON,
    ),
)
# One row per search hit, whatever its kind: the columns every item has, then the project's facts
# (empty for other kinds), then the report's (empty for other kinds; "Verfasst von" and the Charta
# guidelines are filled for guides and checklists too, which have them).
SEARCH = Table(
    "suchergebnisse",
    _("Suchergebnisse"),
    (
        KIND,
        ID,
        TITLE,
        URL,
        MUNICIPALITY_AGS,
        MUNICIPALITY,
        SEARCH_SUMMARY,
        *PROJECT_FACTS,
        REPORT_DATE,
        PROJECT_ID,
        PROJECT,
        AUTHOR,
        GOAL_ATTAINMENT,
        INDICATOR_COUNT,
        PDF,
        DEMO,
    ),
)
TABLES: dict[str, Table] = {table.key: table for table in (PROJECTS, REPORTS, INDICATORS, SEARCH)}


# --------------------------------------------------------------------------- items of a public document


def project_items(document: dict) -> Iterator[Item]:
    for municipality in document.get("municipalities", []):
        for project in municipality.get("projects", []):
            yield Item("projekt", project, municipality=municipality)


def report_items(document: dict) -> Iterator[Item]:
    for item in project_items(document):
        for report in item.record.get("reports", []):
            kind = REPORT_KINDS.get(report.get("type"), "erfahrungsbericht")
            yield Item(kind, report, municipality=item.municipality, project=item.record)


def indicator_items(document: dict) -> Iterator[Item]:
    for item in report_items(document):
        for position, indicator in enumerate(item.record.get("indicators") or [], start=1):
            yield Item(
                "indikator",
                indicator,
                municipality=item.municipality,
                project=item.project,
                report=item.record,
                position=position,
            )


ITEMS_OF_TABLE: dict[str, Callable[[dict], Iterator[Item]]] = {
    PROJECTS.key: project_items,
    REPORTS.key: report_items,
    INDICATORS.key: indicator_items,
}


# --------------------------------------------------------------------------- writers


def csv_cell(value: Cell) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return neutralise(value)
    return value


def write_csv(table: Table, items: Iterable[Item], out: IO[bytes], notes: Sequence[tuple[str, str]] = ()) -> int:
    """Write the table as CSV (see the module docstring) into a binary file; returns the number of rows.

    ``notes`` are not written: a CSV file holds the table and nothing else, so that every program
    reads it; the licence travels in the response's ``Link`` header and on the page /daten/.
    """
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text, dialect="excel", lineterminator="\r\n")
    writer.writerow([neutralise(header) for header in table.headers()])
    count = 0
    for row in table.rows(items):
        writer.writerow([csv_cell(value) for value in row])
        count += 1
    text.flush()
    text.detach()  # the caller owns ``out``
    return count


def xlsx_text(value: str) -> str:
    value = neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value if len(value) <= XLSX_MAX_CELL_CHARS else value[: XLSX_MAX_CELL_CHARS - 1] + "…"


def _xlsx_cell(sheet, value: Cell) -> WriteOnlyCell | int | float | None:
    if isinstance(value, str):
        # A WriteOnlyCell with an explicit type: never read as a formula, whatever openpyxl guesses.
        cell = WriteOnlyCell(sheet, value=xlsx_text(value))
        cell.data_type = "s"
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = XLSX_DATE_FORMAT
        return cell
    return value


def sheet_title(title: str) -> str:
    """A valid sheet name: at most 31 characters, none of ``[]:*?/\\``."""
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Daten"


def write_xlsx(table: Table, items: Iterable[Item], out: IO[bytes], notes: Sequence[tuple[str, str]] = ()) -> int:
    """Write the table as XLSX (see the module docstring); ``notes`` fill the sheet "Lizenz". Returns the rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(str(table.title)))
    sheet.freeze_panes = "A2"
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    bold = Font(bold=True)
    header = []
    for text in table.headers():
        cell = _xlsx_cell(sheet, text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in table.rows(items):
        sheet.append([_xlsx_cell(sheet, value) for value in row])
        count += 1
    if notes:
        licence = workbook.create_sheet(LICENCE_SHEET)
        licence.column_dimensions["A"].width = 28
        licence.column_dimensions["B"].width = 100
        wrap = Alignment(wrap_text=True, vertical="top")
        for label, text in notes:
            label_cell = _xlsx_cell(licence, label)
            label_cell.font = bold
            text_cell = _xlsx_cell(licence, text)
            text_cell.alignment = wrap
            licence.append([label_cell, text_cell])
    workbook.save(out)
    return count


WRITERS: dict[str, Callable[..., int]] = {"csv": write_csv, "xlsx": write_xlsx}
