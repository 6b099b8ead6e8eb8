"""The table definitions and writers of cms.exchange.tables on their own, without a database."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from cms.exchange.tables import (
    INDICATORS,
    PROJECTS,
    REPORTS,
    SEARCH,
    TABLES,
    XLSX_MAX_CELL_CHARS,
    Column,
    Item,
    Table,
    as_cell,
    indicator_items,
    neutralise,
    plain_text,
    project_items,
    report_items,
    sheet_title,
    write_csv,
    write_xlsx,
)
from tests.factories import bundle
from tests.opendata.content import as_csv_text, xlsx_workbook

TEXT = Column("text", "Text", lambda item: item.record.get("text"))
NUMBER = Column("number", "Zahl", lambda item: item.record.get("number"), "number")
DAY = Column("day", "Tag", lambda item: item.record.get("day"), "date")
LIST = Column("list", "Liste", lambda item: item.record.get("list"), "list")
SAMPLE = Table("probe", "Probe", (TEXT, NUMBER, DAY, LIST))


def items(*records: dict) -> list[Item]:
    return [Item("projekt", record) for record in records]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+49 30 1234", "'+49 30 1234"),
        ("-1+2", "'-1+2"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ('=HYPERLINK("http://evil.example/","klick")', '\'=HYPERLINK("http://evil.example/","klick")'),
        ("Laternen = Licht", "Laternen = Licht"),
        ("E-Mail", "E-Mail"),
        ("", ""),
    ],
)
def test_neutralise(text, expected):
    assert neutralise(text) == expected


def test_cells_keep_numbers_as_numbers_and_empty_as_empty():
    assert as_cell(-1.5, "number") == -1.5
    assert as_cell(0, "number") == 0
    assert as_cell(None, "number") is None
    assert as_cell("12", "number") is None  # a text is never passed off as a number
    assert as_cell("2023-06-30", "date") == date(2023, 6, 30)
    assert as_cell("kein Datum", "date") is None
    assert as_cell(["a", "", "b"], "list") == "a; b"
    assert as_cell([], "list") is None
    assert as_cell(True, "text") == "ja" and as_cell(False, "text") == "nein"
    assert plain_text("<p>Erster Satz.</p><p>Zweiter&nbsp;&amp; letzter.</p>") == "Erster Satz. Zweiter & letzter."


def test_csv_is_rfc_4180_with_bom_and_neutralised_text_but_plain_numbers():
    out = io.BytesIO()
    count = write_csv(
        SAMPLE,
        items(
            {"text": 'Komma, "Zitat" und\nZeilenumbruch', "number": -5, "day": "2024-02-29", "list": ["x", "y"]},
            {"text": "=1+2", "number": 4500.5, "day": None, "list": ["-1", "2"]},
            {"text": None, "number": None},
        ),
        out,
        notes=[("Lizenz", "wird in CSV nicht geschrieben")],
    )
    content = out.getvalue()
    assert count == 3
    assert content.startswith(b"\xef\xbb\xbfText,Zahl,Tag,Liste\r\n")
    assert b'"Komma, ""Zitat"" und\nZeilenumbruch",-5,2024-02-29,x; y\r\n' in content
    assert b"'=1+2,4500.5,,'-1; 2\r\n" in content
    assert content.endswith(b",,,\r\n")
    assert b"Lizenz" not in content
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert rows[1] == ['Komma, "Zitat" und\nZeilenumbruch', "-5", "2024-02-29", "x; y"]


def test_xlsx_has_typed_cells_a_frozen_bold_header_and_a_licence_sheet():
    out = io.BytesIO()
    long_text = "a" * (XLSX_MAX_CELL_CHARS + 10)
    write_xlsx(
        SAMPLE,
        items(
            {"text": "=1+2", "number": -5, "day": "2024-02-29", "list": ["@x"]},
            {"text": "Steuer\x00zeichen\x1b", "number": 4500.5},
            {"text": long_text},
        ),
        out,
        notes=[("Lizenz der Inhalte", "CC BY 4.0"), ("Quelle", "=WEBSERVICE(1)")],
    )
    workbook = xlsx_workbook(out.getvalue())
    assert workbook.sheetnames == ["Probe", "Lizenz"]
    sheet = workbook["Probe"]
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == ["Text", "Zahl", "Tag", "Liste"] and sheet["A1"].font.bold
    first = sheet[2]
    assert [(c.value, c.data_type) for c in first[:2]] == [("'=1+2", "s"), (-5, "n")]
    assert first[2].value.date() == date(2024, 2, 29) and first[2].number_format == "yyyy-mm-dd"
    assert first[3].value == "'@x"
    assert sheet["A3"].value == "Steuerzeichen" and sheet["B3"].value == 4500.5
    assert len(sheet["A4"].value) == XLSX_MAX_CELL_CHARS and sheet["A4"].value.endswith("…")
    assert list(workbook["Lizenz"].values) == [("Lizenz der Inhalte", "CC BY 4.0"), ("Quelle", "'=WEBSERVICE(1)")]


def test_tables_of_an_exchange_document():
    document = bundle()
    document["municipalities"][0]["title"] = "Bad Endorf"
    [project] = list(project_items(document))
    row = dict(zip(PROJECTS.keys(), PROJECTS.row(project), strict=True))
    assert row["municipality_ags"] == "09187128" and row["municipality"] == "Bad Endorf"
    assert row["budget_eur"] == 180000 and row["running_costs_eur_per_year"] == 4500.5
    assert row["start_date"] == date(2021, 4, 1)
    assert row["guidelines"] == "3.3; 1.2" and row["report_count"] == 2 and row["evaluation_count"] == 1
    assert row["contact_role"] == "Klimaschutzmanagerin"
    assert "Erika" not in str(PROJECTS.row(project))  # the table has no column for a name or address
    reports = [dict(zip(REPORTS.keys(), REPORTS.row(i), strict=True)) for i in report_items(document)]
    assert [(r["id"], r["type"], r["project_id"]) for r in reports] == [
        ("bericht-test-evaluation", "Evaluationsbericht", "projekt-test-laternen"),
        ("bericht-test-erfahrung", "Erfahrungsbericht", "projekt-test-laternen"),
    ]
    assert reports[0]["findings"] == "Der Stromverbrauch sank um 41 Prozent." and reports[1]["indicator_count"] is None
    [indicator] = [dict(zip(INDICATORS.keys(), INDICATORS.row(i), strict=True)) for i in indicator_items(document)]
    assert indicator["report_id"] == "bericht-test-evaluation" and indicator["position"] == 1
    assert (indicator["baseline"], indicator["target"], indicator["measured"]) == (310, 200, 183)


def test_every_table_has_unique_keys_and_german_headers():
    assert set(TABLES) == {"projekte", "berichte", "indikatoren", "suchergebnisse"}
    for table in TABLES.values():
        assert len(set(table.keys())) == len(table.keys()), table.key
        assert len(set(table.headers())) == len(table.headers()), table.key
        assert all(key.isascii() and key == key.lower() for key in table.keys())
    assert SEARCH.keys()[0] == "type"
    assert sheet_title("Berichte: 2024/25 [Entwurf]") == "Berichte  2024 25  Entwurf "
    assert len(sheet_title("x" * 40)) == 31
    assert as_csv_text(None) == ""
