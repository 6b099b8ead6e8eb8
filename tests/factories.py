"""Test data builders: small registry samples and exchange-format records."""

from __future__ import annotations

import copy
import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings

from registry.loaders import STATE_NAMES
from registry.models import District, Municipality, State
from registry.size_class import size_class_for

# Real AGS from the Destatis file: München (Großstadt), Buxtehude (Mittelstadt), Bad Endorf and
# Boppard (Kleinstädte), Boitzenburger Land (Landgemeinde).
SAMPLE_AGS = ["09162000", "03359010", "09187128", "07140501", "12073069"]


def sample_municipalities(ags_list: list[str] = SAMPLE_AGS) -> dict[str, Municipality]:
    wanted = set(ags_list)
    rows = []
    path = Path(settings.FIXTURES_ROOT) / "municipalities" / "municipalities_extended.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = [row for row in csv.DictReader(fh) if row["ags"] in wanted]
    result = {}
    for row in rows:
        state, _ = State.objects.get_or_create(
            code=row["state_code"], defaults={"name": STATE_NAMES[row["state_code"]]}
        )
        district, _ = District.objects.get_or_create(
            ags=row["district_ags"],
            defaults={
                "name": row["district"],
                "name_official": row["district"],
                "district_type": "Landkreis",
                "state": state,
            },
        )
        population = int(row["population"])
        result[row["ags"]] = Municipality.objects.create(
            ags=row["ags"],
            name=row["name"],
            name_official=row["name_official"],
            state=state,
            district=district,
            population=population,
            population_date=date.fromisoformat(row["population_date"]),
            area_km2=Decimal(row["area_km2"]),
            lat=float(row["lat"]),
            lon=float(row["lon"]),
            urbanisation=str(int(row["urbanisation_code"])),
            size_class=size_class_for(population),
        )
    return result


def png_bytes(color=(11, 61, 107)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), color).save(buffer, format="PNG")
    return buffer.getvalue()


PROJECT = {
    "id": "projekt-test-laternen",
    "demo": True,
    "title": "Fernwartung der Straßenbeleuchtung",
    "summary": "Die Gemeinde steuert ihre LED-Laternen über ein Funknetz und spart so Strom und Wartungsfahrten.",
    "problem": "<p>Hohe Stromkosten und viele Kontrollfahrten.</p>",
    "solution": "<p>LoRaWAN-Knoten an 400 Laternen, Dimmprofile nach Uhrzeit.</p>",
    "partner_municipalities": ["07140501"],
    "status": "regelbetrieb",
    "start_date": "2021-04-01",
    "end_date": "2023-03-31",
    "budget_eur": 180000,
    "funding_eur": 120000,
    "funding_programme": "Kommunalrichtlinie",
    "running_costs_eur_per_year": 4500.5,
    "staff_effort_person_months": 6.5,
    "guidelines": ["3.3", "1.2"],
    "leitbild": ["klimaneutral"],
    "recommendations": ["f"],
    "actors": ["kommunen", "wirtschaft"],
    "action_fields": ["energie-klima"],
    "tags": ["LoRaWAN", "Straßenbeleuchtung"],
    "open_source_license": "EUPL-1.2",
    "repository_url": "https://gitlab.opencode.de/beispiel/laternen",
    "datasets": [{"title": "Verbrauchsdaten", "url": "https://daten.example.org/laternen", "license": "dl-de/by-2-0"}],
    "transferability": "Ein LoRaWAN-Gateway und ein Elektrobetrieb mit Erfahrung in Steuerknoten.",
    "lessons_learned": "Die ersten Knoten fielen im Winter aus; wir haben den Lieferanten gewechselt.",
    "contact": {"role": "Klimaschutzmanagerin", "name": "Erika Beispiel", "email": "erika.beispiel@example.org"},
    "images": [
        {"file": "files/foto.png", "title": "Laterne", "alt_text": "LED-Laterne mit Funkknoten", "caption": "Knoten"}
    ],
    "documents": [{"file": "files/bericht.pdf", "title": "Projektbericht"}],
    "body": [
        {"type": "heading", "value": {"text": "Ablauf", "level": "h2"}},
        {"type": "paragraph", "value": "<p>Zuerst ein Testgebiet, dann die ganze Gemeinde.</p>"},
        {"type": "facts", "value": [{"label": "Laternen", "value": "400"}]},
    ],
    "reports": [
        {
            "id": "bericht-test-evaluation",
            "type": "evaluation",
            "demo": True,
            "title": "Evaluation der Fernwartung",
            "date": "2023-06-30",
            "author_organisation": "Hochschule Beispielstadt",
            "findings": "<p>Der Stromverbrauch sank um 41 Prozent.</p>",
            "method": "Vergleich der Zählerstände 2020 und 2022.",
            "goal_attainment": "erreicht",
            "goal_attainment_note": "Ziel 35 Prozent übertroffen.",
            "indicators": [
                {
                    "name": "Stromverbrauch",
                    "unit": "MWh/a",
                    "baseline": 310,
                    "target": 200,
                    "measured": 183,
                    "measured_on": "2022-12-31",
                }
            ],
            "pdf": {"file": "files/bericht.pdf", "title": "Evaluationsbericht (PDF)"},
        },
        {
            "id": "bericht-test-erfahrung",
            "type": "experience",
            "title": "Ein Jahr Regelbetrieb",
            "date": "2024-05-02",
            "author_organisation": "Gemeinde Beispiel",
            "findings": "<p>Die Bürger merken keinen Unterschied, der Bauhof schon.</p>",
        },
    ],
}


def bundle(**overrides) -> dict:
    """A complete, valid exchange document with one municipality, project, guide and checklist."""
    data = {
        "format": "smart-city-exchange",
        "version": 1,
        "municipalities": [
            {
                "id": "kommune-09187128",
                "ags": "09187128",
                "demo": True,
                "smart_city_unit": "Bauamt",
                "intro": "<p>Eine Kleinstadt im Inntal.</p>",
                "projects": [copy.deepcopy(PROJECT)],
            }
        ],
        "guides": [
            {
                "id": "leitfaden-test",
                "demo": True,
                "title": "Leitfaden Laternen",
                "intro": "Wie man Straßenbeleuchtung vernetzt.",
                "guidelines": ["3.3"],
                "sections": [{"heading": "Planung", "body": "<p>Bestand erfassen.</p>"}],
                "example_projects": [{"project": "projekt-test-laternen", "note": "Gutes Beispiel"}],
            }
        ],
        "checklists": [
            {
                "id": "checkliste-test",
                "demo": True,
                "title": "Checkliste Laternen",
                "intro": "Vor dem Start prüfen.",
                "is_pruefraster": False,
                "guidelines": ["3.3"],
                "items": [
                    {
                        "text": "Bestand erfassen",
                        "explanation": "Alle Lichtpunkte zählen.",
                        "phase": "vorbereitung",
                        "required": True,
                        "guidelines": ["3.3"],
                    },
                    {"text": "Datenschutz prüfen", "phase": "planung", "required": False, "guidelines": ["3.2"]},
                ],
            }
        ],
    }
    data.update(overrides)
    return data


def write_bundle(directory: Path, data: dict, name: str = "import.json") -> Path:
    path = directory / name
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def add_grossstadt_project(data: dict, **changes) -> dict:
    """Add a second project, in München, to a ``bundle()``: a Großstadt next to Bad Endorf."""
    second = dict(data["municipalities"][0]["projects"][0])
    second.update(
        id="projekt-test-grossstadt",
        slug="laternen-muenchen",
        title="Laternen-Monitoring in der Großstadt",
        summary="Tausende Laternen melden Ausfälle automatisch an den Betriebshof.",
        reports=[],
        partner_municipalities=[],
        images=[],
        documents=[],
        **changes,
    )
    data["municipalities"].append({"id": "kommune-09162000", "ags": "09162000", "demo": True, "projects": [second]})
    return data
