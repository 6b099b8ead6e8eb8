"""The small data set every API test reads: built once per test class from tests/factories.py.

Two public projects (Bad Endorf's, with an evaluation of three indicators and an experience
report; München's, adapted from it), and what must never show: a draft project (also adapted
from Bad Endorf's, and named as a guide's example), a project behind a password with a report of
its own, a draft evaluation below the public project and a draft guide. The search index is
built from it in a directory of its own, after the drafts were made.
"""

from __future__ import annotations

import copy
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.test import TestCase
from wagtail.models import PageViewRestriction

from cms.core.site_setup import ensure_site_structure
from cms.exchange.importer import import_files
from cms.knowledge.models import GuidePage
from cms.projects.models import EvaluationReportPage, ExperienceReportPage, ProjectPage
from registry.loaders import load_taxonomy
from search.documents import all_documents
from search.engines import reset_engine
from search.engines.embedded import EmbeddedEngine
from tests import factories

INDICATORS = [
    {
        "name": "Stromverbrauch",
        "unit": "MWh/a",
        "baseline": 310,
        "target": 200,
        "measured": 183,
        "measured_on": "2022-12-31",
    },
    {"name": "Ausfallzeit je Laterne", "unit": "h/a", "baseline": 12.5, "target": 4, "measured": 5.25},
    {"name": "Zufriedenheit", "unit": "", "baseline": None, "target": None, "measured": 4.1},
]
CONTACT_SECRETS = ("erika.beispiel@example.org", "Erika Beispiel")


@dataclass
class Ids:
    project: int
    grossstadt: int
    draft_project: int
    restricted_project: int
    evaluation: int
    experience: int
    draft_report: int
    restricted_report: int
    draft_guide: int


def exchange_data() -> dict:
    data = factories.add_grossstadt_project(
        factories.bundle(), adapted_from=[{"project": "projekt-test-laternen", "note": "Größer, mit Betriebshof."}]
    )
    laternen = data["municipalities"][0]["projects"][0]
    evaluation, experience = laternen["reports"]
    evaluation["indicators"] = copy.deepcopy(INDICATORS)
    draft_report = copy.deepcopy(evaluation)
    draft_report.update(id="bericht-test-entwurf", title="Evaluation im Entwurf", slug="evaluation-entwurf")
    laternen["reports"].append(draft_report)

    draft = copy.deepcopy(data["municipalities"][1]["projects"][0])
    draft.update(id="projekt-test-entwurf", slug="entwurf", title="Entwurf eines Projekts", reports=[])
    data["municipalities"][1]["projects"].append(draft)

    restricted = copy.deepcopy(laternen)
    restricted.update(
        id="projekt-test-geschuetzt",
        slug="geschuetzt",
        title="Geschütztes Projekt",
        adapted_from=[{"project": "projekt-test-laternen", "note": "Intern."}],
    )
    restricted["reports"] = [dict(copy.deepcopy(evaluation), id="bericht-test-geschuetzt", slug="geschuetzt")]
    data["municipalities"][0]["projects"].append(restricted)

    guide = data["guides"][0]
    guide["example_projects"].append({"project": "projekt-test-entwurf", "note": "Noch nicht öffentlich."})
    data["guides"].append(
        dict(copy.deepcopy(guide), id="leitfaden-entwurf", title="Leitfaden im Entwurf", example_projects=[])
    )

    # No files: the API leaves them out, and copying them would only slow the import.
    for municipality in data["municipalities"]:
        for project in municipality["projects"]:
            project["images"], project["documents"] = [], []
            for report in project["reports"]:
                report.pop("pdf", None)
    return data


def build() -> Ids:
    load_taxonomy()
    factories.sample_municipalities()
    ensure_site_structure()
    with tempfile.TemporaryDirectory() as tmp:
        import_files([factories.write_bundle(Path(tmp), exchange_data())])
    by_id = {page.external_id: page for page in ProjectPage.objects.all()}
    by_id["projekt-test-entwurf"].unpublish()
    restricted = by_id["projekt-test-geschuetzt"]
    PageViewRestriction.objects.create(
        page=restricted, restriction_type=PageViewRestriction.PASSWORD, password="geheim"
    )
    draft_report = EvaluationReportPage.objects.get(external_id="bericht-test-entwurf")
    draft_report.unpublish()
    draft_guide = GuidePage.objects.get(external_id="leitfaden-entwurf")
    draft_guide.unpublish()
    return Ids(
        project=by_id["projekt-test-laternen"].pk,
        grossstadt=by_id["projekt-test-grossstadt"].pk,
        draft_project=by_id["projekt-test-entwurf"].pk,
        restricted_project=restricted.pk,
        evaluation=EvaluationReportPage.objects.get(external_id="bericht-test-evaluation").pk,
        experience=ExperienceReportPage.objects.get(external_id="bericht-test-erfahrung").pk,
        draft_report=draft_report.pk,
        restricted_report=EvaluationReportPage.objects.get(external_id="bericht-test-geschuetzt").pk,
        draft_guide=draft_guide.pk,
    )


class ApiTestCase(TestCase):
    """The data set for the class, and a search index of it for each test."""

    ids: Ids

    @classmethod
    def setUpTestData(cls) -> None:
        cls.ids = build()

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()  # setUpTestData, inside the class's transaction
        # Not in setUpTestData: Django copies what that sets for each test, and an engine holds locks.
        cls.index_dir = tempfile.TemporaryDirectory()
        cls.engine = EmbeddedEngine(path=Path(cls.index_dir.name) / "index")
        cls.engine.rebuild(list(all_documents()))

    @classmethod
    def tearDownClass(cls) -> None:
        reset_engine(None)
        super().tearDownClass()
        cls.index_dir.cleanup()

    def setUp(self) -> None:
        reset_engine(self.engine)

    def get_json(self, url: str, status: int = 200, **headers) -> dict:
        response = self.client.get(url, headers=headers)
        self.assertEqual(response.status_code, status, response.content[:500])
        expected = "application/json" if status == 200 else "application/problem+json"
        self.assertTrue(response["Content-Type"].startswith(expected), response["Content-Type"])
        return response.json()
