"""Bulk onboarding in a real browser: a municipal editor downloads the template from "Steckbriefe
hochladen", fills in two projects, uploads it, reads the dry run, confirms, and both projects wait in
the review workflow, unpublished. axe-core finds no critical or serious violation on any admin page
visited: the allow-list of violations caused inside Wagtail (tests/a11y_known.py, docs/accessibility.md)
covers the page editor, not these pages, so none is allowed here."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from openpyxl import load_workbook
from playwright.sync_api import expect
from wagtail.models import WorkflowState

from cms.accounts.roles import ROLE_KOMMUNE, grant_role, setup_roles
from cms.exchange import spreadsheet
from cms.exchange.importer import import_files
from cms.projects.models import MunicipalityPage, ProjectPage
from search.engines import get_engine
from tests.factories import bundle, write_bundle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Browser-Test-2026"
SEVERE = {"critical", "serious"}
PROJECTS = [
    {
        "id": "projekt-bad-endorf-buergerbus",
        "municipality_ags": "09187128",
        "title": "Bürgerbus auf Abruf",
        "summary": "Ein Kleinbus fährt auf Bestellung per App und Telefon.",
        "status": "pilot",
        "start_date": "2025-04-01",
        "guidelines": "1.2",
    },
    {
        "id": "projekt-bad-endorf-sensoren",
        "municipality_ags": "09187128",
        "title": "Pegelsensoren am Bach",
        "summary": "Sensoren melden Hochwasser früh an die Feuerwehr.",
        "status": "planung",
    },
]


@pytest.fixture
def kommune_user(site, exchange_dir):
    get_engine().clear()  # an empty index of this test's own: publishing and importing write to it
    import_files([write_bundle(exchange_dir, bundle())])
    setup_roles()
    municipality = MunicipalityPage.objects.get(municipality__ags="09187128")
    user = get_user_model().objects.create_user("kommune-bad-endorf", "kommune@example.org", PASSWORD)
    grant_role(user, ROLE_KOMMUNE, municipality_page=municipality)
    return user


def severe(violations: list[dict]) -> list[dict]:
    return [violation for violation in violations if violation["impact"] in SEVERE]


def filled(template: bytes) -> bytes:
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook[spreadsheet.PROJECT_SHEET]
    keys = [column.key for column in spreadsheet.sheet_specs()[0].columns]
    for offset, row in enumerate(PROJECTS):
        for key, value in row.items():
            sheet.cell(spreadsheet.FIRST_DATA_ROW + offset, keys.index(key) + 1, value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_kommune_uploads_two_projects_for_review(page, axe, live_server, kommune_user, tmp_path):
    base = live_server.url
    page.goto(base + "/admin/login/")
    page.get_by_label("Benutzername").fill("kommune-bad-endorf")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(base + "/admin/")

    page.locator("#wagtail-sidebar").get_by_role("link", name="Steckbriefe hochladen").click()
    page.wait_for_url(base + "/admin/steckbriefe-hochladen/")
    expect(page.get_by_role("heading", name="2. Datei hochladen und prüfen")).to_be_visible()
    expect(page.get_by_role("link", name="Vorhandene Steckbriefe als Tabelle herunterladen")).to_be_visible()
    assert severe(axe()) == []

    # An empty submission: the error summary names the field, in German.
    page.get_by_role("button", name="Hochladen und prüfen").click()
    expect(page.get_by_role("alert").filter(has_text="Bitte wählen Sie eine Datei aus.")).to_be_visible()
    assert page.locator("#id_file").get_attribute("aria-invalid") == "true"
    assert severe(axe()) == []

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Leere Vorlage herunterladen (XLSX)").click()
    template = tmp_path / "vorlage.xlsx"
    download_info.value.save_as(template)
    upload = tmp_path / "steckbriefe.xlsx"
    upload.write_bytes(filled(template.read_bytes()))

    page.locator("#id_file").set_input_files(str(upload))
    page.get_by_role("button", name="Hochladen und prüfen").click()
    preview = page.locator("#vorschau")
    expect(preview).to_contain_text("Bürgerbus auf Abruf")
    expect(preview).to_contain_text("Pegelsensoren am Bach")
    assert preview.locator("tbody tr").count() == 2
    expect(preview.locator("tbody")).to_contain_text("wird angelegt")
    assert page.locator("#fehler").count() == 0
    assert ProjectPage.objects.filter(external_id__startswith="projekt-bad-endorf-").count() == 0  # a dry run
    assert severe(axe()) == []

    page.get_by_role("button", name="Bestätigen und zur Prüfung einreichen").click()
    page.wait_for_url(base + "/admin/steckbriefe-hochladen/")
    expect(page.get_by_text("2 neu angelegt, 0 aktualisiert")).to_be_visible()
    assert severe(axe()) == []

    projects = ProjectPage.objects.filter(external_id__startswith="projekt-bad-endorf-")
    assert projects.count() == 2
    for project in projects:
        assert not project.live
        state = WorkflowState.objects.get(object_id=str(project.pk))
        assert state.status == WorkflowState.STATUS_IN_PROGRESS and state.requested_by == kommune_user
    assert page.third_party_requests == []
