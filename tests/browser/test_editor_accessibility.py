"""The editor as municipal and research editors meet it, checked with axe-core in a real browser.

One walk through the admin: the login page, then as a municipal editor the dashboard, the page
explorer of the municipality, the create and edit forms of a Steckbrief and an Erfahrungsbericht;
then as a researcher the create and edit forms of an Evaluationsbericht, a Leitfaden and a
Checkliste. No critical or serious violation may appear except the ones listed in
``tests/a11y_known.py``, each caused inside Wagtail and documented in docs/accessibility.md.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from cms.accounts.roles import ROLE_FORSCHUNG, ROLE_KOMMUNE, grant_role, setup_roles
from cms.exchange.importer import import_files
from cms.knowledge.models import ChecklistPage, GuidePage
from cms.projects.models import EvaluationReportPage, ExperienceReportPage, MunicipalityPage, ProjectPage
from search.engines import get_engine
from tests.a11y_known import KNOWN_EDITOR_VIOLATIONS
from tests.factories import bundle, write_bundle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Browser-Test-2026"
SEVERE = {"critical", "serious"}


@pytest.fixture
def editors(site, exchange_dir):
    get_engine().clear()
    import_files([write_bundle(exchange_dir, bundle())])
    setup_roles()
    municipality = MunicipalityPage.objects.get(municipality__ags="09187128")
    User = get_user_model()
    kommune = User.objects.create_user("kommune-bad-endorf", "kommune@example.org", PASSWORD, first_name="Anna")
    grant_role(kommune, ROLE_KOMMUNE, municipality_page=municipality)
    forscher = User.objects.create_user("forschung", "forschung@example.org", PASSWORD, first_name="Frieda")
    grant_role(forscher, ROLE_FORSCHUNG)
    # Researchers edit their own evaluation reports only: this one is hers.
    evaluation = EvaluationReportPage.objects.get(external_id="bericht-test-evaluation")
    evaluation.owner = forscher
    evaluation.save(update_fields=["owner"])
    return municipality


REVEAL_TABS = """async () => {
    document.querySelectorAll('[role="tabpanel"][hidden]').forEach((panel) => { panel.hidden = false; });
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
}"""


def log_in(page, base_url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(base_url + "/admin/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(base_url + "/admin/")


def unexpected(name: str, violations: list[dict]) -> list[dict]:
    """The page's critical and serious violations that are not documented as Wagtail's own."""
    known = {rule for rule, page in KNOWN_EDITOR_VIOLATIONS if page == name}
    return [
        {"page": name, **violation}
        for violation in violations
        if violation["impact"] in SEVERE and violation["id"] not in known
    ]


def test_editor_pages_have_no_severe_violations(page, axe, live_server, editors):
    base = live_server.url
    project = ProjectPage.objects.get(external_id="projekt-test-laternen")
    experience = ExperienceReportPage.objects.get(external_id="bericht-test-erfahrung")
    evaluation = EvaluationReportPage.objects.get(external_id="bericht-test-evaluation")
    guide = GuidePage.objects.get(external_id="leitfaden-test")
    checklist = ChecklistPage.objects.get(external_id="checkliste-test")
    wissen = guide.get_parent()
    found: list[dict] = []

    def visit(name: str, path: str) -> None:
        page.goto(base + path)
        page.locator("main").first.wait_for()
        # Every tab of a form at once, so that one scan sees all fields (axe skips hidden ones),
        # and two frames for the editor's own scripts to finish building and naming widgets.
        page.evaluate(REVEAL_TABS)
        found.extend(unexpected(name, axe()))

    page.goto(base + "/admin/login/")
    found.extend(unexpected("Anmeldung", axe()))

    log_in(page, base, "kommune-bad-endorf")
    found.extend(unexpected("Dashboard", axe()))
    visit("Seitenliste der Kommune", f"/admin/pages/{editors.pk}/")
    visit("Steckbrief anlegen", f"/admin/pages/add/projects/projectpage/{editors.pk}/")
    visit("Steckbrief bearbeiten", f"/admin/pages/{project.pk}/edit/")
    visit("Erfahrungsbericht anlegen", f"/admin/pages/add/projects/experiencereportpage/{project.pk}/")
    visit("Erfahrungsbericht bearbeiten", f"/admin/pages/{experience.pk}/edit/")

    log_in(page, base, "forschung")
    found.extend(unexpected("Dashboard Forschung", axe()))
    visit("Evaluationsbericht anlegen", f"/admin/pages/add/projects/evaluationreportpage/{project.pk}/")
    visit("Evaluationsbericht bearbeiten", f"/admin/pages/{evaluation.pk}/edit/")
    visit("Leitfaden anlegen", f"/admin/pages/add/knowledge/guidepage/{wissen.pk}/")
    visit("Leitfaden bearbeiten", f"/admin/pages/{guide.pk}/edit/")
    visit("Checkliste anlegen", f"/admin/pages/add/knowledge/checklistpage/{wissen.pk}/")
    visit("Checkliste bearbeiten", f"/admin/pages/{checklist.pk}/edit/")
    assert not re.search(r"/admin/login/", page.url)

    assert found == [], "\n".join(map(str, found))
    assert page.third_party_requests == []
