"""Every public page type, built through the ORM: the right h1, no axe-core (WCAG 2.1 A/AA)
violation, no request to a third-party host, plus the Steckbrief rules a template can break
(demo notice, no contact e-mail, German number format).

Unlike test_a11y_pages.py, the content here does not go through the exchange importer, so a
template regression shows up even when the importer changes, and every optional field of the
Steckbrief (gallery, attachments, datasets, indicators) is filled in.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.urls import reverse
from wagtail.documents.models import Document
from wagtail.images.models import Image

from cms.core.models import DataSourcesPage, HomePage, SectionIndexPage, StandardPage
from cms.knowledge.models import ChecklistPage, GuideExampleProject, GuidePage
from cms.projects.models import (
    EvaluationReportPage,
    ExperienceReportPage,
    Indicator,
    MunicipalityPage,
    ProjectAttachment,
    ProjectDataset,
    ProjectImage,
    ProjectPage,
)
from registry.models import ActionField, ActorGroup, Guideline, LeitbildAttribute, Recommendation
from search.engines import get_engine
from search.sync import drain
from tests.factories import png_bytes
from tests.pdfgen import make_pdf

pytestmark = pytest.mark.django_db(transaction=True)

MUENCHEN = "09162000"  # Großstadt
BOITZENBURG = "12073069"  # Landgemeinde, partner municipality
CONTACT_EMAIL = "nicht-oeffentlich@example.invalid"


def _publish(page):
    page.save_revision().publish()
    return page


@pytest.fixture
def content(site, municipalities, settings, tmp_path):
    """``site`` (tests/conftest.py) loads the taxonomy, five real municipalities and the skeleton."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    get_engine().clear()

    kommunen = SectionIndexPage.objects.get(slug="kommunen")
    wissen = SectionIndexPage.objects.get(slug="wissen")
    muenchen = municipalities[MUENCHEN]

    pdf = Document(title="Abschlussbericht Parkraumsensorik")
    pdf.file.save("abschlussbericht.pdf", ContentFile(make_pdf(["Abschlussbericht", "Parkraumsensorik"])), save=False)
    pdf.save()
    image = Image(title="Sensor am Laternenmast", file=ImageFile(io.BytesIO(png_bytes()), name="sensor.png"))
    image.save()

    municipality_page = MunicipalityPage(
        title=muenchen.name,
        slug="muenchen",
        municipality=muenchen,
        is_demo=True,
        smart_city_unit="Stabsstelle Digitalisierung",
        intro="<p>Wir teilen, was funktioniert hat – und was nicht.</p>",
    )
    kommunen.add_child(instance=municipality_page)
    _publish(municipality_page)

    project = ProjectPage(
        title="Parkraumsensorik in der Innenstadt",
        slug="parkraumsensorik",
        is_demo=True,
        summary="Sensoren melden freie Parkplätze in Echtzeit; der Parksuchverkehr sank um ein Fünftel.",
        problem="<p>Zu viel Parksuchverkehr in der Altstadt.</p>",
        solution="<p>LoRaWAN-Sensoren und eine offene Schnittstelle.</p><h3>Technik</h3><p>Einzelheiten.</p>",
        status="regelbetrieb",
        start_date=date(2021, 3, 1),
        end_date=date(2023, 12, 31),
        budget_eur=Decimal("1250000.00"),
        funding_eur=Decimal("1000000.00"),
        funding_programme="Modellprojekte Smart Cities",
        running_costs_eur_per_year=Decimal("45500.50"),
        staff_effort_person_months=Decimal("18.5"),
        open_source_license="EUPL-1.2",
        repository_url="https://example.invalid/code/parken",
        transferability="Ein LoRaWAN-Netz.\n\nEine Person für den Betrieb.",
        lessons_learned="Früher mit dem Ordnungsamt sprechen.",
        contact_role="Leitung Stabsstelle Digitalisierung",
        contact_name="Erika Mustermann",
        contact_email=CONTACT_EMAIL,
        body=[
            ("heading", {"text": "Zeitplan", "level": "h2"}),
            ("paragraph", "<p>Erst ein Pilot, dann der Ausbau.</p>"),
            ("quote", {"text": "Die Sensoren liefen vom ersten Tag an.", "source": "Tiefbauamt"}),
            ("callout", {"title": "Hinweis", "text": '<p>Mehr im <a href="/impressum/">Impressum</a>.</p>'}),
            ("facts", [{"label": "Sensoren", "value": "420"}]),
            ("image", {"image": image, "alt_text": "Ein Parksensor im Asphalt", "caption": "Sensor"}),
            ("document", {"document": pdf, "title": "Bericht herunterladen"}),
        ],
    )
    municipality_page.add_child(instance=project)
    project.guidelines.set(Guideline.objects.filter(code__in=["1.2", "3.1"]))
    project.leitbild.set(LeitbildAttribute.objects.all()[:2])
    project.recommendations.set(Recommendation.objects.all()[:2])
    project.actors.set(ActorGroup.objects.all()[:2])
    project.action_fields.set(ActionField.objects.all()[:1])
    project.partner_municipalities.set([municipalities[BOITZENBURG]])
    project.tags.add("Parken", "LoRaWAN")
    project.datasets.add(
        ProjectDataset(title="Parkplatzbelegung", url="https://example.invalid/daten", license="dl-de/by-2-0")
    )
    project.gallery_images.add(ProjectImage(image=image, alt_text="Sensor am Laternenmast", caption="Einbau 2021"))
    project.attachments.add(ProjectAttachment(document=pdf, title="Abschlussbericht"))
    project.save()
    _publish(project)

    evaluation = EvaluationReportPage(
        title="Evaluation nach zwei Jahren",
        slug="evaluation",
        is_demo=True,
        report_date=date(2024, 2, 15),
        author_organisation="Hochschule Musterstadt",
        findings="<p>Der Parksuchverkehr sank deutlich.</p>",
        method="Zählungen vor und nach dem Start.",
        goal_attainment="teilweise",
        goal_attainment_note="Das Ziel bei der Auslastung wurde verfehlt.",
        pdf=pdf,
    )
    project.add_child(instance=evaluation)
    evaluation.indicators.add(
        Indicator(
            name="Parksuchverkehr",
            unit="Fahrzeuge/Tag",
            baseline=Decimal("12000"),
            target=Decimal("9000"),
            measured=Decimal("9500.5"),
            measured_on=date(2024, 1, 31),
        )
    )
    evaluation.indicators.add(
        Indicator(name="Zufriedenheit", unit="%", baseline=Decimal("40"), target=Decimal("60"), measured=Decimal("65"))
    )
    evaluation.save()
    _publish(evaluation)

    experience = ExperienceReportPage(
        title="Erfahrungen aus dem Pilotbetrieb",
        slug="erfahrungen",
        is_demo=True,
        report_date=date(2022, 6, 1),
        author_organisation="Stadtverwaltung",
        findings="<p>Die Sensoren liefen stabil.</p>",
    )
    project.add_child(instance=experience)
    _publish(experience)

    guide = GuidePage(
        title="Leitfaden Datenstrategie",
        slug="leitfaden-datenstrategie",
        is_demo=True,
        intro="Für Kommunen, die eine Datenstrategie aufsetzen.",
        author_organisation="Netzwerk Kommunen",
        sections=[
            (
                "section",
                {
                    "heading": "Warum eine Datenstrategie?",
                    "body": "<p>Weil Daten zählen.</p><h3>Unterpunkt</h3><p>Text.</p>",
                },
            ),
            ("section", {"heading": "Erste Schritte", "body": "<ul><li>Bestand erheben</li></ul>"}),
        ],
    )
    wissen.add_child(instance=guide)
    guide.guidelines.set(Guideline.objects.filter(code="1.2"))
    guide.example_projects.add(GuideExampleProject(project=project, note="Offene Daten von Anfang an."))
    guide.save()
    _publish(guide)

    checklist = ChecklistPage(
        title="Prüfraster Datenschutz",
        slug="pruefraster-datenschutz",
        is_demo=True,
        is_pruefraster=True,
        intro="Zur Prüfung von Vorhaben.",
        author_organisation="Netzwerk Kommunen",
        items=[
            (
                "item",
                {
                    "text": "Datenschutzbeauftragte beteiligt",
                    "explanation": "Frühzeitig einbinden.",
                    "phase": "vorbereitung",
                    "required": True,
                    "guidelines": ["1.2"],
                },
            ),
            (
                "item",
                {
                    "text": "Folgenabschätzung durchgeführt",
                    "explanation": "",
                    "phase": "planung",
                    "required": True,
                    "guidelines": [],
                },
            ),
            (
                "item",
                {
                    "text": "Löschkonzept",
                    "explanation": "Fristen festlegen.",
                    "phase": "betrieb",
                    "required": False,
                    "guidelines": ["1.2", "3.1"],
                },
            ),
        ],
    )
    wissen.add_child(instance=checklist)
    checklist.guidelines.set(Guideline.objects.filter(code="1.2"))
    checklist.save()
    _publish(checklist)

    drain()  # the index normally fills after commit; make sure search sees the project
    return {
        "municipality": municipality_page,
        "project": project,
        "evaluation": evaluation,
        "experience": experience,
        "guide": guide,
        "checklist": checklist,
    }


def page_expectations(content) -> list[tuple[str, str, str]]:
    """(name, path, text the h1 must contain) for every public page type."""
    home = HomePage.objects.get()
    kommunen = SectionIndexPage.objects.get(slug="kommunen")
    standard = StandardPage.objects.exact_type(StandardPage).get(slug="impressum")
    data_sources = DataSourcesPage.objects.get()
    checklist = content["checklist"]
    term = Guideline.objects.get(code="1.2")
    return [
        ("Startseite", home.url, home.title),
        ("Bereichsseite", kommunen.url, kommunen.title),
        ("Textseite", standard.url, standard.title),
        ("Datenquellen", data_sources.url, data_sources.title),
        ("Kommune", content["municipality"].url, content["municipality"].title),
        ("Projekt", content["project"].url, content["project"].title),
        # The relay form has a page of its own, so that the project page carries no CSRF token.
        ("Kontaktformular", reverse("contact:project", args=[content["project"].pk]), content["project"].title),
        ("Erfahrungsbericht", content["experience"].url, content["experience"].title),
        ("Evaluationsbericht", content["evaluation"].url, content["evaluation"].title),
        ("Leitfaden", content["guide"].url, content["guide"].title),
        ("Checkliste", checklist.url, checklist.title),
        ("Checkliste Druckansicht", checklist.url + checklist.reverse_subpage("print"), checklist.title),
        ("Charta-Übersicht", reverse("charta"), "Smart City Charta"),
        ("Leitlinie", reverse("term", args=["leitlinien", term.code]), term.title),
        ("Gemeindegröße", reverse("size_class", args=["grossstadt"]), "Großstadt"),
        ("Suche", reverse("search") + "?q=Parkraumsensorik", "Suche"),
    ]


def _format(failures: dict[str, list]) -> str:
    lines = []
    for name, problems in failures.items():
        lines.append(f"{name}:")
        for problem in problems:
            lines.append(f"  - {problem}")
    return "\n".join(lines)


def test_every_page_type_has_its_h1_passes_axe_and_stays_on_this_host(page, axe, live_server, content):
    failures: dict[str, list] = {}
    for name, path, h1_text in page_expectations(content):
        response = page.goto(live_server.url + path)
        problems: list = []
        if response is None or response.status != 200:
            problems.append(f"HTTP {response.status if response else 'keine Antwort'}")
        h1 = page.locator("h1")
        if h1.count() != 1:
            problems.append(f"{h1.count()} h1-Elemente statt genau einem")
        elif h1_text not in " ".join(h1.inner_text().split()):
            problems.append(f"h1 {h1.inner_text()!r} enthält nicht {h1_text!r}")
        problems += axe()
        if problems:
            failures[f"{name} ({path})"] = problems
    assert failures == {}, "\n" + _format(failures)
    assert page.third_party_requests == []


def test_steckbrief_shows_demo_notice_german_numbers_and_no_contact_email(page, live_server, content):
    page.goto(live_server.url + content["project"].url)
    notice = page.locator("[role=note].demo-notice")
    assert notice.count() == 1
    assert "Beispieldaten" in notice.text_content()  # text_content: the label is uppercased by CSS only
    assert "München" in notice.text_content()
    html = page.content()
    assert CONTACT_EMAIL not in html
    assert "mailto:" not in html
    text = " ".join(page.locator("main").inner_text().split())
    assert "1.250.000 €" in text  # budget, thousands with a dot
    assert "45.500,50 €" in text  # running costs, decimal comma
    assert "18,5 Personenmonate" in text
    assert "Erika Mustermann" in text and "Leitung Stabsstelle Digitalisierung" in text
    # Every page type with is_demo carries the notice.
    for key in ("municipality", "evaluation", "experience", "guide", "checklist"):
        page.goto(live_server.url + content[key].url)
        assert page.locator("[role=note].demo-notice").count() == 1, key


def test_search_finds_the_project(page, live_server, content):
    page.goto(live_server.url + reverse("search") + "?q=Parkraumsensorik")
    assert page.get_by_role("link", name=content["project"].title).count() >= 1
    assert page.third_party_requests == []
