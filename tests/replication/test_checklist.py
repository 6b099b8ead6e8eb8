"""The replication checklist generator: which items, why, in which order, with which numbers."""

from datetime import date
from decimal import Decimal

import pytest

from cms.knowledge.models import ChecklistPage, Phase
from cms.replication.checklist import ORIGIN_CHECKLIST, ORIGIN_PROJECT, build_checklist
from cms.replication.formatting import de_number, duration_months, duration_text, euro
from registry.models import Municipality

pytestmark = pytest.mark.django_db

ADDRESS = "erika.beispiel@example.org"


def checklists():
    return ChecklistPage.objects.live().order_by("path")


@pytest.fixture
def result(project):
    return build_checklist(project, checklists())


def test_project_has_the_factories_guidelines(project):
    assert sorted(g.code for g in project.guidelines.all()) == ["1.2", "3.3"]


def test_item_tagged_with_a_project_guideline_is_selected_with_its_reason(result):
    item = result.find("Bestand erfassen")
    assert item is not None and item.origin == ORIGIN_CHECKLIST
    assert item.phase == Phase.VORBEREITUNG
    assert item.explanation == "Alle Lichtpunkte zählen."
    laternen = next(s for s in item.sources if s.title == "Checkliste Laternen")
    assert laternen.codes == ("3.3",)
    assert not laternen.via_checklist
    assert "Checkliste „Checkliste Laternen“" in item.reason
    assert "3.3" in item.reason


def test_item_tagged_only_with_another_guideline_is_not_selected(result):
    assert "Datenschutz prüfen" not in result.item_texts()  # tagged 3.2 only


def test_item_without_codes_follows_its_checklists_guidelines(result):
    informed = result.find("Anwohnende informieren")  # "Checkliste Beteiligung" is tagged 1.2
    assert informed is not None
    (source,) = informed.sources
    assert source.via_checklist and source.codes == ("1.2",)
    assert "über die Charta-Leitlinie 1.2" in informed.reason
    assert informed.required is False
    assert "Parkraum zählen" not in result.item_texts()  # "Checkliste Mobilität" is tagged 2.1


def test_an_items_own_codes_win_over_its_checklists(result):
    item = result.find("Sensoren regelmäßig warten")
    assert item is not None and item.phase == Phase.BETRIEB
    assert item.sources[0].title == "Checkliste Mobilität" and item.sources[0].codes == ("3.3",)


def test_only_matching_codes_are_named(result):
    item = result.find("Wirkung gemeinsam bewerten")  # tagged 1.2 and 4.1; the project has 1.2
    assert item.sources[0].codes == ("1.2",)


def test_identical_texts_appear_once_with_both_reasons(result):
    assert result.item_texts().count("Bestand erfassen") == 1
    item = result.find("Bestand erfassen")
    assert {(s.title, s.codes) for s in item.sources} == {
        ("Checkliste Laternen", ("3.3",)),
        ("Checkliste Beteiligung", ("1.2",)),
    }
    assert "Checkliste Laternen" in item.reason and "Checkliste Beteiligung" in item.reason
    assert len({i.key for i in result.items}) == len(result.items)


def test_sections_follow_the_phase_order(result):
    phases = [section.phase for section in result.sections]
    assert phases == [p for p in Phase.values if p in phases]
    assert phases[0] == Phase.VORBEREITUNG and phases[-1] == Phase.NACHNUTZUNG
    assert [s.label for s in result.sections][:2] == ["Vorbereitung", "Planung"]
    for section in result.sections:
        assert all(item.phase == section.phase for item in section.items)


def test_unpublished_checklists_are_left_out(project):
    ChecklistPage.objects.get(title="Checkliste Mobilität").unpublish()
    result = build_checklist(project, ChecklistPage.objects.order_by("path"))
    assert "Sensoren regelmäßig warten" not in result.item_texts()
    assert "Bestand erfassen" in result.item_texts()


def test_project_specific_items_with_german_numbers(result):
    texts = result.item_texts()
    assert "Personal einplanen: ca. 6,5 Personenmonate" in texts
    assert "Laufende Kosten nach der Förderung: 4.500,50 € pro Jahr einplanen" in texts
    assert "Budget einplanen: Bad Endorf brauchte insgesamt 180.000 €, davon 120.000 € Fördermittel (67 %)" in texts
    assert "Förderung prüfen: Förderprogramm „Kommunalrichtlinie“" in texts
    assert "Voraussetzungen prüfen: Ein LoRaWAN-Gateway und ein Elektrobetrieb mit Erfahrung in Steuerknoten." in texts
    assert (
        "Lehren aus Bad Endorf beachten: Die ersten Knoten fielen im Winter aus; wir haben den Lieferanten gewechselt."
        in texts
    )
    staff = result.find("Personal einplanen: ca. 6,5 Personenmonate")
    assert staff.origin == ORIGIN_PROJECT and staff.phase == Phase.PLANUNG
    assert staff.reason == "Aus dem Steckbrief „Fernwartung der Straßenbeleuchtung“"
    assert result.find("Laufende Kosten nach der Förderung: 4.500,50 € pro Jahr einplanen").phase == Phase.BETRIEB


def test_evaluation_indicators_become_an_item(result):
    item = result.find("Wirkung mit denselben Indikatoren messen: Stromverbrauch")
    assert item.phase == Phase.EVALUATION
    assert "Stromverbrauch: 310 → 200 → 183 MWh/a" in item.explanation


def test_facts_are_german(result):
    facts = dict(result.facts)
    assert facts["Kommune"] == "Bad Endorf (Bayern), Kleinstadt, 8.452 Einwohner"
    assert facts["Laufzeit"] == "01.04.2021 – 31.03.2023 (24 Monate)"
    assert facts["Gesamtbudget"] == "180.000 €"
    assert facts["Fördermittel"] == "120.000 € (67 %), Förderprogramm „Kommunalrichtlinie“"
    assert facts["Charta-Leitlinien"] == "1.2, 3.3"


def test_contact_links_the_form_and_never_the_address(project, result):
    assert result.contact.role == "Klimaschutzmanagerin" and result.contact.name == "Erika Beispiel"
    assert result.contact.has_form
    assert result.contact.url == project.url + "#kontakt"
    item = next(i for i in result.items if i.text.startswith("Erfahrungsaustausch"))
    assert item.links[0].url.endswith("#kontakt")
    assert ADDRESS not in repr(result)


def test_open_source_and_dataset_links(result):
    urls = {link.url for link in result.links}
    assert "https://gitlab.opencode.de/beispiel/laternen" in urls
    assert "https://daten.example.org/laternen" in urls
    code = result.find("Vorhandenen Quellcode nachnutzen (Lizenz EUPL-1.2)")
    assert code.links[0].url == "https://gitlab.opencode.de/beispiel/laternen"
    assert {s.label for s in result.sources} == {
        "Checkliste „Checkliste Laternen“",
        "Checkliste „Checkliste Beteiligung“",
        "Checkliste „Checkliste Mobilität“",
    }


def test_no_visitor_no_differences(result):
    assert result.visitor is None and result.differences == []


def test_visitor_differences_for_a_landgemeinde(project):
    visitor = Municipality.objects.get(ags="12073069")  # Boitzenburger Land, Brandenburg
    result = build_checklist(project, checklists(), visitor=visitor)
    kinds = {d.kind: d for d in result.differences}
    assert set(kinds) == {"size_class", "state", "population"}
    assert kinds["size_class"].text == (
        "Bad Endorf ist eine Kleinstadt, Ihre Kommune eine Landgemeinde: Aufwand und Kosten skalieren."
    )
    assert "kleineren Mengen" in kinds["size_class"].detail
    assert kinds["state"].text.startswith("Bad Endorf liegt in Bayern, Ihre Kommune in Brandenburg")
    assert "Förderprogramm „Kommunalrichtlinie“ auch in Brandenburg" in kinds["state"].detail
    assert kinds["population"].text == (
        "Ihre Kommune hat 3.064 Einwohner, Bad Endorf 8.452: etwa 36 % der Einwohnerzahl von Bad Endorf."
    )


def test_visitor_differences_for_a_bigger_city_in_the_same_state(project):
    visitor = Municipality.objects.get(ags="09162000")  # München
    kinds = {d.kind: d for d in build_checklist(project, checklists(), visitor=visitor).differences}
    assert "state" not in kinds
    assert kinds["size_class"].text.startswith("Bad Endorf ist eine Kleinstadt, Ihre Kommune eine Großstadt")
    assert "-mal so viele Einwohner wie Bad Endorf" in kinds["population"].text


def test_visitor_same_size_class(project):
    visitor = Municipality.objects.get(ags="07140501")  # Boppard, Kleinstadt in Rheinland-Pfalz
    kinds = {d.kind for d in build_checklist(project, checklists(), visitor=visitor).differences}
    assert kinds == {"size_class_same", "state", "population"}


def test_visitor_is_the_projects_own_municipality(project):
    result = build_checklist(project, checklists(), visitor=project.lead_municipality)
    assert [d.kind for d in result.differences] == ["same"]


def test_formatting_helpers():
    assert de_number(Decimal("180000.00")) == "180.000"
    assert de_number(Decimal("4500.50")) == "4.500,50"
    assert de_number(Decimal("6.5"), 1) == "6,5"
    assert euro(1234567.891) == "1.234.567,89 €"
    assert duration_months(date(2021, 4, 1), date(2023, 3, 31)) == 24
    assert duration_months(date(2022, 1, 1), date(2022, 12, 31)) == 12
    assert duration_text(date(2024, 5, 1), None) == "seit 01.05.2024"
    assert duration_text(None, None) == ""
