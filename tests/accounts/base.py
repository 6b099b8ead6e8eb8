"""Shared test data for the role tests: two municipalities with content, one user per role.

Built once per test class (``setUpTestData``) from the exchange-format factories, not from
the whole demo; every test runs in its own transaction on top of it.
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.test import TestCase
from django.urls import reverse

from cms.accounts.roles import ROLE_FORSCHUNG, ROLE_KOMMUNE, editorial_group, grant_role, setup_roles
from cms.core.site_setup import ensure_site_structure, section
from cms.exchange.importer import import_files
from cms.knowledge.models import ChecklistPage, GuidePage
from cms.projects.models import EvaluationReportPage, ExperienceReportPage, MunicipalityPage, ProjectPage
from registry.loaders import load_taxonomy
from tests import factories

AGS_A = "09187128"  # Bad Endorf
AGS_B = "07140501"  # Boppard
WAGTAIL_DENIED = "Sie haben leider keinen Zugang zu diesem Bereich."
ADMIN_HOME = "/admin/"


def exchange_data() -> dict:
    """``factories.bundle()`` without uploaded files, plus a second municipality with a project."""
    data = factories.bundle()
    project_a = data["municipalities"][0]["projects"][0]
    project_a.update(images=[], documents=[])
    for report in project_a["reports"]:
        report.pop("pdf", None)
    project_b = copy.deepcopy(project_a)
    project_b.update(
        id="projekt-test-boppard",
        slug="digitales-rathaus",
        title="Digitales Rathaus Boppard",
        summary="Bürgerinnen und Bürger erledigen Anträge online.",
        partner_municipalities=[],
        reports=[
            {
                "id": "bericht-test-boppard-erfahrung",
                "type": "experience",
                "title": "Erste Erfahrungen im Bürgerbüro",
                "date": "2024-02-01",
                "author_organisation": "Stadt Boppard",
                "findings": "<p>Weniger Wartezeit im Bürgerbüro.</p>",
            }
        ],
    )
    data["municipalities"].append({"id": f"kommune-{AGS_B}", "ags": AGS_B, "demo": True, "projects": [project_b]})
    return data


class RolesTestCase(TestCase):
    """Two municipalities (A: Bad Endorf, B: Boppard), imported and published, and the users:

    ``kommune_a``/``kommune_b`` (municipality editors), ``forscher``/``forscher2`` (research),
    ``redakteur`` (editorial team).
    """

    @classmethod
    def setUpTestData(cls):
        load_taxonomy()
        factories.sample_municipalities()
        ensure_site_structure()
        with tempfile.TemporaryDirectory() as tmp:
            import_files([factories.write_bundle(Path(tmp), exchange_data())])
        setup_roles()

        cls.kommunen = section("kommunen")
        cls.wissen = section("wissen")
        cls.muni_a = MunicipalityPage.objects.get(municipality__ags=AGS_A)
        cls.muni_b = MunicipalityPage.objects.get(municipality__ags=AGS_B)
        cls.project_a = ProjectPage.objects.get(external_id="projekt-test-laternen")
        cls.project_b = ProjectPage.objects.get(external_id="projekt-test-boppard")
        cls.evaluation_a = EvaluationReportPage.objects.get(external_id="bericht-test-evaluation")
        cls.experience_a = ExperienceReportPage.objects.get(external_id="bericht-test-erfahrung")
        cls.experience_b = ExperienceReportPage.objects.get(external_id="bericht-test-boppard-erfahrung")
        cls.guide = GuidePage.objects.get(external_id="leitfaden-test")
        cls.checklist = ChecklistPage.objects.get(external_id="checkliste-test")

        User = get_user_model()

        def user(username, role=None, page=None):
            u = User.objects.create_user(username, f"{username}@example.org", "geheim-123", first_name=username.title())
            if role:
                grant_role(u, role, municipality_page=page)
            return u

        cls.kommune_a = user("anna", ROLE_KOMMUNE, cls.muni_a)
        cls.kommune_b = user("bernd", ROLE_KOMMUNE, cls.muni_b)
        cls.forscher = user("frieda", ROLE_FORSCHUNG)
        cls.forscher2 = user("fritz", ROLE_FORSCHUNG)
        cls.redakteur = user("rita")
        cls.redakteur.groups.add(editorial_group())

    # -- helpers ---------------------------------------------------------------------------
    def login(self, user):
        self.client.force_login(user)

    def assertWagtailDenied(self, response):
        """What Wagtail 8 itself does on a failed permission check: redirect to the dashboard
        with an error message (``wagtail.admin.auth.permission_denied``)."""
        self.assertRedirects(response, ADMIN_HOME, fetch_redirect_response=False)
        follow = self.client.get(ADMIN_HOME)
        self.assertIn(WAGTAIL_DENIED, [str(m).strip() for m in follow.context["messages"]])

    def assertHookDenied(self, response, reason=None):
        """What the role hooks do: a 403 page in the admin that says why."""
        self.assertEqual(response.status_code, 403)
        self.assertTemplateUsed(response, "accounts/permission_denied.html")
        if reason is not None:
            self.assertContains(response, str(reason), status_code=403)

    @staticmethod
    def url(name, *args):
        return reverse(f"wagtailadmin_pages:{name}", args=args)
