"""Content for the replication tests: the factories' project plus extra checklists and projects."""

from __future__ import annotations

import copy

import pytest

from cms.exchange.importer import import_files
from cms.projects.models import ProjectPage
from tests.factories import PROJECT, bundle, write_bundle

# Besides the factories' "Checkliste Laternen" (page 3.3; items 3.3/vorbereitung and 3.2/planung).
EXTRA_CHECKLISTS = [
    {
        "id": "checkliste-beteiligung",
        "demo": True,
        "title": "Checkliste Beteiligung",
        "intro": "Bürgerinnen und Bürger einbinden.",
        "guidelines": ["1.2"],
        "items": [
            # Same text as in "Checkliste Laternen": appears once, with both reasons.
            {"text": "Bestand erfassen", "phase": "vorbereitung", "guidelines": ["1.2"]},
            # No codes of its own: selected through the checklist's guideline 1.2.
            {"text": "Anwohnende informieren", "phase": "umsetzung", "required": False},
            {"text": "Wirkung gemeinsam bewerten", "phase": "evaluation", "guidelines": ["1.2", "4.1"]},
            {"text": "Ergebnisse veröffentlichen", "phase": "nachnutzung", "guidelines": ["1.2"]},
        ],
    },
    {
        "id": "checkliste-mobilitaet",
        "demo": True,
        "title": "Checkliste Mobilität",
        "intro": "Für Verkehrsprojekte.",
        "guidelines": ["2.1"],
        "items": [
            # No codes, checklist tagged 2.1 only: not selected.
            {"text": "Parkraum zählen", "phase": "vorbereitung"},
            # Own code 3.3 wins over the checklist's 2.1.
            {"text": "Sensoren regelmäßig warten", "phase": "betrieb", "guidelines": ["3.3"]},
        ],
    },
]


def second_project(**changes) -> dict:
    record = copy.deepcopy(PROJECT)
    record.update(
        id="projekt-test-muenchen",
        slug="laternen-muenchen",
        title="Laternen-Monitoring in der Großstadt",
        summary="Tausende Laternen melden Ausfälle automatisch an den Betriebshof.",
        status="pilot",
        start_date="2022-01-01",
        end_date="2022-12-31",
        budget_eur=2500000,
        funding_eur=1000000,
        funding_programme="Modellprojekte Smart Cities",
        running_costs_eur_per_year=80000,
        staff_effort_person_months=36,
        guidelines=["1.2"],
        transferability="Ein eigenes Rechenzentrum.",
        lessons_learned="Früh mit dem Personalrat sprechen.",
        reports=[],
        partner_municipalities=[],
        images=[],
        documents=[],
        datasets=[],
        open_source_license="",
        repository_url="",
        contact={"role": "Projektleitung", "name": "Max Muster", "email": "max.muster@example.org"},
    )
    record.update(changes)
    return record


def third_project() -> dict:
    record = second_project(
        id="projekt-test-buxtehude",
        slug="laternen-buxtehude",
        title="Smarte Laternen an der Este",
        status="planung",
        start_date="2024-05-01",
        budget_eur=60000,
        funding_programme="",
        staff_effort_person_months=3,
        guidelines=["3.3"],
        transferability="",
        lessons_learned="",
        contact={},
    )
    for unknown in ("end_date", "funding_eur", "running_costs_eur_per_year"):
        del record[unknown]
    return record


def full_bundle() -> dict:
    data = bundle()
    data["checklists"] = data["checklists"] + copy.deepcopy(EXTRA_CHECKLISTS)
    data["municipalities"].append(
        {"id": "kommune-09162000", "ags": "09162000", "demo": True, "projects": [second_project()]}
    )
    data["municipalities"].append(
        {"id": "kommune-03359010", "ags": "03359010", "demo": True, "projects": [third_project()]}
    )
    return data


@pytest.fixture
def content(site, exchange_dir) -> dict[str, ProjectPage]:
    """Three projects: Bad Endorf (factories), München and Buxtehude; three checklists."""
    import_files([write_bundle(exchange_dir, full_bundle())])
    return {
        "laternen": ProjectPage.objects.get(external_id="projekt-test-laternen"),
        "muenchen": ProjectPage.objects.get(external_id="projekt-test-muenchen"),
        "buxtehude": ProjectPage.objects.get(external_id="projekt-test-buxtehude"),
    }


@pytest.fixture
def project(content) -> ProjectPage:
    return content["laternen"]
