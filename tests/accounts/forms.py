"""POST data as Wagtail 8's page editor submits it, per page type.

Field names are the ones the create view renders (checked against the form's HTML):
rich text is Draftail's JSON in a hidden input, StreamFields post ``<name>-count`` and one
group of fields per block, inline panels post Django formset management forms, tags are one
comma-separated text field and many-to-many checkboxes repeat their name.
"""

from __future__ import annotations

from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from registry.models import ActionField, Guideline

SUBMIT = {"action-submit": "Zur Prüfung einreichen"}
PUBLISH = {"action-publish": "Veröffentlichen"}
SETTINGS = {"seo_title": "", "search_description": "", "go_live_at": "", "expire_at": "", "external_id": ""}


def steckbrief(title: str, slug: str, **overrides) -> dict:
    data = nested_form_data(
        {
            "title": title,
            "slug": slug,
            # Überblick
            "summary": "Ein Bürgerbus bringt Terminal und Beratung in die Ortsteile.",
            "status": "pilot",
            # Lösung
            "problem": rich_text("<p>Lange Wege ins Rathaus für ältere Menschen.</p>"),
            "solution": rich_text("<p>Ein Kleinbus mit Terminal und Videoberatung.</p>"),
            "body": streamfield([("paragraph", rich_text("<p>Start im Frühjahr.</p>"))]),
            # Ressourcen
            "start_date": "2025-03-01",
            "end_date": "",
            "budget_eur": "85000",
            "funding_eur": "60000",
            "funding_programme": "Modellprojekte Smart Cities",
            "running_costs_eur_per_year": "9000",
            "staff_effort_person_months": "4.5",
            # Charta (tags: one text field)
            "tags": "Bürgerbus, Verwaltung",
            # Nachnutzung
            "transferability": "Ein Fahrzeug, zwei Fahrerinnen und ein mobiler Verwaltungsarbeitsplatz.",
            "lessons_learned": "Feste Haltezeiten sind wichtiger als viele Haltestellen.",
            "open_source_license": "",
            "repository_url": "",
            "datasets": inline_formset([{"title": "Fahrplan", "url": "https://daten.example.org/bus", "license": ""}]),
            "gallery_images": inline_formset([]),
            "attachments": inline_formset([]),
            "adapted_from": inline_formset([]),
            "partner_organisations": inline_formset([]),
            # Kontakt
            "contact_role": "Digitallotsin",
            "contact_name": "Maria Beispiel",
            "contact_email": "maria@example.org",
            **SETTINGS,
        }
    )
    # Checkbox lists repeat their name; the test client posts list values that way.
    data["guidelines"] = [
        str(pk) for pk in Guideline.objects.filter(code__in=["1.1", "2.1"]).values_list("pk", flat=True)
    ]
    data["action_fields"] = [str(pk) for pk in ActionField.objects.values_list("pk", flat=True)[:1]]
    data.update(overrides)
    return data


def _report(title: str, slug: str) -> dict:
    return {
        "title": title,
        "slug": slug,
        "report_date": "2025-05-01",
        "author_organisation": "Hochschule Beispielstadt",
        "findings": rich_text("<p>Die Wartezeiten sanken deutlich.</p>"),
        "pdf": "",
        "body": streamfield([]),
        **SETTINGS,
    }


def experience_report(title: str, slug: str, **overrides) -> dict:
    return nested_form_data(_report(title, slug)) | overrides


def evaluation_report(title: str, slug: str, **overrides) -> dict:
    data = _report(title, slug) | {
        "method": "Befragung von 200 Nutzerinnen und Nutzern.",
        "goal_attainment": "teilweise",
        "goal_attainment_note": "Zwei von drei Zielen erreicht.",
        "indicators": inline_formset(
            [
                {
                    "name": "Wartezeit",
                    "unit": "min",
                    "baseline": "40",
                    "target": "15",
                    "measured": "18",
                    "measured_on": "",
                }
            ]
        ),
    }
    return nested_form_data(data) | overrides


def guide(title: str, slug: str, **overrides) -> dict:
    data = nested_form_data(
        {
            "title": title,
            "slug": slug,
            "intro": "Für Kommunen, die einen Bürgerbus planen.",
            "author_organisation": "Forschungsinstitut Beispiel",
            "sections": streamfield(
                [("section", {"heading": "Vorbereitung", "body": rich_text("<p>Bedarf erheben.</p>")})]
            ),
            "example_projects": inline_formset([]),
            **SETTINGS,
        }
    )
    return data | overrides


def checklist(title: str, slug: str, **overrides) -> dict:
    data = nested_form_data(
        {
            "title": title,
            "slug": slug,
            "intro": "Zur Bewertung eines geplanten Bürgerbusses.",
            "author_organisation": "Forschungsinstitut Beispiel",
            "is_pruefraster": "on",
            "items": streamfield(
                [("item", {"text": "Bedarf belegt?", "explanation": "", "phase": "vorbereitung", "required": "on"})]
            ),
            **SETTINGS,
        }
    )
    return data | overrides


def profile(page, **overrides) -> dict:
    """The municipality profile form, filled with the page's current values."""
    return (
        nested_form_data(
            {
                "title": page.title,
                "slug": page.slug,
                "municipality": str(page.municipality_id),
                "smart_city_unit": page.smart_city_unit,
                "intro": rich_text(page.intro or "<p></p>"),
                **SETTINGS,
            }
        )
        | overrides
    )
