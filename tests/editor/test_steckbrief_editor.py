"""Editing a project "Steckbrief": tabs, help texts, Charta choosers, completeness and validation."""

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from cms.exchange.importer import import_files
from cms.projects.completeness import RECOMMENDED, Completeness, completeness
from cms.projects.models import MunicipalityPage, ProjectPage
from registry.models import ActionField, Guideline
from tests.factories import bundle, write_bundle

pytestmark = pytest.mark.django_db

TABS = ["Überblick", "Lösung", "Ressourcen", "Charta", "Nachnutzung", "Kontakt"]


@pytest.fixture
def project(site, exchange_dir) -> ProjectPage:
    import_files([write_bundle(exchange_dir, bundle())])
    return ProjectPage.objects.get()


@pytest.fixture
def editor(client, django_user_model):
    user = django_user_model.objects.create_superuser("redaktion", "redaktion@example.org", "geheim")
    client.force_login(user)
    return client


def edit_url(page) -> str:
    return f"/admin/pages/{page.pk}/edit/"


def completeness_panel(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    panel = soup.find(class_="steckbrief-completeness")
    assert panel is not None, "completeness panel missing"
    return str(panel)


def form_data(html: str) -> dict:
    """What a browser would submit from the edit form's server-rendered inputs."""
    form = BeautifulSoup(html, "html.parser").find("form", id="page-edit-form")
    data: dict = {}
    for element in form.find_all(["input", "select", "textarea"]):
        name = element.get("name")
        if not name or "__prefix__" in name or element.get("type") in ("submit", "button"):
            continue
        if element.name == "input" and element.get("type") in ("checkbox", "radio"):
            if element.has_attr("checked"):
                data.setdefault(name, []).append(element.get("value", "on"))
        elif element.name == "select":
            selected = [o.get("value") for o in element.find_all("option") if o.has_attr("selected")]
            data[name] = selected if element.has_attr("multiple") else (selected[0] if selected else "")
        elif element.name == "textarea":
            data[name] = element.text
        else:
            data[name] = element.get("value", "")
    return data


# -- the pure function -------------------------------------------------------------------------


def test_completeness_of_a_sparse_unsaved_page(taxonomy):
    page = ProjectPage(title="Neues Projekt", summary="Kurz.")
    result = completeness(page)
    assert isinstance(result, Completeness)
    assert result.filled == ["summary", "status"]  # status has a default
    missing = [name for name, _label, _why in result.missing]
    assert missing == [name for name, _why in RECOMMENDED if name not in ("summary", "status")]
    assert result.percent == round(100 * 2 / len(RECOMMENDED))
    labels = dict((name, label) for name, label, _why in result.missing)
    assert labels["budget_eur"] == "Gesamtbudget (EUR)"
    assert labels["reports"].startswith("Erfahrungs- oder Evaluationsbericht")
    assert all(why for _name, _label, why in result.missing)


def test_completeness_of_a_full_page(project):
    result = completeness(project)
    assert result.missing == [] and result.percent == 100 and result.is_complete
    assert set(result.filled) == {name for name, _why in RECOMMENDED}


def test_empty_rich_text_zero_amounts_and_drafts(project):
    project.problem = "<p> </p>"
    project.budget_eur = Decimal("0")  # zero is an answer, not a gap
    project.funding_eur = None
    project.lessons_learned = "   "
    project.guidelines.set([])
    project.save_revision()
    draft = project.get_latest_revision_as_object()
    missing = [m.name for m in completeness(draft).missing]
    assert missing == ["problem", "guidelines", "lessons_learned"]
    # The live page is still complete: the gaps are in the draft only.
    assert completeness(ProjectPage.objects.get(pk=project.pk)).missing == []


def test_reports_count_only_when_published(project):
    for report in project.get_children():
        report.unpublish()
    assert [m.name for m in completeness(project).missing] == ["reports"]


def test_a_sparse_saved_page(site, municipalities):
    parent = MunicipalityPage.objects.first()
    if parent is None:  # no municipality page yet: make one
        from wagtail.models import Page

        section = Page.objects.get(slug="kommunen")
        parent = section.add_child(
            instance=MunicipalityPage(title="Bad Endorf", municipality=municipalities["09187128"])
        )
    page = parent.add_child(
        instance=ProjectPage(title="Sensoren", summary="Bodenfeuchte messen.", start_date=date(2024, 1, 1))
    )
    page.action_fields.set([ActionField.objects.get(code="umwelt")])
    page.save()
    result = completeness(page)
    assert {"summary", "status", "start_date", "action_fields"} == set(result.filled)
    assert "reports" in [m.name for m in result.missing]


# -- the edit view -----------------------------------------------------------------------------


def test_edit_view_shows_tabs_help_and_grouped_charta_chooser(editor, project):
    html = editor.get(edit_url(project)).content.decode()
    tabs = re.findall(r'id="tab-label-\w+"[^>]*>\s*([^<\s][^<]*?)\s*<', html)
    assert tabs[: len(TABS)] == TABS
    # Guidelines: grouped under their main guideline, each with code, title and scope.
    soup = BeautifulSoup(html, "html.parser")
    chooser = soup.find(id="id_guidelines")
    legends = [legend.get_text(" ", strip=True) for legend in chooser.find_all("legend")]
    assert legends == [f"{g.code} {g.title}" for g in Guideline.objects.filter(parent__isnull=True)]
    group_two = chooser.find_all("fieldset")[1].get_text(" ", strip=True)
    assert (
        "2.3 Mitgestaltung fördern — Zielgruppengerechte Beteiligung, Plattformen für Beteiligungsprojekte, "
        "Mängelmelder." in group_two
    )
    checked = {i["value"] for i in chooser.find_all("input", checked=True)}
    assert checked == {str(g.pk) for g in project.guidelines.all()}
    # Recommendations: letter and title.
    assert "f) Smart-City-Lösungen pilotieren" in soup.find(id="id_recommendations").get_text(" ", strip=True)
    # Help texts say what a good answer contains.
    for hint in ("Funktionspostfach", "nach der Förderung", "zwei bis vier", "= 12"):
        assert hint in html, hint


def test_edit_view_lists_the_missing_fields_with_links_to_their_tabs(editor, project):
    project.budget_eur = None
    project.lessons_learned = ""
    project.contact_email = ""
    project.save_revision()
    panel = completeness_panel(editor.get(edit_url(project)).content.decode())
    assert re.search(r"\b80 % vollständig", panel)  # 12 of 15
    soup = BeautifulSoup(panel, "html.parser")
    items = {li["data-field"]: li for li in soup.find_all("li")}
    assert list(items) == ["budget_eur", "lessons_learned", "contact_email"]
    assert items["budget_eur"].a["href"] == "#tab-ressourcen"
    assert "Gesamtbudget (EUR)" in items["budget_eur"].get_text() and "Ressourcen" in items["budget_eur"].get_text()
    assert items["lessons_learned"].a["href"] == "#tab-nachnutzung"
    assert items["contact_email"].a["href"] == "#tab-kontakt"
    assert items["contact_email"].a["data-action"] == "w-tabs#select:prevent"
    assert "Kontaktformular" in items["contact_email"].get_text()


def test_edit_view_of_a_complete_page(editor, project):
    panel = completeness_panel(editor.get(edit_url(project)).content.decode())
    assert "Alle empfohlenen Angaben sind ausgefüllt." in panel and "<li" not in panel
    # The check mark is sized like the text (Wagtail's icon SVG has no size of its own there).
    assert "steckbrief-completeness__icon" in panel
    css = (Path(settings.BASE_DIR) / "cms/projects/static/projects/editor.css").read_text(encoding="utf-8")
    assert ".steckbrief-completeness__icon { width: 1em; height: 1em;" in css


def test_explorer_shows_completeness_to_reviewers(editor, project):
    project.budget_eur = None
    project.save_revision()
    html = editor.get(f"/admin/pages/{project.get_parent().pk}/").content.decode()
    assert "93 % vollständig" in html
    # The accessible name starts with the visible label (axe: label-content-name-mismatch).
    assert f"93 % vollständig: Steckbrief „{project.title}“, 1 empfohlene Angabe fehlt" in html


def test_end_before_start_is_refused_on_the_end_field(editor, project):
    data = form_data(editor.get(edit_url(project)).content.decode())
    # Rich text and StreamField inputs are built by JavaScript; supply them as the browser would.
    data.update(nested_form_data({"body": streamfield([])}))
    data.update(problem=rich_text("<p>Problem</p>"), solution=rich_text("<p>Lösung</p>"))
    assert editor.post(edit_url(project), data).status_code == 302  # the untouched form is valid

    data.update(start_date="2023-05-01", end_date="2022-01-01")
    response = editor.post(edit_url(project), data)
    assert response.status_code == 200
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    end = soup.find("input", attrs={"name": "end_date"})
    assert end["aria-invalid"] == "true"
    error_box = soup.find(id=end["aria-describedby"].split()[-1])
    assert "Das Ende darf nicht vor dem Beginn liegen." in error_box.get_text()
    assert ProjectPage.objects.get(pk=project.pk).get_latest_revision_as_object().end_date == date(2023, 3, 31)


def test_overlong_summary_has_a_clear_message(editor, project):
    data = form_data(editor.get(edit_url(project)).content.decode())
    data.update(nested_form_data({"body": streamfield([])}))
    data.update(problem=rich_text("<p>Problem</p>"), solution=rich_text("<p>Lösung</p>"), summary="x" * 601)
    html = editor.post(edit_url(project), data).content.decode()
    assert "Die Kurzbeschreibung darf höchstens 600 Zeichen lang sein (derzeit 601)" in html
