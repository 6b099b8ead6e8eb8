"""Lineage ("Nachnutzung"): a project names the projects it was adapted from, and what it changed.

The content: Buxtehude's project (last in the file) was adapted by Bad Endorf's (first in the
file: a forward reference), and München adapted both. Reuse counts: Buxtehude 2, Bad Endorf 1,
München 0.
"""

import copy
import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.urls import reverse
from wagtail.models import PageViewRestriction
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from cms.exchange.exporter import export_to
from cms.exchange.importer import ImportFailed, import_files
from cms.knowledge.models import ChecklistPage, GuidePage
from cms.projects.models import MunicipalityPage, ProjectAdaptation, ProjectPage
from explore.coverage import coverage
from search.documents import all_documents, document_for
from search.engines import reset_engine
from search.engines.embedded import EmbeddedEngine
from search.models import IndexTask
from search.query import SearchRequest
from search.sync import drain
from tests.editor.test_steckbrief_editor import edit_url, form_data
from tests.factories import write_bundle
from tests.replication.conftest import full_bundle

pytestmark = pytest.mark.django_db

NOTE_LATERNEN = "Funkknoten an 400 Laternen statt Einzelsteuerung; Dimmprofile nach Uhrzeit."
NOTE_MUENCHEN = "Tausende Laternen statt 400;\nAusfälle gehen direkt an den Betriebshof."
DEMO_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "demo"


def projects_of(data: dict) -> dict[str, dict]:
    return {p["id"]: p for m in data["municipalities"] for p in m["projects"]}


def lineage_bundle() -> dict:
    data = full_bundle()
    records = projects_of(data)
    records["projekt-test-laternen"]["adapted_from"] = [{"project": "projekt-test-buxtehude", "note": NOTE_LATERNEN}]
    records["projekt-test-muenchen"]["adapted_from"] = [
        {"project": "projekt-test-laternen", "note": NOTE_MUENCHEN},
        {"project": "projekt-test-buxtehude"},
    ]
    return data


@pytest.fixture
def lineage(site, exchange_dir) -> dict[str, ProjectPage]:
    import_files([write_bundle(exchange_dir, lineage_bundle())])
    return {
        key: ProjectPage.objects.get(external_id=f"projekt-test-{key}") for key in ("laternen", "muenchen", "buxtehude")
    }


def refreshed(page: ProjectPage) -> ProjectPage:
    return ProjectPage.objects.get(pk=page.pk)


def sources(page: ProjectPage) -> list[tuple[str, str]]:
    return [(a.source.external_id, a.note) for a in refreshed(page).adapted_from.all()]


def live_links():
    live = ProjectPage.objects.live().public()
    return ProjectAdaptation.objects.filter(page__in=live, source__in=live)


# -- model and editor ----------------------------------------------------------------------------


def test_model_refuses_a_project_adapted_from_itself_or_a_source_named_twice(lineage):
    muenchen, laternen = lineage["muenchen"], lineage["laternen"]
    muenchen.adapted_from = [ProjectAdaptation(source=muenchen)]
    with pytest.raises(ValidationError) as exc:
        muenchen.full_clean()
    assert "nicht von sich selbst nachgenutzt" in str(exc.value)

    muenchen.adapted_from = [ProjectAdaptation(source=laternen), ProjectAdaptation(source=laternen, note="nochmal")]
    with pytest.raises(ValidationError) as exc:
        muenchen.save_revision()
    assert "nur einmal genannt" in str(exc.value)

    muenchen.adapted_from = [ProjectAdaptation(source=laternen, note="gut")]
    muenchen.full_clean()  # one other project is fine


@pytest.fixture
def editor(client, django_user_model):
    user = django_user_model.objects.create_superuser("redaktion", "redaktion@example.org", "geheim")
    client.force_login(user)
    return client


def test_editor_names_sources_in_the_nachnutzung_tab_and_gets_row_errors(editor, lineage):
    muenchen, laternen = lineage["muenchen"], lineage["laternen"]
    html = editor.get(edit_url(muenchen)).content.decode()
    assert "Nachnutzung: Von welchem Projekt haben Sie übernommen?" in html
    assert "Was wurde angepasst?" in html
    data = form_data(html)
    data.update(nested_form_data({"body": streamfield([])}))
    data.update(problem=rich_text("<p>Problem</p>"), solution=rich_text("<p>Lösung</p>"))
    assert data["adapted_from-TOTAL_FORMS"] == "2"
    assert data["adapted_from-0-source"] == str(laternen.pk)

    data["adapted_from-1-source"] = str(laternen.pk)  # the same source twice
    response = editor.post(edit_url(muenchen), data)
    assert response.status_code == 200
    assert "Dieses Ursprungsprojekt ist schon genannt." in response.content.decode()

    data["adapted_from-1-source"] = str(muenchen.pk)  # the project itself
    response = editor.post(edit_url(muenchen), data)
    assert response.status_code == 200
    assert "Ein Projekt kann nicht von sich selbst nachgenutzt sein." in response.content.decode()
    assert sources(muenchen) == [("projekt-test-laternen", NOTE_MUENCHEN), ("projekt-test-buxtehude", "")]

    data["adapted_from-1-DELETE"] = "1"  # dropping the bad row makes the form valid again
    assert editor.post(edit_url(muenchen), data).status_code == 302


# -- the project pages ---------------------------------------------------------------------------


def lineage_section(client, page: ProjectPage):
    response = client.get(refreshed(page).url)
    assert response.status_code == 200
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    return soup, soup.find("section", attrs={"aria-labelledby": "lineage-heading"})


def items(section, heading_id: str) -> list[str]:
    """The list's entries as read, without the "Vergleichen" links."""
    listing = section.find("ul", attrs={"aria-labelledby": heading_id}) if section else None
    if listing is None:
        return []
    listing = copy.copy(listing)
    for link in listing.select("a.lineage-compare"):
        link.decompose()
    return [li.get_text(" ", strip=True) for li in listing.find_all("li")]


def test_both_pages_show_the_link_with_what_was_adapted(client, lineage):
    laternen, muenchen, buxtehude = lineage["laternen"], lineage["muenchen"], lineage["buxtehude"]
    soup, section = lineage_section(client, laternen)
    assert section.find("h2").get_text(strip=True) == "Nachnutzung zwischen Kommunen"
    assert section.find(id="lineage-sources-heading").get_text(strip=True) == "Nachnutzung von:"
    assert items(section, "lineage-sources-heading") == [
        f"Smarte Laternen an der Este (Buxtehude) – angepasst: {NOTE_LATERNEN}"
    ]
    assert section.find("a", string="Smarte Laternen an der Este")["href"] == buxtehude.url
    assert section.find(id="lineage-adopters-heading").get_text(strip=True) == "Nachgenutzt in:"
    assert items(section, "lineage-adopters-heading") == [
        f"München – Laternen-Monitoring in der Großstadt – angepasst: {NOTE_MUENCHEN.replace(chr(10), ' ')}"
    ]
    assert section.find("a", string="Laternen-Monitoring in der Großstadt")["href"] == muenchen.url
    compare_links = [(a["href"], a.get_text(" ", strip=True)) for a in section.select("a.lineage-compare")]
    base = reverse("replication:compare")
    assert compare_links == [
        (f"{base}?p={buxtehude.pk}&p={laternen.pk}", "Vergleichen mit „Smarte Laternen an der Este“"),
        (f"{base}?p={laternen.pk}&p={muenchen.pk}", "Vergleichen mit „Laternen-Monitoring in der Großstadt“"),
    ]
    # The section sits with the other "Nachnutzung" content, after the prerequisites.
    headings = [h2.get_text(strip=True) for h2 in soup.select(".steckbrief h2")]
    assert (
        headings.index("Nachnutzung zwischen Kommunen")
        == headings.index("Nachnutzbarkeit: Was braucht eine andere Kommune?") + 1
    )

    _, section = lineage_section(client, buxtehude)
    assert items(section, "lineage-sources-heading") == []
    assert items(section, "lineage-adopters-heading") == [
        f"Bad Endorf – Fernwartung der Straßenbeleuchtung – angepasst: {NOTE_LATERNEN}",
        "München – Laternen-Monitoring in der Großstadt",  # München said nothing about what it changed
    ]

    _, section = lineage_section(client, muenchen)
    assert items(section, "lineage-sources-heading") == [
        f"Fernwartung der Straßenbeleuchtung (Bad Endorf) – angepasst: {NOTE_MUENCHEN.replace(chr(10), ' ')}",
        "Smarte Laternen an der Este (Buxtehude)",
    ]
    assert items(section, "lineage-adopters-heading") == []


def test_unpublished_or_private_projects_do_not_leak(client, lineage):
    laternen, muenchen, buxtehude = lineage["laternen"], lineage["muenchen"], lineage["buxtehude"]
    muenchen.unpublish()
    _, section = lineage_section(client, laternen)
    assert items(section, "lineage-adopters-heading") == []
    assert "Laternen-Monitoring" not in str(section)
    _, section = lineage_section(client, buxtehude)
    assert len(items(section, "lineage-adopters-heading")) == 1

    PageViewRestriction.objects.create(page=laternen, restriction_type="password", password="geheim")
    soup, section = lineage_section(client, buxtehude)
    assert section is None and "Fernwartung der Straßenbeleuchtung" not in str(soup)

    # An unpublished source is not named on its adopter's page either.
    PageViewRestriction.objects.all().delete()
    refreshed(buxtehude).unpublish()
    soup, section = lineage_section(client, laternen)
    assert section is None and "Smarte Laternen an der Este" not in str(soup)


def test_no_section_without_lineage(client, content):
    _, section = lineage_section(client, content["laternen"])
    assert section is None


# -- the comparison ------------------------------------------------------------------------------


def compare_row(client, *pages) -> list[str]:
    query = "&".join(f"p={p.pk}" for p in pages)
    response = client.get(f"{reverse('replication:compare')}?{query}")
    assert response.status_code == 200
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    row = soup.select_one("table.compare-table tr.compare-row--nachnutzung")
    assert row.find("th").get_text(strip=True) == "Nachnutzung"
    return [td.get_text(" | ", strip=True) for td in row.find_all("td")]


def test_compare_shows_the_original_next_to_its_adaptation(client, lineage):
    laternen, muenchen, buxtehude = lineage["laternen"], lineage["muenchen"], lineage["buxtehude"]
    original, adaptation = compare_row(client, laternen, muenchen)
    assert original == (
        "Nachnutzung von: Smarte Laternen an der Este (Buxtehude) | "
        f"angepasst: {NOTE_LATERNEN} | "
        "Nachgenutzt in: München – Laternen-Monitoring in der Großstadt"
    )
    assert adaptation == (
        "Nachnutzung von: Fernwartung der Straßenbeleuchtung (Bad Endorf) | "
        f"angepasst: {NOTE_MUENCHEN.replace(chr(10), ' | ')} | "
        "Nachnutzung von: Smarte Laternen an der Este (Buxtehude)"
    )
    soup = BeautifulSoup(
        client.get(f"{reverse('replication:compare')}?p={buxtehude.pk}&p={muenchen.pk}").content, "html.parser"
    )
    links = soup.select("tr.compare-row--nachnutzung td a")
    assert {a["href"] for a in links} >= {laternen.url, muenchen.url, buxtehude.url}

    muenchen.unpublish()
    original, _ = compare_row(client, laternen, buxtehude)
    assert "München" not in original


def test_compare_without_any_lineage_has_no_lineage_row(client, content):
    query = f"p={content['laternen'].pk}&p={content['muenchen'].pk}"
    soup = BeautifulSoup(client.get(f"{reverse('replication:compare')}?{query}").content, "html.parser")
    assert soup.select("table.compare-table tr.compare-row--leitlinien")
    assert not soup.select("tr.compare-row--nachnutzung")


# -- the exchange format -------------------------------------------------------------------------


def test_import_links_in_a_second_phase_forward_references_included(lineage):
    assert sources(lineage["laternen"]) == [("projekt-test-buxtehude", NOTE_LATERNEN)]  # later in the file
    assert sources(lineage["muenchen"]) == [("projekt-test-laternen", NOTE_MUENCHEN), ("projekt-test-buxtehude", "")]
    assert sources(lineage["buxtehude"]) == []
    # Published with the links, so the editor's next version keeps them.
    latest = refreshed(lineage["muenchen"]).get_latest_revision_as_object()
    assert [a.source_id for a in latest.adapted_from.all()] == [lineage["laternen"].pk, lineage["buxtehude"].pk]
    assert not refreshed(lineage["muenchen"]).has_unpublished_changes


def test_reimport_without_changes_adds_no_lineage_revision(lineage, exchange_dir):
    muenchen = lineage["muenchen"]
    before = muenchen.revisions.count()
    import_files([write_bundle(exchange_dir, lineage_bundle())])
    assert muenchen.revisions.count() == before + 1  # the page update; the unchanged links add none
    assert ProjectAdaptation.objects.count() == 3

    data = lineage_bundle()
    projects_of(data)["projekt-test-muenchen"]["adapted_from"] = [{"project": "projekt-test-buxtehude", "note": "neu"}]
    del projects_of(data)["projekt-test-laternen"]["adapted_from"]  # left out: the stored lineage stays
    import_files([write_bundle(exchange_dir, data)])
    assert sources(muenchen) == [("projekt-test-buxtehude", "neu")]
    assert sources(lineage["laternen"]) == [("projekt-test-buxtehude", NOTE_LATERNEN)]
    assert ProjectAdaptation.objects.count() == 2

    projects_of(data)["projekt-test-laternen"]["adapted_from"] = []  # only an explicit empty list clears it
    import_files([write_bundle(exchange_dir, data)])
    assert sources(lineage["laternen"]) == []
    assert ProjectAdaptation.objects.count() == 1


def test_source_already_on_the_platform(site, exchange_dir):
    data = full_bundle()
    import_files([write_bundle(exchange_dir, data)])
    adopter = {
        "format": "smart-city-exchange",
        "version": 1,
        "municipalities": [
            {"id": "kommune-03359010", "ags": "03359010", "projects": [projects_of(data)["projekt-test-buxtehude"]]}
        ],
    }
    adopter["municipalities"][0]["projects"][0]["adapted_from"] = [
        {"project": "projekt-test-muenchen", "note": "kleiner"}
    ]
    import_files([write_bundle(exchange_dir, adopter, "nachtrag.json")])
    assert sources(ProjectPage.objects.get(external_id="projekt-test-buxtehude")) == [
        ("projekt-test-muenchen", "kleiner")
    ]


def test_source_in_another_file_of_the_same_import(site, exchange_dir):
    data = lineage_bundle()
    later = {"format": "smart-city-exchange", "version": 1, "municipalities": [data["municipalities"].pop()]}
    assert later["municipalities"][0]["projects"][0]["id"] == "projekt-test-buxtehude"
    import_files([write_bundle(exchange_dir, data, "a.json"), write_bundle(exchange_dir, later, "b.json")])
    assert sources(ProjectPage.objects.get(external_id="projekt-test-laternen"))[0][0] == "projekt-test-buxtehude"


def import_errors(exchange_dir, data) -> list[tuple[str, str, str]]:
    with pytest.raises(ImportFailed) as exc:
        import_files([write_bundle(exchange_dir, data)])
    assert ProjectPage.objects.count() == 0 and ProjectAdaptation.objects.count() == 0, "all or nothing"
    return [(p.record, p.field, p.message) for p in exc.value.problems]


def test_unknown_self_and_duplicate_references_are_clear_german_errors(site, exchange_dir):
    data = lineage_bundle()
    projects_of(data)["projekt-test-muenchen"]["adapted_from"] = [
        {"project": "projekt-test-laternen"},
        {"project": "projekt-gibt-es-nicht", "note": "?"},
        {"project": "projekt-test-laternen", "note": "doppelt"},
        {"project": "projekt-test-muenchen"},
    ]
    errors = import_errors(exchange_dir, data)
    assert sorted(errors) == [
        (
            "projekt-test-muenchen",
            "adapted_from.1.project",
            "Unbekanntes Ursprungsprojekt „projekt-gibt-es-nicht“: Es steht weder in den Importdateien noch auf der "
            "Plattform",
        ),
        (
            "projekt-test-muenchen",
            "adapted_from.2.project",
            "Das Ursprungsprojekt „projekt-test-laternen“ ist mehrfach genannt",
        ),
        ("projekt-test-muenchen", "adapted_from.3.project", "Ein Projekt kann nicht von sich selbst nachgenutzt sein"),
    ]
    shown = exc_text(exchange_dir, data)
    assert "Datensatz „projekt-test-muenchen“, Feld „adapted_from.1.project“: Unbekanntes Ursprungsprojekt" in shown

    data = lineage_bundle()
    projects_of(data)["projekt-test-muenchen"]["adapted_from"] = [{"projekt": "projekt-test-laternen"}]
    assert any(
        r == "projekt-test-muenchen" and f.startswith("adapted_from.0") and "Pflichtfeld fehlt: project" in m
        for r, f, m in import_errors(exchange_dir, data)
    )


def exc_text(exchange_dir, data) -> str:
    with pytest.raises(ImportFailed) as exc:
        import_files([write_bundle(exchange_dir, data)])
    return "\n".join(str(p) for p in exc.value.problems)


def wipe() -> None:
    for page in MunicipalityPage.objects.all():
        page.delete()
    GuidePage.objects.all().delete()
    ChecklistPage.objects.all().delete()


def test_export_import_export_keeps_lineage_byte_identical(lineage, tmp_path):
    (tmp_path / "eins").mkdir()
    first = export_to(tmp_path / "eins" / "export.json")
    exported = projects_of(first)
    assert exported["projekt-test-muenchen"]["adapted_from"] == [
        {"project": "projekt-test-laternen", "note": NOTE_MUENCHEN},
        {"project": "projekt-test-buxtehude", "note": ""},
    ]
    assert exported["projekt-test-buxtehude"]["adapted_from"] == []
    keys = list(exported["projekt-test-laternen"])
    assert keys.index("adapted_from") == keys.index("transferability") + 1
    wipe()
    assert ProjectAdaptation.objects.count() == 0
    import_files([tmp_path / "eins" / "export.json"])
    (tmp_path / "zwei").mkdir()
    second = export_to(tmp_path / "zwei" / "export.json")
    assert (tmp_path / "eins" / "export.json").read_bytes() == (tmp_path / "zwei" / "export.json").read_bytes()
    assert first == second


def test_export_names_only_sources_it_exports(lineage, tmp_path):
    refreshed(lineage["laternen"]).unpublish()  # a source of München, and itself adapted from Buxtehude
    data = export_to(tmp_path / "export.json")
    exported = projects_of(data)
    assert "projekt-test-laternen" not in exported
    assert exported["projekt-test-muenchen"]["adapted_from"] == [{"project": "projekt-test-buxtehude", "note": ""}]
    assert all(e["project"] != "projekt-test-laternen" for r in exported.values() for e in r["adapted_from"])


def test_demo_data_has_plausible_lineage_between_existing_projects():
    records = {}
    for path in sorted(DEMO_DIR.glob("part-*.json")):
        records |= projects_of(json.loads(path.read_text(encoding="utf-8")))
    links = [(pid, entry) for pid, record in records.items() for entry in record.get("adapted_from", [])]
    assert 4 <= len(links) <= 6
    for pid, entry in links:
        assert entry["project"] in records and entry["project"] != pid
        assert len(entry["note"]) > 40, pid  # says what was adapted
        assert records[entry["project"]].get("start_date", "") < records[pid].get("start_date", "9999"), pid


# -- search --------------------------------------------------------------------------------------


@pytest.fixture
def engine(tmp_path):
    engine = EmbeddedEngine(path=tmp_path / "lineage-index")
    reset_engine(engine)
    yield engine
    reset_engine(None)


def indexed(engine) -> dict[str, dict]:
    result = engine.search(SearchRequest(filters={"content_type": ("projekt",)}, page_size=100))
    return {h.source["title"]: h.source for h in result.hits}


def test_document_reuse_count_and_the_reused_facet(lineage, engine):
    laternen, muenchen, buxtehude = lineage["laternen"], lineage["muenchen"], lineage["buxtehude"]
    assert document_for(buxtehude)["reuse_count"] == 2 and document_for(buxtehude)["reused"] == ["ja"]
    assert document_for(laternen)["reuse_count"] == 1
    assert document_for(muenchen)["reuse_count"] == 0 and document_for(muenchen)["reused"] == ["nein"]
    report = document_for(laternen.get_children().first())
    assert report["reused"] == [] and report["reuse_count"] == 0  # only projects are "nachgenutzt"

    engine.rebuild(all_documents())
    counts = engine.search(SearchRequest()).facet_counts["reused"]
    assert counts == {"ja": 2, "nein": 1}
    hits = engine.search(SearchRequest(filters={"reused": ("ja",)})).hits
    assert sorted(h.source["title"] for h in hits) == [
        "Fernwartung der Straßenbeleuchtung",
        "Smarte Laternen an der Este",
    ]
    assert {t: s["reuse_count"] for t, s in indexed(engine).items()} == {
        "Smarte Laternen an der Este": 2,
        "Fernwartung der Straßenbeleuchtung": 1,
        "Laternen-Monitoring in der Großstadt": 0,
    }


def test_search_page_and_api_offer_the_facet(client, lineage, engine, taxonomy):
    engine.rebuild(all_documents())
    data = json.loads(client.get("/api/v1/search/?reused=ja").content)
    assert data["total"] == 2
    assert {r["title"]: r["reuse_count"] for r in data["results"]} == {
        "Smarte Laternen an der Este": 2,
        "Fernwartung der Straßenbeleuchtung": 1,
    }
    assert [(v["value"], v["label"], v["count"]) for v in data["facets"]["reused"]] == [
        ("ja", "bereits nachgenutzt", 2),
        ("nein", "noch nicht nachgenutzt", 1),
    ]
    html = client.get("/suche/?reused=ja").content.decode()
    assert 'name="reused" value="ja" checked' in html
    assert "Nachnutzung:</span> bereits nachgenutzt" in html
    assert html.count("× nachgenutzt") == 2 and "2× nachgenutzt" in html, "result cards show the count"
    assert client.get("/suche/?reused=vielleicht").status_code == 400


def pending_tasks() -> set[tuple[int, str]]:
    return set(IndexTask.objects.filter(processed_at__isnull=True).values_list("page_id", "action"))


def test_publishing_or_unpublishing_an_adopter_reindexes_its_sources(lineage, engine):
    laternen, muenchen, buxtehude = lineage["laternen"], lineage["muenchen"], lineage["buxtehude"]
    engine.rebuild(all_documents())
    IndexTask.objects.all().delete()

    refreshed(muenchen).unpublish()
    assert pending_tasks() == {(muenchen.pk, "delete"), (laternen.pk, "index"), (buxtehude.pk, "index")}
    drain(engine)
    assert {t: s["reuse_count"] for t, s in indexed(engine).items()} == {
        "Smarte Laternen an der Este": 1,
        "Fernwartung der Straßenbeleuchtung": 0,
    }

    refreshed(muenchen).save_revision().publish()
    assert {(laternen.pk, "index"), (buxtehude.pk, "index")} <= pending_tasks()
    drain(engine)
    assert indexed(engine)["Fernwartung der Straßenbeleuchtung"]["reuse_count"] == 1

    # A link removed on publishing: the former source is reindexed too.
    page = refreshed(muenchen)
    page.adapted_from = [ProjectAdaptation(source=laternen, note="nur noch Bad Endorf")]
    page.save_revision().publish()
    assert (buxtehude.pk, "index") in pending_tasks()
    drain(engine)
    assert indexed(engine)["Smarte Laternen an der Este"]["reuse_count"] == 1

    # Deleting an adopter reindexes its sources as well.
    refreshed(laternen).delete()
    assert (buxtehude.pk, "index") in pending_tasks()
    drain(engine)
    assert indexed(engine)["Smarte Laternen an der Este"]["reuse_count"] == 0


def test_a_draft_changes_nothing_until_published(lineage, engine):
    muenchen = refreshed(lineage["muenchen"])
    engine.rebuild(all_documents())
    IndexTask.objects.all().delete()
    muenchen.adapted_from = []
    muenchen.save_revision()
    assert pending_tasks() == set()
    assert len(sources(muenchen)) == 2  # the live version still names both


# -- coverage ------------------------------------------------------------------------------------


def test_coverage_counts_transfers_as_the_database_does(client, lineage, engine):
    result = coverage().lineage
    assert result.links == live_links().count() == 3
    assert result.reused.count == live_links().values("source").distinct().count() == 2
    by_size = {row.key: row for row in result.by_size_class}
    for size_class, row in by_size.items():
        assert row.links == live_links().filter(page__lead_municipality__size_class=size_class).count(), size_class
        assert row.reused.count == (
            live_links().filter(source__lead_municipality__size_class=size_class).values("source").distinct().count()
        ), size_class
    assert (by_size["grossstadt"].links, by_size["kleinstadt"].links) == (2, 1)  # München, Bad Endorf
    assert (by_size["mittelstadt"].reused.count, by_size["kleinstadt"].reused.count) == (1, 1)

    # Every count of reused projects leads to the search that lists as many.
    engine.rebuild(all_documents())
    html = client.get("/abdeckung/").content.decode()
    soup = BeautifulSoup(html, "html.parser")
    summary = soup.find(id="nachgenutzt")
    assert summary.get_text(" ", strip=True) == (
        "2 nachgenutzte Projekte (von anderen Kommunen übernommen und angepasst: 3 Nachnutzungen )"
    )
    table = soup.find("table", id="tabelle-nachnutzungen")
    assert table.find("caption").get_text(strip=True) == "Nachnutzungen und nachgenutzte Projekte je Gemeindegröße"
    links = [*summary.find_all("a", href=re.compile("^/suche/")), *table.find_all("a")]
    assert len(links) == 1 + 4 + 1
    for link in links:
        query = link["href"].split("?", 1)[1]
        found = json.loads(client.get(f"/api/v1/search/?{query}&page_size=1").content)
        assert found["total"] == int(link.get_text(" ", strip=True).split()[0]), link["href"]
    assert table.find("tfoot").get_text(" ", strip=True) == "Gesamt 3 2"

    refreshed(lineage["muenchen"]).unpublish()
    assert coverage().lineage.links == live_links().count() == 1


def test_coverage_without_lineage(content):
    result = coverage().lineage
    assert result.links == 0 and result.reused.count == 0
    assert result.reused.url == "/suche/?reused=ja&content_type=projekt"
