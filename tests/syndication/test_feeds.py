"""Atom feeds for a search, a municipality and a Charta term (syndication/feeds.py).

Built once for the class: two municipalities, three projects and a report published at known
times (``timezone.now`` patched while publishing), a draft, and an embedded index of it all.
"""

from __future__ import annotations

import tempfile
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from pathlib import Path
from unittest import mock

from django.test import TestCase
from wagtail.models import PageViewRestriction

from cms.core.site_setup import ensure_site_structure, section
from cms.projects.models import ExperienceReportPage, MunicipalityPage, ProjectPage
from registry.loaders import load_taxonomy
from registry.models import ActorGroup, Guideline
from search.documents import all_documents
from search.engines import EngineUnavailable, reset_engine
from search.engines.embedded import EmbeddedEngine
from tests import factories

ATOM = "{http://www.w3.org/2005/Atom}"
BAD_ENDORF, BOPPARD, BUXTEHUDE = "09187128", "07140501", "03359010"
T1 = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
T2 = datetime(2025, 2, 10, 9, 0, tzinfo=UTC)
T3 = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
T4 = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)


def publish(page, when: datetime) -> None:
    with mock.patch("django.utils.timezone.now", return_value=when):
        page.save_revision().publish()


class UnreachableEngine:
    """Every call fails as an engine that cannot be reached does."""

    name = "embedded"

    def __getattr__(self, attr):
        def failing(*args, **kwargs):
            raise EngineUnavailable("Verbindung abgelehnt (Test)")

        return failing


class FeedTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_taxonomy()
        municipalities = factories.sample_municipalities()
        ensure_site_structure()
        kommunen = section("kommunen")
        cls.endorf = MunicipalityPage(title="Bad Endorf", municipality=municipalities[BAD_ENDORF])
        cls.boppard = MunicipalityPage(title="Boppard", municipality=municipalities[BOPPARD])
        for page in (cls.endorf, cls.boppard):
            kommunen.add_child(instance=page)
            publish(page, T1)

        def project(parent, title, start, guideline, when):
            page = ProjectPage(
                title=title, summary=f"Worum es bei {title} geht & warum.", start_date=start, live=when is not None
            )
            parent.add_child(instance=page)
            page.guidelines.set([Guideline.objects.get(code=guideline)])
            page.tags.add("Testschlagwort")
            if when is not None:
                publish(page, when)
            return page

        # The newest start is published first: the feed orders by publication, not by start.
        cls.laternen = project(cls.endorf, "Laternen <Fernwartung> & mehr", date(2024, 5, 1), "3.3", T1)
        cls.boppard_project = project(cls.boppard, "Boppard misst Pegel", date(2023, 1, 1), "3.3", T2)
        cls.dorfladen = project(cls.endorf, "Dorfladen mit Videotür", date(2019, 1, 1), "1.2", T3)
        cls.report = ExperienceReportPage(
            title="Ein Jahr Fernwartung",
            findings="<p>Strom &amp; Wege gespart.</p>",
            report_date=date(2025, 4, 1),
            author_organisation="Hochschule Rosenheim",
        )
        cls.laternen.add_child(instance=cls.report)
        publish(cls.report, T4)
        # Never published: in no feed.
        cls.draft = project(cls.endorf, "Entwurf Glasfaser", date(2025, 1, 1), "3.3", None)
        cls.draft.save_revision()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()  # setUpTestData: the pages exist from here on
        cls.index_dir = tempfile.TemporaryDirectory(ignore_cleanup_errors=True)
        cls.engine = EmbeddedEngine(path=Path(cls.index_dir.name))
        cls.engine.rebuild(all_documents())

    @classmethod
    def tearDownClass(cls):
        cls.index_dir.cleanup()
        super().tearDownClass()

    def setUp(self):
        reset_engine(self.engine)
        self.addCleanup(reset_engine, None)

    # -- helpers -----------------------------------------------------------------------------

    def feed(self, url: str) -> ET.Element:
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200, response.content[:300])
        self.assertEqual(response["Content-Type"], "application/atom+xml; charset=utf-8")
        root = ET.fromstring(response.content)
        self.assertEqual(root.tag, f"{ATOM}feed")
        return root

    @staticmethod
    def titles(root: ET.Element) -> list[str]:
        return [entry.findtext(f"{ATOM}title") for entry in root.iter(f"{ATOM}entry")]

    @staticmethod
    def entry(root: ET.Element, title: str) -> ET.Element:
        return next(e for e in root.iter(f"{ATOM}entry") if e.findtext(f"{ATOM}title") == title)

    # -- the search feed ---------------------------------------------------------------------

    def test_search_feed_lists_everything_public_last_published_first(self):
        root = self.feed("/feeds/suche/")
        self.assertEqual(
            self.titles(root),
            ["Ein Jahr Fernwartung", "Dorfladen mit Videotür", "Boppard misst Pegel", "Laternen <Fernwartung> & mehr"],
        )
        self.assertEqual(root.get("{http://www.w3.org/XML/1998/namespace}lang"), "de")
        self.assertTrue(root.findtext(f"{ATOM}title").startswith("Alle Inhalte – "))
        self.assertIn("zuletzt veröffentlichten zuerst", root.findtext(f"{ATOM}subtitle"))
        self.assertIn("CC BY 4.0", root.findtext(f"{ATOM}rights"))
        self.assertEqual(root.findtext(f"{ATOM}updated"), "2025-04-10T09:00:00+00:00")

    def test_entry_fields(self):
        root = self.feed("/feeds/suche/")
        project = self.entry(root, "Laternen <Fernwartung> & mehr")
        self.assertEqual(project.find(f"{ATOM}link").get("href"), f"http://testserver{self.laternen.url}")
        self.assertEqual(project.findtext(f"{ATOM}id"), f"tag:localhost,2025:projekt/{self.laternen.external_id}")
        self.assertEqual(project.findtext(f"{ATOM}updated"), "2025-01-10T09:00:00+00:00")
        self.assertEqual(project.findtext(f"{ATOM}author/{ATOM}name"), "Bad Endorf")
        summary = project.find(f"{ATOM}summary")
        self.assertEqual(summary.get("type"), "html")
        # Plain text, HTML-escaped once for type="html": a reader shows "&", never markup.
        self.assertEqual(summary.text, "Worum es bei Laternen &lt;Fernwartung&gt; &amp; mehr geht &amp; warum.")
        categories = [c.get("term") for c in project.iter(f"{ATOM}category")]
        self.assertEqual(categories[0], "Projekt-Steckbrief")
        self.assertIn("3.3 " + Guideline.objects.get(code="3.3").title, categories)

        report = self.entry(root, "Ein Jahr Fernwartung")
        self.assertEqual(report.findtext(f"{ATOM}author/{ATOM}name"), "Hochschule Rosenheim")
        self.assertEqual(report.findtext(f"{ATOM}summary"), "Strom &amp; Wege gespart.")
        self.assertEqual(
            report.findtext(f"{ATOM}id"), f"tag:localhost,2025:erfahrungsbericht/{self.report.external_id}"
        )
        # The report carries its project's Charta terms, as in the search.
        self.assertIn(
            "3.3 " + Guideline.objects.get(code="3.3").title, [c.get("term") for c in report.iter(f"{ATOM}category")]
        )

    def test_search_feed_applies_text_and_filters(self):
        self.assertEqual(
            self.titles(self.feed("/feeds/suche/?guideline=3.3")),
            ["Ein Jahr Fernwartung", "Boppard misst Pegel", "Laternen <Fernwartung> & mehr"],
        )
        self.assertEqual(self.titles(self.feed(f"/feeds/suche/?state={BOPPARD[:2]}")), ["Boppard misst Pegel"])
        self.assertEqual(self.titles(self.feed("/feeds/suche/?q=Videot%C3%BCr")), ["Dorfladen mit Videotür"])
        self.assertEqual(
            self.titles(self.feed("/feeds/suche/?content_type=projekt&guideline=3.3")),
            ["Boppard misst Pegel", "Laternen <Fernwartung> & mehr"],
        )

    def test_search_feed_self_link_names_only_what_decides_the_entries(self):
        root = self.feed(f"/feeds/suche/?sort=titel&page=2&kommune={BAD_ENDORF}&guideline=3.3&q=Pegel")
        links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
        self.assertEqual(links["self"], "http://testserver/feeds/suche/?q=Pegel&guideline=3.3")
        self.assertEqual(links["alternate"], "http://testserver/suche/?q=Pegel&guideline=3.3")
        self.assertEqual(root.findtext(f"{ATOM}id"), links["self"])
        self.assertIn("„Pegel“", root.findtext(f"{ATOM}title"))
        self.assertEqual(self.titles(root), ["Boppard misst Pegel"])  # sort and page are the feed's own

    def test_invalid_search_parameters_answer_400_in_german(self):
        for query in (
            "size_class=riesig",
            "page_size=5000",
            "q=%ED%A0%80",
            "q=" + "x" * 10_000,
            "sort=passend",
            "guideline=<script>",
            "kommune=123",
        ):
            with self.subTest(query=query):
                response = self.client.get("/feeds/suche/?" + query)
                self.assertEqual(response.status_code, 400)
                self.assertEqual(response["Content-Type"], "text/plain; charset=utf-8")
                self.assertTrue(response.content.decode().startswith("Ungültige Anfrage:"))

    def test_only_get_and_head(self):
        self.assertEqual(self.client.post("/feeds/suche/").status_code, 405)
        self.assertEqual(self.client.head("/feeds/kommune/09187128/").status_code, 200)

    def test_a_filtered_feed_is_503_while_the_engine_is_down_never_the_unfiltered_fallback(self):
        reset_engine(UnreachableEngine())
        response = self.client.get("/feeds/suche/?guideline=3.3")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response["Retry-After"], "300")
        self.assertIn("später noch einmal", response.content.decode())
        self.assertEqual(self.client.get("/feeds/charta/leitlinien/1.2/").status_code, 503)
        # Without text and filters the database fallback is exact: all live pages, last published first.
        self.assertEqual(self.titles(self.feed("/feeds/suche/"))[0], "Ein Jahr Fernwartung")

    # -- drafts and restricted pages ---------------------------------------------------------

    def test_drafts_never_appear(self):
        for url in ("/feeds/suche/", f"/feeds/kommune/{BAD_ENDORF}/", "/feeds/charta/leitlinien/3.3/"):
            with self.subTest(url=url):
                self.assertNotIn("Entwurf Glasfaser", self.titles(self.feed(url)))

    def test_a_page_restricted_after_indexing_is_left_out(self):
        # The index still holds it (a restriction alone does not reindex); the feed asks the database.
        PageViewRestriction.objects.create(page=self.dorfladen, restriction_type=PageViewRestriction.LOGIN)
        for url in ("/feeds/suche/", f"/feeds/kommune/{BAD_ENDORF}/", "/feeds/charta/leitlinien/1.2/"):
            with self.subTest(url=url):
                self.assertNotIn("Dorfladen mit Videotür", self.titles(self.feed(url)))

    def test_an_unpublished_page_is_left_out_before_the_index_hears_of_it(self):
        ProjectPage.objects.filter(pk=self.boppard_project.pk).update(live=False)
        self.assertNotIn("Boppard misst Pegel", self.titles(self.feed("/feeds/suche/")))

    # -- municipality and term feeds ---------------------------------------------------------

    def test_municipality_feed(self):
        root = self.feed(f"/feeds/kommune/{BAD_ENDORF}/")
        self.assertEqual(
            self.titles(root), ["Ein Jahr Fernwartung", "Dorfladen mit Videotür", "Laternen <Fernwartung> & mehr"]
        )
        self.assertTrue(root.findtext(f"{ATOM}title").startswith("Kommune Bad Endorf – "))
        self.assertIn(BAD_ENDORF, root.findtext(f"{ATOM}subtitle"))
        alternate = next(link for link in root.findall(f"{ATOM}link") if link.get("rel") == "alternate")
        self.assertEqual(alternate.get("href"), f"http://testserver{self.endorf.url}")
        # The same entry as in the search feed: id, date, author and categories.
        searched = self.entry(self.feed("/feeds/suche/"), "Ein Jahr Fernwartung")
        here = self.entry(root, "Ein Jahr Fernwartung")
        for field in ("id", "updated", "summary", "link"):
            self.assertEqual(ET.tostring(here.find(f"{ATOM}{field}")), ET.tostring(searched.find(f"{ATOM}{field}")))
        self.assertEqual(
            [c.get("term") for c in here.iter(f"{ATOM}category")],
            [c.get("term") for c in searched.iter(f"{ATOM}category")],
        )

    def test_registry_municipality_without_page_has_an_empty_feed(self):
        root = self.feed(f"/feeds/kommune/{BUXTEHUDE}/")
        self.assertEqual(self.titles(root), [])

    def test_unknown_municipality_is_404(self):
        for ags in ("99999999", "0918712", "abc", "09187128x"):
            with self.subTest(ags=ags):
                self.assertEqual(self.client.get(f"/feeds/kommune/{ags}/").status_code, 404)

    def test_term_feeds(self):
        expected = ["Ein Jahr Fernwartung", "Boppard misst Pegel", "Laternen <Fernwartung> & mehr"]
        root = self.feed("/feeds/charta/leitlinien/3.3/")
        self.assertEqual(self.titles(root), expected)
        self.assertIn(Guideline.objects.get(code="3.3").title, root.findtext(f"{ATOM}title"))
        alternate = next(link for link in root.findall(f"{ATOM}link") if link.get("rel") == "alternate")
        self.assertEqual(alternate.get("href"), "http://testserver/charta/leitlinien/3.3/")
        # A main guideline also lists what is filed under its sub-guidelines.
        self.assertEqual(self.titles(self.feed("/feeds/charta/leitlinien/3/")), expected)
        self.assertEqual(self.titles(self.feed("/feeds/charta/leitlinien/1.2/")), ["Dorfladen mit Videotür"])
        self.assertEqual(self.titles(self.feed("/feeds/charta/handlungsfelder/energie-klima/")), [])

    def test_unknown_term_is_404(self):
        actor = ActorGroup.objects.first().code
        for url in (
            "/feeds/charta/leitlinien/9.9/",
            "/feeds/charta/unbekannt/3.3/",
            f"/feeds/charta/akteure/{actor}/",  # no search facet, so no feed
            "/feeds/charta/empfehlungen/zz/",
            "/feeds/charta/leitlinien/3%003/",
        ):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)

    # -- the pages announce their feeds ------------------------------------------------------

    def assert_announces(self, url: str, feed_url: str) -> None:
        html = self.client.get(url).content.decode()
        self.assertInHTML(
            f'<link rel="alternate" type="application/atom+xml" href="{feed_url}" title="{self.feed_title(html)}">',
            html,
        )
        self.assertInHTML(
            f'<a href="{feed_url}" type="application/atom+xml">Als Feed abonnieren (Atom)</a>', html, count=1
        )

    @staticmethod
    def feed_title(html: str) -> str:
        start = html.index('type="application/atom+xml" title="') + len('type="application/atom+xml" title="')
        return html[start : html.index('"', start)]

    def test_search_page_announces_its_feed(self):
        self.assert_announces("/suche/?guideline=3.3&q=Pegel&sort=titel", "/feeds/suche/?q=Pegel&amp;guideline=3.3")
        html = self.client.get("/suche/?size_class=riesig").content.decode()
        self.assertNotIn("application/atom+xml", html)  # an invalid search has no feed

    def test_municipality_page_announces_its_feed(self):
        self.assert_announces(self.endorf.url, f"/feeds/kommune/{BAD_ENDORF}/")

    def test_term_page_announces_its_feed(self):
        self.assert_announces("/charta/leitlinien/3.3/", "/feeds/charta/leitlinien/3.3/")
        actor = ActorGroup.objects.first().code
        self.assertNotIn("application/atom+xml", self.client.get(f"/charta/akteure/{actor}/").content.decode())

    def test_announced_feeds_answer(self):
        for url in ("/suche/?guideline=3.3", self.endorf.url, "/charta/leitlinien/3.3/"):
            html = self.client.get(url).content.decode()
            start = html.index('<link rel="alternate"')
            href = html[html.index('href="', start) + 6 : html.index('"', html.index('href="', start) + 6)]
            self.assertEqual(self.client.get(href.replace("&amp;", "&")).status_code, 200, href)
