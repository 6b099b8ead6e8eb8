"""Small content for the download tests: built once per test class from the exchange factories.

Four projects: two live and public (one of them titled like a spreadsheet formula, with formula-like
tags, programme and summary), one unpublished (a draft) and one behind a password. The evaluation
has a negative indicator, and every project's contact has a name and an e-mail address, which no
download may contain.
"""

from __future__ import annotations

import copy
import csv
import io
import shutil
import tempfile
from datetime import date, datetime
from pathlib import Path

from django.core.cache import cache
from django.test import TestCase, override_settings
from openpyxl import load_workbook
from wagtail.models import PageViewRestriction

from cms.core.site_setup import ensure_site_structure
from cms.exchange.importer import import_files
from cms.projects.models import ProjectPage
from registry.loaders import load_taxonomy
from search.documents import all_documents
from search.engines import reset_engine
from search.engines.embedded import EmbeddedEngine
from tests import factories
from tests.pdfgen import make_pdf

FORMULA_TITLE = '=HYPERLINK("http://evil.example/","klick")'
FORMULA_SUMMARY = "@SUM(1) Laternen melden Ausfälle automatisch an den Betriebshof."
FORMULA_TEXT = "-1+2"
DRAFT_TITLE = "Entwurf: Digitale Parkraumbewirtschaftung"
RESTRICTED_TITLE = "Geschützt: Interner Bauhof-Funk"
CONTACT_NAME = "Erika Beispiel"
CONTACT_EMAIL = "erika.beispiel@example.org"
NEGATIVE_INDICATOR = {
    "name": "Abweichung der Nachttemperatur",
    "unit": "K",
    "baseline": -1.5,
    "target": -0.5,
    "measured": -2,
    "measured_on": "2022-12-31",
}


def _project(base: dict, **changes) -> dict:
    project = copy.deepcopy(base)
    project.update(reports=[], partner_municipalities=[], images=[], documents=[], adapted_from=[], **changes)
    return project


def content_bundle() -> dict:
    data = factories.add_grossstadt_project(
        factories.bundle(), funding_programme=FORMULA_TEXT, tags=["@SUM(1)", FORMULA_TEXT]
    )
    data["municipalities"][-1]["projects"][0].update(title=FORMULA_TITLE, summary=FORMULA_SUMMARY)
    laternen = data["municipalities"][0]["projects"][0]
    laternen["reports"][0]["indicators"].append(NEGATIVE_INDICATOR)
    for ags, external_id, title in (
        ("07140501", "projekt-test-entwurf", DRAFT_TITLE),
        ("03359010", "projekt-test-geschuetzt", RESTRICTED_TITLE),
    ):
        slug = external_id.removeprefix("projekt-test-")
        project = _project(laternen, id=external_id, slug=slug, title=title, summary=f"{title}: nur intern.")
        data["municipalities"].append({"id": f"kommune-{ags}", "ags": ags, "demo": True, "projects": [project]})
    return data


def import_content() -> None:
    """Import ``content_bundle()`` with its files, then hide the draft and the restricted project."""
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "files").mkdir()
        (directory / "files" / "bericht.pdf").write_bytes(make_pdf(["Evaluationsbericht"], title="Bericht"))
        (directory / "files" / "foto.png").write_bytes(factories.png_bytes())
        import_files([factories.write_bundle(directory, content_bundle())])
    # An image and a document inside the content blocks as well (the format has no file references there).
    laternen = ProjectPage.objects.get(external_id="projekt-test-laternen")
    image, document = laternen.gallery_images.get().image, laternen.attachments.get().document
    laternen.body.append(("image", {"image": image, "alt_text": "Laterne bei Nacht", "caption": ""}))
    laternen.body.append(("document", {"document": document, "title": "Projektbericht"}))
    laternen.save_revision().publish()
    ProjectPage.objects.get(external_id="projekt-test-entwurf").unpublish()
    restricted = ProjectPage.objects.get(external_id="projekt-test-geschuetzt")
    PageViewRestriction.objects.create(page=restricted, restriction_type="password", password="geheim")


class ContentTestCase(TestCase):
    """The content above, a search index built from it, and a download directory of the class's own."""

    @classmethod
    def setUpTestData(cls):
        load_taxonomy()
        factories.sample_municipalities()
        ensure_site_structure()
        import_content()
        cls.engine.rebuild(list(all_documents()))

    @classmethod
    def setUpClass(cls):
        cls.data_dir = Path(tempfile.mkdtemp(prefix="opendata-test-"))
        cls.enterClassContext(override_settings(DATA_DIR=cls.data_dir))
        cls.engine = EmbeddedEngine(path=cls.data_dir / "index")
        reset_engine(cls.engine)
        cls.addClassCleanup(reset_engine, None)
        super().setUpClass()

    def setUp(self):
        cache.clear()  # the download rate limit counts per client, and every test is the same client
        shutil.rmtree(self.data_dir / "opendata", ignore_errors=True)  # each test builds its files anew


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte order mark"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def xlsx_workbook(content: bytes):
    return load_workbook(io.BytesIO(content))


def xlsx_rows(content: bytes) -> list[list]:
    sheet = xlsx_workbook(content).worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def as_csv_text(value) -> str:
    """An XLSX cell's value as the CSV file writes it, to compare the two files row by row."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
