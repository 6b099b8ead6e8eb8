"""The downloads of /daten/ and the page itself: types, contents, formula neutralisation, privacy, caching."""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from jsonschema import Draft202012Validator

from cms.exchange.exporter import Exporter
from cms.exchange.tables import INDICATORS, PROJECTS, REPORTS, TABLES
from cms.exchange.validation import schema
from cms.projects.models import ProjectPage
from opendata.datasets import DATASETS, FORMATS
from tests.opendata.content import (
    CONTACT_EMAIL,
    CONTACT_NAME,
    DRAFT_TITLE,
    FORMULA_SUMMARY,
    FORMULA_TEXT,
    FORMULA_TITLE,
    NEGATIVE_INDICATOR,
    RESTRICTED_TITLE,
    ContentTestCase,
    as_csv_text,
    csv_rows,
    xlsx_rows,
    xlsx_workbook,
)

LICENCE_LINK = '<https://creativecommons.org/licenses/by/4.0/deed.de>; rel="license"'


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def without_public_additions(document: dict) -> dict:
    """The public document with its documented additions undone: what the exchange schema must accept."""
    plain = copy.deepcopy(document)
    del plain["licence"], plain["registry_licence"]

    def file(ref: dict) -> dict:
        return {"file": "files/x.bin", **{k: v for k, v in ref.items() if k != "url"}}

    def blocks(body: list[dict]) -> list[dict]:
        return [block for block in body if block["type"] not in {"image", "document"}]

    for municipality in plain["municipalities"]:
        del municipality["url"]
        for project in municipality["projects"]:
            del project["url"]
            project["body"] = blocks(project["body"])
            project["images"] = [file(image) for image in project["images"]]
            project["documents"] = [file(document) for document in project["documents"]]
            for report in project["reports"]:
                del report["url"]
                report["body"] = blocks(report["body"])
                report["pdf"] = file(report["pdf"]) if report["pdf"] else None
    for record in plain["guides"] + plain["checklists"]:
        del record["url"]
    return plain


class DatasetDownloadTests(ContentTestCase):
    def get(self, slug: str, fmt: str):
        response = self.client.get(reverse("download", kwargs={"slug": slug, "fmt": fmt}))
        self.assertEqual(response.status_code, 200)
        return response

    def test_every_dataset_and_format_downloads_with_its_type_disposition_and_licence(self):
        for dataset in DATASETS.values():
            for fmt in dataset.formats:
                with self.subTest(dataset=dataset.slug, fmt=fmt):
                    response = self.get(dataset.slug, fmt)
                    self.assertEqual(response["Content-Type"].split(";")[0], FORMATS[fmt].media_type)
                    self.assertEqual(response["Content-Disposition"], f'attachment; filename="{dataset.slug}.{fmt}"')
                    self.assertEqual(response["Link"], LICENCE_LINK)
                    content = body(response)
                    self.assertEqual(int(response["Content-Length"]), len(content))
                    if fmt == "csv":
                        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
                        self.assertGreater(len(csv_rows(content)), 1)
                    elif fmt == "xlsx":
                        self.assertEqual(xlsx_workbook(content).sheetnames[1], "Lizenz")
                    else:
                        self.assertEqual(json.loads(content)["licence"]["spdx"], "CC-BY-4.0")

    def test_the_json_is_the_exchange_format_apart_from_its_documented_additions(self):
        document = json.loads(body(self.get("inhalte", "json")))
        self.assertEqual((document["format"], document["version"]), ("smart-city-exchange", 1))
        self.assertIn("dl-de/by-2-0", document["registry_licence"]["attribution"])
        errors = list(Draft202012Validator(schema()).iter_errors(document))
        self.assertTrue(errors, "the additions (licence, url) are not in the exchange schema")
        plain = without_public_additions(document)
        self.assertEqual([e.message for e in Draft202012Validator(schema()).iter_errors(plain)], [])
        project = next(
            p for m in document["municipalities"] for p in m["projects"] if p["id"] == "projekt-test-laternen"
        )
        self.assertEqual(project["url"], ProjectPage.objects.get(external_id="projekt-test-laternen").get_full_url())
        self.assertEqual(project["contact"], {"role": "Klimaschutzmanagerin"})
        self.assertRegex(project["images"][0]["url"], r"^http://localhost/media/images/.+\.max-800x600\.png$")
        self.assertRegex(project["documents"][0]["url"], r"^http://localhost/dokumente/\d+/.+\.pdf$")
        evaluation = next(r for r in project["reports"] if r["type"] == "evaluation")
        self.assertRegex(evaluation["pdf"]["url"], r"^http://localhost/dokumente/\d+/.+\.pdf$")
        self.assertIn(NEGATIVE_INDICATOR, evaluation["indicators"])
        blocks = {block["type"]: block["value"] for block in project["body"]}
        self.assertRegex(blocks["image"]["image"], r"^http://localhost/media/images/.+\.max-1200x900\.png$")
        self.assertEqual(blocks["document"]["document"], project["documents"][0]["url"])

    def test_the_public_records_are_the_export_records_with_only_the_documented_changes(self):
        with tempfile.TemporaryDirectory() as tmp:
            exported = Exporter(Path(tmp) / "export.json").build()
        public = json.loads(body(self.get("inhalte", "json")))

        def comparable(record: dict) -> dict:
            """The record without what the public export changes on purpose."""
            result = {k: v for k, v in record.items() if k not in {"url", "images", "documents", "pdf", "body"}}
            for name in ("images", "documents"):
                if name in record:
                    result[name] = [{k: v for k, v in ref.items() if k not in {"url", "file"}} for ref in record[name]]
            if record.get("pdf"):
                result["pdf"] = record["pdf"]["title"]
            if "contact" in record:
                result["contact"] = record["contact"]["role"]
            if "reports" in record:
                result["reports"] = [comparable(report) for report in record["reports"]]
            result["body"] = [
                (block["type"], block["value"] if block["type"] not in {"image", "document"} else None)
                for block in record.get("body", [])
            ]
            return result

        def projects(document: dict) -> dict[str, dict]:
            return {p["id"]: p for m in document["municipalities"] for p in m["projects"]}

        exported_projects, public_projects = projects(exported), projects(public)
        # The restricted project is live, so the plain export has it; the public one does not.
        self.assertEqual(set(exported_projects) - set(public_projects), {"projekt-test-geschuetzt"})
        for external_id, record in public_projects.items():
            self.assertEqual(comparable(record), comparable(exported_projects[external_id]))
        self.assertEqual(
            [comparable(g) for g in public["guides"] + public["checklists"]],
            [comparable(g) for g in exported["guides"] + exported["checklists"]],
        )

    def test_csv_and_xlsx_hold_the_same_rows_with_numbers_as_numbers(self):
        for slug, table in (("projekte", PROJECTS), ("berichte", REPORTS), ("indikatoren", INDICATORS)):
            with self.subTest(slug=slug):
                csv_table = csv_rows(body(self.get(slug, "csv")))
                xlsx_table = xlsx_rows(body(self.get(slug, "xlsx")))
                self.assertEqual(csv_table[0], table.headers())
                self.assertEqual([[as_csv_text(v) for v in row] for row in xlsx_table], csv_table)
        projects = csv_rows(body(self.get("projekte", "csv")))
        self.assertEqual(len(projects) - 1, 2)  # the two live, public projects
        workbook = xlsx_workbook(body(self.get("projekte", "xlsx")))
        sheet = workbook.worksheets[0]
        self.assertEqual(sheet.freeze_panes, "A2")
        budget = PROJECTS.keys().index("budget_eur") + 1
        running = PROJECTS.keys().index("running_costs_eur_per_year") + 1
        for row in range(2, sheet.max_row + 1):
            self.assertEqual(sheet.cell(row, budget).value, 180000)
            self.assertEqual(sheet.cell(row, budget).data_type, "n")
            self.assertEqual(sheet.cell(row, running).value, 4500.5)
        licence = dict(workbook["Lizenz"].iter_rows(values_only=True))
        self.assertIn("CC BY 4.0", licence["Lizenz der Inhalte"])
        self.assertEqual(licence["Quelle"], "http://localhost/daten/projekte.xlsx")

    def test_formulas_are_neutralised_in_csv_and_xlsx_but_negative_numbers_stay_numbers(self):
        header, *rows = csv_rows(body(self.get("projekte", "csv")))
        formula = next(dict(zip(PROJECTS.keys(), row, strict=True)) for row in rows if "HYPERLINK" in row[1])
        self.assertEqual(formula["title"], "'" + FORMULA_TITLE)
        self.assertEqual(formula["summary"], "'" + FORMULA_SUMMARY)
        self.assertEqual(formula["funding_programme"], "'" + FORMULA_TEXT)
        self.assertEqual(formula["tags"], "'-1+2; @SUM(1)")

        sheet = xlsx_workbook(body(self.get("projekte", "xlsx"))).worksheets[0]
        texts = [cell for row in sheet.iter_rows(min_row=2) for cell in row if isinstance(cell.value, str)]
        self.assertIn("'" + FORMULA_TITLE, [cell.value for cell in texts])
        for cell in texts:
            self.assertEqual(cell.data_type, "s")
            self.assertFalse(cell.value.startswith(("=", "+", "-", "@")), cell.value)

        indicator_keys = INDICATORS.keys()
        header, *rows = csv_rows(body(self.get("indikatoren", "csv")))
        negative = next(
            dict(zip(indicator_keys, row, strict=True)) for row in rows if row[9] == NEGATIVE_INDICATOR["name"]
        )
        self.assertEqual((negative["baseline"], negative["target"], negative["measured"]), ("-1.5", "-0.5", "-2"))
        sheet = xlsx_workbook(body(self.get("indikatoren", "xlsx"))).worksheets[0]
        row = next(
            r for r in sheet.iter_rows(min_row=2) if r[indicator_keys.index("name")].value == NEGATIVE_INDICATOR["name"]
        )
        baseline = row[indicator_keys.index("baseline")]
        self.assertEqual((baseline.value, baseline.data_type), (-1.5, "n"))
        self.assertEqual(row[indicator_keys.index("measured")].value, -2)

    def test_drafts_restricted_pages_and_contact_details_never_appear(self):
        for dataset in DATASETS.values():
            for fmt in dataset.formats:
                content = body(self.get(dataset.slug, fmt))
                text = (
                    json.dumps(xlsx_rows(content), default=str, ensure_ascii=False)
                    if fmt == "xlsx"
                    else content.decode("utf-8-sig")
                )
                for secret in (DRAFT_TITLE, RESTRICTED_TITLE, CONTACT_NAME, CONTACT_EMAIL, "entwurf", "geschuetzt"):
                    with self.subTest(dataset=dataset.slug, fmt=fmt, secret=secret):
                        self.assertNotIn(secret, text)

    def test_unknown_datasets_and_formats_are_404(self):
        for path in (
            "/daten/unbekannt.csv",
            "/daten/projekte.exe",
            "/daten/projekte.CSV",
            "/daten/inhalte.csv",
            "/daten/projekte.json",
            "/daten/projekte.csv.gz",
            "/daten/projekte",
            "/daten/..%2Fsettings.py",
            "/daten/" + "a" * 5000 + ".csv",
        ):
            with self.subTest(path=path):
                self.assertEqual(self.client.get(path, follow=True).status_code, 404)
        self.assertEqual(self.client.post("/daten/projekte.csv").status_code, 405)
        self.assertEqual(self.client.head("/daten/projekte.csv").status_code, 200)


class FileCacheTests(ContentTestCase):
    def files(self) -> list[Path]:
        return sorted((self.data_dir / "opendata").glob("projekte--*.csv"))

    def test_files_are_built_once_and_rebuilt_after_a_publish(self):
        first = body(self.client.get("/daten/projekte.csv"))
        [cached] = self.files()
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(body(self.client.get("/daten/projekte.csv")), first)
        # Served from the file: the only query finds the site (for its address), no content is read.
        self.assertEqual(len(queries.captured_queries), 1)
        self.assertIn('FROM "wagtailcore_site"', queries.captured_queries[0]["sql"])
        self.assertEqual(self.files(), [cached])

        project = ProjectPage.objects.get(external_id="projekt-test-laternen")
        project.title = "Fernwartung der Straßenbeleuchtung, zweite Ausbaustufe"
        with self.captureOnCommitCallbacks(execute=True):
            project.save_revision().publish()

        second = body(self.client.get("/daten/projekte.csv"))
        self.assertIn("zweite Ausbaustufe", second.decode("utf-8-sig"))
        self.assertNotIn("zweite Ausbaustufe", first.decode("utf-8-sig"))
        self.assertEqual(len(self.files()), 1)
        self.assertNotEqual(self.files()[0], cached)  # the old file is gone

        with self.captureOnCommitCallbacks(execute=True):
            project.unpublish()
        self.assertNotIn("zweite Ausbaustufe", body(self.client.get("/daten/projekte.csv")).decode("utf-8-sig"))


class OpenDataPageTests(ContentTestCase):
    def test_the_page_explains_every_dataset_its_columns_formats_and_licences(self):
        response = self.client.get(reverse("open_data"))
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertEqual(reverse("open_data"), "/daten/")
        for dataset in DATASETS.values():
            self.assertIn(str(dataset.title), html)
            for fmt in dataset.formats:
                self.assertIn(f'href="/daten/{dataset.slug}.{fmt}"', html)
        for table in TABLES.values():
            for column in table.columns:
                self.assertIn(f"<code>{column.key}</code>", html)
        self.assertIn('href="https://creativecommons.org/licenses/by/4.0/deed.de" rel="license"', html)
        self.assertIn("dl-de/by-2-0", html)
        self.assertIn("Statistisches Bundesamt (Destatis)", html)
        self.assertIn('href="/api/v1/docs"', html)
        self.assertIn('href="/katalog.ttl"', html)
        self.assertIn("format=csv", html)
        # The footer of every page links here.
        self.assertIn('<a href="/daten/">Offene Daten</a>', self.client.get("/suche/").content.decode())

    def test_sizes_are_shown_for_files_already_built(self):
        self.assertNotIn('class="file-meta"', self.client.get("/daten/").content.decode())
        body(self.client.get("/daten/projekte.csv"))
        self.assertIn('class="file-meta"', self.client.get("/daten/").content.decode())

    @override_settings(CONTENT_LICENCE="cc0-1.0")
    def test_the_configured_licence_is_named(self):
        html = self.client.get("/daten/").content.decode()
        self.assertIn("CC0 1.0", html)
        response = self.client.get("/daten/projekte.csv")
        self.assertEqual(response["Link"], '<https://creativecommons.org/publicdomain/zero/1.0/deed.de>; rel="license"')
