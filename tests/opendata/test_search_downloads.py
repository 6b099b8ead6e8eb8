"""``/suche/?…&format=csv|xlsx|json``: every hit of the search, as many rows as the API's ``total``."""

from __future__ import annotations

import json
from dataclasses import replace
from urllib.parse import urlsplit

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.exchange.public import PublicExporter
from cms.exchange.tables import SEARCH
from cms.projects.models import ProjectPage
from search import downloads, rerank
from search import service as search_service
from tests.opendata.content import (
    CONTACT_EMAIL,
    CONTACT_NAME,
    DRAFT_TITLE,
    FORMULA_TITLE,
    RESTRICTED_TITLE,
    ContentTestCase,
    as_csv_text,
    csv_rows,
    xlsx_rows,
    xlsx_workbook,
)

FILTERED_SEARCHES = (
    "content_type=projekt",  # a facet filter
    "q=Laternen",  # a text query
    "kommune=09187128&sort=passend&guideline=3.3",  # a municipality with a facet
)
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def body(response) -> bytes:
    return b"".join(response.streaming_content)


class SearchDownloadTests(ContentTestCase):
    def api_total(self, query: str) -> int:
        response = self.client.get("/api/v1/search/?" + query)
        self.assertEqual(response.status_code, 200, response.content[:300])
        return json.loads(response.content)["total"]

    def download(self, query: str, fmt: str) -> bytes:
        response = self.client.get(f"/suche/?{query}&format={fmt}")
        self.assertEqual(response.status_code, 200, response.content[:500] if not response.streaming else "")
        self.assertEqual(response["Content-Type"], MEDIA_TYPES[fmt])
        self.assertEqual(response["Content-Disposition"], f'attachment; filename="suchergebnisse.{fmt}"')
        self.assertEqual(response["Link"], '<https://creativecommons.org/licenses/by/4.0/deed.de>; rel="license"')
        return body(response)

    def test_row_count_equals_the_api_total_in_csv_xlsx_and_json(self):
        for query in FILTERED_SEARCHES:
            with self.subTest(query=query):
                total = self.api_total(query)
                self.assertGreater(total, 1)
                header, *rows = csv_rows(self.download(query, "csv"))
                self.assertEqual(header, SEARCH.headers())
                self.assertEqual(len(rows), total)
                xlsx = xlsx_rows(self.download(query, "xlsx"))
                self.assertEqual([[as_csv_text(v) for v in row] for row in xlsx], [header, *rows])
                document = json.loads(self.download(query, "json"))
                self.assertEqual((document["total"], len(document["items"])), (total, total))
                self.assertEqual([item["record"]["id"] for item in document["items"]], [row[1] for row in rows])

    def test_all_hits_not_one_page_and_in_the_pages_order(self):
        query = "page_size=1&page=2"  # page parameters are checked but do not limit the download
        total = self.api_total(query)
        self.assertGreaterEqual(total, 6)  # two projects, two reports, a guide and a checklist
        header, *rows = csv_rows(self.download(query, "csv"))
        self.assertEqual(len(rows), total)
        api = json.loads(self.client.get("/api/v1/search/?page_size=100").content)
        paths = [urlsplit(hit["url"]).path for hit in api["results"]]
        self.assertEqual([urlsplit(row[3]).path for row in rows], paths)
        kinds = {row[0] for row in rows}
        self.assertEqual(
            kinds, {"Projekt-Steckbrief", "Erfahrungsbericht", "Evaluationsbericht", "Leitfaden", "Checkliste"}
        )
        by_kind = {row[0]: dict(zip(SEARCH.keys(), row, strict=True)) for row in rows}
        self.assertEqual(by_kind["Evaluationsbericht"]["project_id"], "projekt-test-laternen")
        self.assertEqual(by_kind["Evaluationsbericht"]["municipality_ags"], "09187128")
        self.assertEqual(by_kind["Evaluationsbericht"]["indicator_count"], "2")
        self.assertEqual(by_kind["Evaluationsbericht"]["budget_eur"], "")  # project facts only for projects
        self.assertEqual(by_kind["Leitfaden"]["guidelines"], "3.3")

    def test_passend_beyond_its_window_still_lists_every_hit(self):
        query = "kommune=09187128&sort=passend"
        total = self.api_total(query)
        original = rerank.RERANK_LIMIT
        rerank.RERANK_LIMIT = 2
        try:
            header, *rows = csv_rows(self.download(query, "csv"))
        finally:
            rerank.RERANK_LIMIT = original
        self.assertGreater(total, 2)
        self.assertEqual(len(rows), total)
        self.assertEqual(len({row[1] for row in rows}), total)

    def test_numbers_are_numeric_cells_and_formulas_are_neutralised(self):
        sheet = xlsx_workbook(self.download("content_type=projekt", "xlsx")).worksheets[0]
        keys = SEARCH.keys()
        rows = list(sheet.iter_rows(min_row=2))
        titles = [row[keys.index("title")].value for row in rows]
        self.assertIn("'" + FORMULA_TITLE, titles)
        for row in rows:
            self.assertEqual(
                (row[keys.index("budget_eur")].value, row[keys.index("budget_eur")].data_type), (180000, "n")
            )
            for cell in row:
                if isinstance(cell.value, str):
                    self.assertEqual(cell.data_type, "s")
                    self.assertFalse(cell.value.startswith(("=", "+", "-", "@")), cell.value)
        header, *csv_table = csv_rows(self.download("content_type=projekt", "csv"))
        self.assertIn("'" + FORMULA_TITLE, [row[2] for row in csv_table])

    def test_drafts_restricted_pages_and_contact_details_never_appear(self):
        for fmt in ("csv", "json"):
            text = self.download("q=", fmt).decode("utf-8-sig")
            for secret in (DRAFT_TITLE, RESTRICTED_TITLE, CONTACT_NAME, CONTACT_EMAIL):
                self.assertNotIn(secret, text)
        text = json.dumps(xlsx_rows(self.download("q=", "xlsx")), default=str, ensure_ascii=False)
        self.assertNotIn(CONTACT_EMAIL, text)
        self.assertNotIn(DRAFT_TITLE, text)

    def test_hostile_parameters_are_a_german_400_never_a_500(self):
        for query in (
            "format=exe",
            "format=",
            "format=csv&format=json",
            "format=" + "x" * 10_000,
            "format=csv&size_class=riesig",
            "format=csv&page=999999",
            "format=xlsx&page_size=5000",
            "format=json&sort=zufall",
            "format=csv&q=%ED%A0%80",
            "format=csv&q=" + "x" * 10_000,
            "format=csv&guideline=%3Cscript%3E",
            "format=csv&kommune=123",
            "format=csv&sort=passend",
        ):
            with self.subTest(query=query[:60]):
                response = self.client.get("/suche/?" + query)
                self.assertEqual(response.status_code, 400)
                html = response.content.decode()
                self.assertIn("Ihre Anfrage enthält ungültige Angaben", html)
                self.assertNotIn("<script>", html)
        html = self.client.get("/suche/?format=csv&size_class=riesig").content.decode()
        self.assertIn("Unbekannter Wert „riesig“ für den Filter „Gemeindegröße“.", html)
        self.assertIn("möglich sind: csv, xlsx, json", self.client.get("/suche/?format=pdf").content.decode())
        self.assertEqual(self.client.post("/suche/?format=csv").status_code, 405)

    def test_more_hits_than_the_maximum_are_refused_in_german(self):
        original = downloads.MAX_DOWNLOAD_HITS
        downloads.MAX_DOWNLOAD_HITS = 2
        try:
            response = self.client.get("/suche/?format=csv")
        finally:
            downloads.MAX_DOWNLOAD_HITS = original
        self.assertEqual(response.status_code, 400)
        self.assertIn("herunterladen lassen sich höchstens 2", response.content.decode())

    def test_no_download_from_the_database_fallback(self):
        real = search_service.search
        search_service.search = lambda request, engine=None: replace(real(request, engine), degraded=True)
        try:
            response = self.client.get("/suche/?format=csv")
        finally:
            search_service.search = real
        self.assertEqual(response.status_code, 503)
        self.assertIn("Suchmaschine ist gerade nicht erreichbar", response.content.decode())

    def test_the_rate_limit_answers_429_with_retry_after(self):
        original = downloads.RATE_LIMIT
        downloads.RATE_LIMIT = replace(original, limit=1)
        try:
            self.assertEqual(self.client.get("/suche/?format=csv").status_code, 200)
            response = self.client.get("/suche/?format=csv")
        finally:
            downloads.RATE_LIMIT = original
        self.assertEqual(response.status_code, 429)
        self.assertGreater(int(response["Retry-After"]), 0)

    def test_the_search_page_offers_the_downloads(self):
        html = self.client.get("/suche/?q=Laternen&size_class=kleinstadt&page=1").content.decode()
        for fmt, label in (("csv", "CSV"), ("xlsx", "Excel"), ("json", "JSON")):
            self.assertIn(f'<a href="/suche/?q=Laternen&amp;size_class=kleinstadt&amp;format={fmt}">{label}</a>', html)
        self.assertIn('<a href="/suche/?format=csv">CSV</a>', self.client.get("/suche/").content.decode())
        self.assertNotIn("format=csv", self.client.get("/suche/?q=Zeppelinhafen").content.decode())

    def test_a_batch_of_hits_is_read_in_a_fixed_number_of_queries(self):
        api = json.loads(self.client.get("/api/v1/search/?page_size=100").content)
        ids = [int(hit["id"]) for hit in api["results"]]
        exporter = PublicExporter("http://localhost")
        exporter.items(ids)  # renditions are made on the first call; count the calls after it

        def queries(page_ids: list[int]) -> int:
            with CaptureQueriesContext(connection) as captured:
                items = PublicExporter("http://localhost").items(page_ids)
            self.assertEqual(len(items), len(page_ids))
            return len(captured.captured_queries)

        # One hit of each kind, the project the one with every relation filled (images, attachments,
        # blocks, reports): a relation without rows costs no query, so this is the most expensive batch.
        one_of_each = {"projekt": ProjectPage.objects.get(external_id="projekt-test-laternen").pk}
        for hit in api["results"]:
            one_of_each.setdefault(hit["type"], int(hit["id"]))
        self.assertEqual(len(one_of_each), 5)
        self.assertLess(len(one_of_each), len(ids))
        self.assertEqual(queries(list(one_of_each.values())), queries(ids))
