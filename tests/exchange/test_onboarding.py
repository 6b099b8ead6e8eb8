"""Bulk onboarding in the admin (cms.exchange.onboarding): template, dry run, confirmation into review.

The data is built once per class: Bad Endorf with one published project and report (imported
through ``import_files``, as ``import_content`` does), München with one project, the roles and the
review workflow, and a user per role.
"""

from __future__ import annotations

import copy
import io
import json
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase, override_settings
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from wagtail.models import Page, Revision, WorkflowState

from cms.accounts.roles import ROLE_FORSCHUNG, ROLE_KOMMUNE, editorial_group, grant_role, setup_roles
from cms.core.site_setup import ensure_site_structure
from cms.exchange import spreadsheet
from cms.exchange.importer import import_files
from cms.exchange.validation import schema
from cms.projects.models import ExperienceReportPage, MunicipalityPage, ProjectPage
from registry.loaders import load_taxonomy
from tests import factories

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BAD_ENDORF, MUENCHEN = "09187128", "09162000"


def base_document() -> dict:
    """Bad Endorf's project with an experience report (no files: uploads carry none), and München's project."""
    project = copy.deepcopy(factories.PROJECT)
    for key in ("images", "documents", "adapted_from"):
        project.pop(key, None)
    project["reports"] = [r for r in project["reports"] if r["type"] == "experience"]
    muenchen_project = {
        "id": "projekt-muenchen-parken",
        "title": "Parksensoren",
        "summary": "Sensoren melden freie Parkplätze.",
        "status": "pilot",
    }
    return factories.bundle(
        municipalities=[
            {"id": "kommune-09187128", "ags": BAD_ENDORF, "projects": [project]},
            {"id": "kommune-09162000", "ags": MUENCHEN, "projects": [muenchen_project]},
        ],
        guides=[],
        checklists=[],
    )


def fill_template(projects: list[dict] = (), reports: list[dict] = ()) -> bytes:
    """The empty template with rows filled in by exchange field (``municipality_ags``/``project_id`` for the parent)."""
    out = io.BytesIO()
    spreadsheet.write_template(out)
    workbook = load_workbook(io.BytesIO(out.getvalue()))
    projects_spec, reports_spec = spreadsheet.sheet_specs()
    for spec, rows in ((projects_spec, projects), (reports_spec, reports)):
        sheet = workbook[spec.title]
        keys = [c.key for c in spec.columns]
        for offset, row in enumerate(rows):
            for key, value in row.items():
                sheet.cell(spreadsheet.FIRST_DATA_ROW + offset, keys.index(key) + 1, value)
    result = io.BytesIO()
    workbook.save(result)
    return result.getvalue()


def upload(name: str, content: bytes, content_type: str = XLSX) -> dict:
    return {"file": SimpleUploadedFile(name, content, content_type=content_type)}


NEW_PROJECT = {
    "id": "projekt-neu-buergerapp",
    "municipality_ags": BAD_ENDORF,
    "title": "Bürger-App",
    "summary": "Eine App für Mängelmeldungen.",
    "status": "planung",
    "start_date": "01.02.2025",
    "budget_eur": "12.500,50",
    "guidelines": "1.2; 3.3",
    "tags": "App; Beteiligung",
    "contact.email": "app@example.org",
}


class OnboardingTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_taxonomy()
        factories.sample_municipalities()
        ensure_site_structure()
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as folder:
            import_files([factories.write_bundle(Path(folder), base_document())])
        setup_roles()
        users = get_user_model().objects
        cls.kommune = users.create_user("kommune", "k@example.org", "x")
        grant_role(
            cls.kommune, ROLE_KOMMUNE, municipality_page=MunicipalityPage.objects.get(municipality__ags=BAD_ENDORF)
        )
        cls.forschung = users.create_user("forschung", "f@example.org", "x")
        grant_role(cls.forschung, ROLE_FORSCHUNG)
        cls.redaktion = users.create_user("redaktion", "r@example.org", "x")
        cls.redaktion.groups.add(editorial_group())
        cls.nobody = users.create_user("nobody", "n@example.org", "x")
        cls.url = reverse("exchange_onboarding")

    def dry_run(self, user, name: str, content: bytes, content_type: str = XLSX):
        self.client.force_login(user)
        return self.client.post(self.url, upload(name, content, content_type))

    def snapshot(self) -> tuple:
        return (
            Page.objects.count(),
            Revision.objects.count(),
            WorkflowState.objects.count(),
            list(Page.objects.order_by("pk").values_list("pk", "title", "live", "has_unpublished_changes")),
        )


class TemplateTests(OnboardingTestCase):
    def test_template_has_a_sheet_per_record_type_with_drop_down_lists(self):
        self.client.force_login(self.kommune)
        response = self.client.get(reverse("exchange_onboarding_template"))
        assert response.status_code == 200
        assert response["Content-Type"] == XLSX
        workbook = load_workbook(io.BytesIO(response.content))
        assert {spreadsheet.PROJECT_SHEET, spreadsheet.REPORT_SHEET, spreadsheet.CODES_SHEET} <= set(
            workbook.sheetnames
        )
        projects = workbook[spreadsheet.PROJECT_SHEET]
        headers = [cell.value for cell in projects[spreadsheet.HEADER_ROW]]
        explanations = [cell.value for cell in projects[spreadsheet.EXPLANATION_ROW]]
        assert "Status" in headers and "Kennung" in headers
        assert explanations[headers.index("Status")].startswith("[status]")
        formulas = [v.formula1 for v in projects.data_validations.dataValidation]
        assert any("regelbetrieb" in f for f in formulas)  # status
        assert any(spreadsheet.CODES_SHEET in f for f in formulas)  # Charta codes from the sheet "Codes"
        reports = workbook[spreadsheet.REPORT_SHEET]
        assert any("evaluation" in v.formula1 for v in reports.data_validations.dataValidation)

    def test_every_schema_field_is_a_column_or_named_as_left_out(self):
        projects_spec, reports_spec = spreadsheet.sheet_specs()
        project_schema = schema()["properties"]["municipalities"]["items"]["properties"]["projects"]["items"]
        for spec, record_schema in (
            (projects_spec, project_schema),
            (reports_spec, project_schema["properties"]["reports"]["items"]),
        ):
            columns = {c.key.split(".")[0] for c in spec.columns}
            left_out = set(spreadsheet.NOT_IN_TEMPLATE[spec.record_type])
            missing = set(record_schema["properties"]) - columns - left_out
            assert missing == set(), f"{spec.title}: schema fields missing from the template: {missing}"
            assert not columns & left_out

    def test_users_without_a_role_are_refused_and_do_not_see_the_menu(self):
        self.client.force_login(self.nobody)
        assert self.client.get(self.url).status_code in (302, 403)
        self.client.force_login(self.kommune)
        response = self.client.get(self.url)
        assert response.status_code == 200
        self.assertContains(response, "Vorhandene Steckbriefe als Tabelle herunterladen")
        self.assertContains(self.client.get(reverse("wagtailadmin_home")), "Steckbriefe hochladen")


class DryRunAndConfirmTests(OnboardingTestCase):
    def test_dry_run_shows_creates_and_updates_and_changes_nothing(self):
        content = fill_template(
            projects=[NEW_PROJECT, {"id": "projekt-test-laternen", "title": "Laternen, neu betitelt"}],
            reports=[
                {
                    "id": "bericht-neu",
                    "project_id": "projekt-neu-buergerapp",
                    "type": "experience",
                    "title": "Start",
                    "date": "2025-03-01",
                    "author_organisation": "Gemeinde",
                    "findings": "<p>Gut.</p>",
                }
            ],
        )
        before = self.snapshot()
        response = self.dry_run(self.kommune, "vorlage.xlsx", content)
        assert response.status_code == 200
        entries = {(e.record_id, e.action) for e in response.context["prepared"].entries}
        assert entries == {
            ("projekt-neu-buergerapp", "neu"),
            ("projekt-test-laternen", "aktualisiert"),
            ("bericht-neu", "neu"),
        }
        assert response.context["prepared"].problems == []
        assert response.context["confirm_form"] is not None
        self.assertContains(response, "wird angelegt")
        assert self.snapshot() == before

    def test_confirm_creates_drafts_submitted_for_review(self):
        content = fill_template(
            projects=[NEW_PROJECT, {"id": "projekt-test-laternen", "title": "Laternen, neu betitelt"}]
        )
        response = self.dry_run(self.kommune, "vorlage.xlsx", content)
        token = response.context["confirm_form"].initial["token"]
        response = self.client.post(reverse("exchange_onboarding_confirm"), {"token": token})
        assert response.status_code == 302
        new = ProjectPage.objects.get(external_id="projekt-neu-buergerapp")
        assert not new.live
        assert new.get_parent().specific.municipality.ags == BAD_ENDORF
        draft = new.get_latest_revision_as_object()
        assert draft.budget_eur == __import__("decimal").Decimal("12500.50")
        assert [g.code for g in draft.guidelines.all()] and draft.start_date.isoformat() == "2025-02-01"
        assert new.workflow_in_progress
        state = WorkflowState.objects.get(object_id=str(new.pk), status=WorkflowState.STATUS_IN_PROGRESS)
        assert state.requested_by == self.kommune
        existing = ProjectPage.objects.get(external_id="projekt-test-laternen")
        assert existing.live and existing.title == factories.PROJECT["title"]  # the live page is untouched
        assert existing.has_unpublished_changes and existing.workflow_in_progress
        assert existing.get_latest_revision_as_object().title == "Laternen, neu betitelt"
        assert existing.get_latest_revision_as_object().summary == factories.PROJECT["summary"]  # nothing erased
        # The municipality page only carried the projects: no revision, no review.
        assert not MunicipalityPage.objects.get(municipality__ags=BAD_ENDORF).workflow_in_progress
        # The token is used up: a second confirmation changes nothing.
        before = self.snapshot()
        self.client.post(reverse("exchange_onboarding_confirm"), {"token": token})
        assert self.snapshot() == before

    def test_a_forged_token_is_refused(self):
        content = fill_template(projects=[NEW_PROJECT])
        self.dry_run(self.kommune, "vorlage.xlsx", content)
        before = self.snapshot()
        response = self.client.post(reverse("exchange_onboarding_confirm"), {"token": "erfunden"}, follow=True)
        self.assertContains(response, "Die Vorschau ist abgelaufen")
        assert self.snapshot() == before

    def test_json_upload_works_too(self):
        document = {
            "format": "smart-city-exchange",
            "version": 1,
            "municipalities": [
                {
                    "id": "kommune-09187128",
                    "ags": BAD_ENDORF,
                    "projects": [{"id": "projekt-json", "title": "Aus JSON", "summary": "Kurz.", "status": "idee"}],
                }
            ],
        }
        response = self.dry_run(self.kommune, "daten.json", json.dumps(document).encode(), "application/json")
        assert [(e.record_id, e.action) for e in response.context["prepared"].entries] == [("projekt-json", "neu")]
        token = response.context["confirm_form"].initial["token"]
        self.client.post(reverse("exchange_onboarding_confirm"), {"token": token})
        page = ProjectPage.objects.get(external_id="projekt-json")
        assert not page.live and page.workflow_in_progress

    def test_round_trip_export_and_reimport_changes_nothing(self):
        self.client.force_login(self.kommune)
        municipality = MunicipalityPage.objects.get(municipality__ags=BAD_ENDORF)
        exported = self.client.get(reverse("exchange_onboarding_export", args=[municipality.pk]))
        assert exported.status_code == 200
        workbook = load_workbook(io.BytesIO(exported.content), read_only=True)
        assert workbook[spreadsheet.PROJECT_SHEET].max_row == spreadsheet.FIRST_DATA_ROW  # one project
        before = self.snapshot()
        response = self.dry_run(self.kommune, "export.xlsx", exported.content)
        prepared = response.context["prepared"]
        assert prepared.problems == []
        assert {(e.record_id, e.action) for e in prepared.entries} == {
            ("projekt-test-laternen", "unverändert"),
            ("bericht-test-erfahrung", "unverändert"),
        }
        assert response.context["confirm_form"] is None
        self.assertContains(response, "keine Änderungen")
        assert self.snapshot() == before

    def test_export_of_a_foreign_municipality_is_refused(self):
        self.client.force_login(self.kommune)
        muenchen = MunicipalityPage.objects.get(municipality__ags=MUENCHEN)
        response = self.client.get(reverse("exchange_onboarding_export", args=[muenchen.pk]))
        # Wagtail's admin turns PermissionDenied into a redirect to the dashboard with a message.
        assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")


class ProblemTests(OnboardingTestCase):
    def problems(self, response) -> list[tuple[str, str, str, str]]:
        return [(p.where, p.row, p.column, p.message) for p in response.context["prepared"].problems]

    def test_errors_name_sheet_row_and_column_in_german(self):
        content = fill_template(
            projects=[
                dict(NEW_PROJECT, start_date="31.02.2025"),
                dict(NEW_PROJECT, id="projekt-zwei", status="fertig", budget_eur="viel"),
                dict(NEW_PROJECT, id="projekt-drei", end_date="2020-01-01", start_date="2021-01-01", guidelines="9.9"),
            ]
        )
        before = self.snapshot()
        response = self.dry_run(self.kommune, "vorlage.xlsx", content)
        problems = self.problems(response)
        keys = [c.key for c in spreadsheet.sheet_specs()[0].columns]
        start_column = f"{get_column_letter(keys.index('start_date') + 1)} (Beginn)"
        assert ("Projekte", "3", start_column, "„31.02.2025“ ist kein gültiges Datum") in problems
        assert any(
            w == "Projekte" and r == "4" and "Gesamtkosten" in c and "keine Zahl" in m for w, r, c, m in problems
        )
        assert response.context["confirm_form"] is None
        # The schema and registry checks report by row and column too, once the cells are readable.
        content = fill_template(
            projects=[
                dict(NEW_PROJECT, id="projekt-zwei", status="fertig"),
                dict(NEW_PROJECT, id="projekt-drei", end_date="2020-01-01", start_date="2021-01-01", guidelines="9.9"),
            ]
        )
        problems = self.problems(self.dry_run(self.kommune, "vorlage.xlsx", content))
        assert any(
            w == "Projekte" and r == "3" and "Status" in c and "Unbekannter Wert" in m for w, r, c, m in problems
        )
        assert any(
            w == "Projekte" and r == "4" and "Ende" in c and "liegt vor dem Beginn" in m for w, r, c, m in problems
        )
        assert any(w == "Projekte" and r == "4" and "Charta-Leitlinien" in c for w, r, c, m in problems)
        self.assertContains(self.dry_run(self.kommune, "vorlage.xlsx", content), "Es wurde nichts gespeichert")
        assert self.snapshot() == before

    def test_a_municipality_cannot_import_into_another(self):
        content = fill_template(
            projects=[NEW_PROJECT, dict(NEW_PROJECT, id="projekt-fremd", municipality_ags=MUENCHEN)]
        )
        before = self.snapshot()
        response = self.dry_run(self.kommune, "vorlage.xlsx", content)
        problems = self.problems(response)
        assert len(problems) == 1
        where, row, column, message = problems[0]
        assert (where, row) == ("Projekte", "4") and "AGS" in column
        assert "nur Steckbriefe Ihrer Kommune (Bad Endorf)" in message and "München" in message
        assert response.context["confirm_form"] is None
        assert self.snapshot() == before

    def test_a_municipality_cannot_add_reports_to_another_municipalitys_project(self):
        report = {
            "id": "bericht-fremd",
            "project_id": "projekt-muenchen-parken",
            "type": "experience",
            "title": "Fremder Bericht",
            "date": "2025-01-01",
            "author_organisation": "Gemeinde",
            "findings": "<p>Ergebnis.</p>",
        }
        problems = self.problems(self.dry_run(self.kommune, "vorlage.xlsx", fill_template(reports=[report])))
        assert [(w, r) for w, r, _c, _m in problems] == [("Berichte", "3")]
        assert "Projekt (Kennung)" in problems[0][2] and "München" in problems[0][3]

    def test_researchers_may_not_write_projects(self):
        response = self.dry_run(self.forschung, "vorlage.xlsx", fill_template(projects=[NEW_PROJECT]))
        assert [r for _w, r, _c, _m in self.problems(response)] == ["3"]

    def test_the_editorial_team_may_write_for_any_municipality(self):
        content = fill_template(projects=[dict(NEW_PROJECT, municipality_ags=MUENCHEN)])
        response = self.dry_run(self.redaktion, "vorlage.xlsx", content)
        assert self.problems(response) == []
        assert response.context["confirm_form"] is not None

    @override_settings(EXCHANGE_UPLOAD_MAX_BYTES=2000)
    def test_too_large_upload_is_refused_in_german(self):
        before = self.snapshot()
        response = self.dry_run(self.kommune, "gross.json", b"{" + b" " * 3000 + b"}", "application/json")
        assert response.status_code == 400
        self.assertContains(response, "Die Datei ist zu groß", status_code=400)
        assert self.snapshot() == before

    @override_settings(EXCHANGE_UPLOAD_MAX_BYTES=100_000)
    def test_zip_bomb_is_refused_before_openpyxl_opens_it(self):
        bomb = io.BytesIO()
        with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 2_000_000)  # 2 MB unpacked, a few KB packed
        assert len(bomb.getvalue()) < 100_000
        response = self.dry_run(self.kommune, "bombe.xlsx", bomb.getvalue())
        assert response.status_code == 200
        assert [p.message.replace("\xa0", " ") for p in response.context["prepared"].problems] == [
            "Die XLSX-Datei ist entpackt zu groß (höchstens 976,6 KB)."
        ]

    def test_too_many_zip_members_and_garbage_are_refused(self):
        many = io.BytesIO()
        with zipfile.ZipFile(many, "w") as archive:
            for i in range(spreadsheet.MAX_ZIP_MEMBERS + 1):
                archive.writestr(f"x{i}.xml", b"")
        response = self.dry_run(self.kommune, "viele.xlsx", many.getvalue())
        assert "zu viele Bestandteile" in response.context["prepared"].problems[0].message
        response = self.dry_run(self.kommune, "kaputt.xlsx", b"PK\x03\x04 kein zip")
        assert response.context["prepared"].problems[0].message == "Die Datei ist keine gültige XLSX-Datei."
        response = self.dry_run(self.kommune, "leer.xlsx", zipfile_bytes())
        assert response.status_code == 200 and response.context["prepared"].problems

    def test_report_for_an_unknown_project_is_named_by_row(self):
        content = fill_template(reports=[{"id": "bericht-x", "project_id": "gibt-es-nicht", "type": "experience"}])
        problems = self.problems(self.dry_run(self.kommune, "vorlage.xlsx", content))
        assert [(w, r) for w, r, _c, _m in problems] == [("Berichte", "3")]
        assert "Unbekanntes Projekt" in problems[0][3]

    def test_a_report_update_under_an_existing_project(self):
        content = fill_template(
            reports=[
                {
                    "id": "bericht-test-erfahrung",
                    "project_id": "projekt-test-laternen",
                    "title": "Zwei Jahre Regelbetrieb",
                }
            ]
        )
        response = self.dry_run(self.kommune, "vorlage.xlsx", content)
        assert [(e.record_id, e.action) for e in response.context["prepared"].entries] == [
            ("bericht-test-erfahrung", "aktualisiert")
        ]
        token = response.context["confirm_form"].initial["token"]
        self.client.post(reverse("exchange_onboarding_confirm"), {"token": token})
        report = ExperienceReportPage.objects.get(external_id="bericht-test-erfahrung")
        assert report.workflow_in_progress and report.title == "Ein Jahr Regelbetrieb"
        # The project only located the report: no new revision, no review.
        assert not ProjectPage.objects.get(external_id="projekt-test-laternen").workflow_in_progress


class HostileJsonTests(OnboardingTestCase):
    def test_broken_or_malformed_json_gets_a_german_message(self):
        cases = {
            b"{nicht json": "Kein gültiges JSON",
            b"[1, 2]": "kein Objekt im Austauschformat",
            json.dumps(
                {"format": "smart-city-exchange", "version": 1, "municipalities": "viele"}
            ).encode(): "Falscher Typ",
            json.dumps(
                {
                    "format": "smart-city-exchange",
                    "version": 1,
                    "municipalities": [
                        {"id": "kommune-09187128", "ags": BAD_ENDORF, "projects": [{"id": "p-x", "reports": 5}]}
                    ],
                }
            ).encode(): "Falscher Typ",
        }
        before = self.snapshot()
        for content, expected in cases.items():
            response = self.dry_run(self.kommune, "daten.json", content, "application/json")
            assert response.status_code == 200
            messages = [p.message for p in response.context["prepared"].problems]
            assert any(expected in m for m in messages), (content, messages)
            assert response.context["confirm_form"] is None
        assert self.snapshot() == before

    def test_researchers_may_add_evaluations_to_existing_projects(self):
        report = {
            "id": "bericht-forschung-neu",
            "project_id": "projekt-test-laternen",
            "type": "evaluation",
            "title": "Zweite Evaluation",
            "date": "2025-06-30",
            "author_organisation": "Hochschule",
            "findings": "<p>Weiter gut.</p>",
            "goal_attainment": "erreicht",
        }
        response = self.dry_run(self.forschung, "vorlage.xlsx", fill_template(reports=[report]))
        assert response.context["prepared"].problems == []
        token = response.context["confirm_form"].initial["token"]
        self.client.post(reverse("exchange_onboarding_confirm"), {"token": token})
        page = Page.objects.get(slug="zweite-evaluation").specific
        assert not page.live and page.workflow_in_progress and page.owner == self.forschung
        # A municipality may not write evaluations.
        report["id"] = "bericht-kommune-evaluation"
        response = self.dry_run(self.kommune, "vorlage.xlsx", fill_template(reports=[report]))
        assert [(p.where, p.row) for p in response.context["prepared"].problems] == [("Berichte", "3")]


def zipfile_bytes() -> bytes:
    """A valid zip that is no workbook."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hallo.txt", b"hallo")
    return out.getvalue()


def test_cells_are_read_as_the_exchange_format_has_them():
    from datetime import datetime
    from decimal import Decimal

    fields = {c.key: c for spec in spreadsheet.sheet_specs() for c in spec.columns}
    assert spreadsheet.parse_cell(9187128, fields["municipality_ags"]) == BAD_ENDORF  # Excel dropped the zero
    assert spreadsheet.parse_cell("9187128; 07140501", fields["partner_municipalities"]) == [BAD_ENDORF, "07140501"]
    assert spreadsheet.parse_cell("1.234,5", fields["budget_eur"]) == Decimal("1234.5")
    assert spreadsheet.parse_cell(4500.5, fields["running_costs_eur_per_year"]) == Decimal("4500.5")
    assert spreadsheet.parse_cell(datetime(2025, 2, 1), fields["start_date"]) == "2025-02-01"
    assert spreadsheet.parse_cell("nein", fields["demo"]) is False
    assert spreadsheet.parse_cell("'=1+1", fields["summary"]) == "=1+1"  # the writer's apostrophe comes off
    assert spreadsheet.parse_cell("  ", fields["title"]) is None  # empty: the field stays as stored
    for raw, key in (
        ("viel", "budget_eur"),
        ("NaN", "budget_eur"),
        ("30.02.2025", "start_date"),
        ("vielleicht", "demo"),
    ):
        with pytest.raises(ValueError, match=r"Zahl|Datum|ja"):  # a German message for the cell
            spreadsheet.parse_cell(raw, fields[key])
