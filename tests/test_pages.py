"""Every page type renders, with its real content, for anonymous visitors."""

import re
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from cms.exchange.importer import import_files
from cms.knowledge.models import ChecklistPage, GuidePage
from cms.projects.models import EvaluationReportPage, ExperienceReportPage, MunicipalityPage, ProjectPage
from tests.factories import bundle, write_bundle

pytestmark = pytest.mark.django_db


@pytest.fixture
def content(site, exchange_dir):
    import_files([write_bundle(exchange_dir, bundle())])


def get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_home_leads_with_search_and_entry_points(client, content):
    html = get(client, "/")
    assert html.index('name="q"') < html.index("Mitgestaltung fördern")
    assert reverse("term", args=["leitlinien", "2.3"]) in html
    for size_class in ("grossstadt", "mittelstadt", "kleinstadt", "landgemeinde"):
        assert reverse("size_class", args=[size_class]) in html
    assert "Fernwartung der Straßenbeleuchtung" in html  # latest projects
    assert "Evaluation der Fernwartung" in html  # latest reports


def test_project_page_shows_the_steckbrief_but_not_the_email(client, content):
    page = ProjectPage.objects.get()
    html = get(client, page.url)
    plain = text(html)
    for expected in (
        "Fernwartung der Straßenbeleuchtung",
        "LoRaWAN-Knoten an 400 Laternen",
        "Bad Endorf",
        "Kleinstadt",
        "Boppard",
        "Kommunalrichtlinie",
        "EUPL-1.2",
        "Klimaschutzmanagerin",
        "Beispieldaten",
        "Erika Beispiel",
        "Evaluation der Fernwartung",
        "Ein Jahr Regelbetrieb",
    ):
        assert expected in plain, expected
    assert "180.000" in plain  # German number format
    assert "erika.beispiel@example.org" not in html
    assert 'alt="LED-Laterne mit Funkknoten"' in html
    assert reverse("term", args=["leitlinien", "3.3"]) in html


def test_report_pages(client, content):
    evaluation = EvaluationReportPage.objects.get()
    plain = text(get(client, evaluation.url))
    for expected in (
        "Stromverbrauch",
        "MWh/a",
        "Hochschule Beispielstadt",
        "Der Stromverbrauch sank um 41 Prozent",
        "Beispieldaten",
    ):
        assert expected in plain, expected
    assert "<caption" in get(client, evaluation.url)
    experience = ExperienceReportPage.objects.get()
    assert "Die Bürger merken keinen Unterschied" in text(get(client, experience.url))


def test_municipality_guide_and_checklist_pages(client, content):
    municipality = MunicipalityPage.objects.get()
    plain = text(get(client, municipality.url))
    assert "Bad Endorf" in plain and "Rosenheim" in plain and "Fernwartung der Straßenbeleuchtung" in plain
    guide = GuidePage.objects.get()
    plain = text(get(client, guide.url))
    assert "Bestand erfassen." in plain and "Fernwartung der Straßenbeleuchtung" in plain
    checklist = ChecklistPage.objects.get()
    html = get(client, checklist.url)
    assert 'type="checkbox"' in html and "Datenschutz prüfen" in html and "Vorbereitung" in html
    printed = get(client, checklist.url + "drucken/")
    assert "Bestand erfassen" in printed and "<nav" not in printed


def test_section_and_legal_pages(client, content):
    assert "Bad Endorf" in text(get(client, "/kommunen/"))
    assert "Checkliste Laternen" in text(get(client, "/wissen/"))
    for slug in ("impressum", "datenschutz", "barrierefreiheit"):
        assert "<h1" in get(client, f"/{slug}/")
    plain = text(get(client, "/datenquellen/"))
    assert "Statistisches Bundesamt (Destatis)" in plain and "dl-de/by-2-0" in plain
    assert "german-nouns" in plain and "CC BY-SA 4.0" in plain  # the search's word list (search.analysis)


def test_taxonomy_pages_list_tagged_content(client, content):
    plain = text(get(client, reverse("term", args=["leitlinien", "3.3"])))
    assert "Fernwartung der Straßenbeleuchtung" in plain and "Leitfaden Laternen" in plain
    assert "Smart City Charta" in plain  # citation
    main = text(get(client, reverse("term", args=["leitlinien", "3"])))
    assert "Fernwartung der Straßenbeleuchtung" in main  # a sub-guideline counts under its guideline
    other = text(get(client, reverse("term", args=["leitlinien", "2.3"])))
    assert "Fernwartung der Straßenbeleuchtung" not in other
    assert "Fernwartung" in text(get(client, reverse("term", args=["handlungsfelder", "energie-klima"])))
    assert "Fernwartung" in text(get(client, reverse("term", args=["empfehlungen", "f"])))
    assert "Fernwartung" in text(get(client, reverse("term", args=["leitbild", "klimaneutral"])))
    assert "Fernwartung" in text(get(client, reverse("term", args=["akteure", "wirtschaft"])))
    overview = get(client, reverse("charta"))
    assert overview.count('href="/charta/leitlinien/') >= 16
    assert client.get(reverse("term", args=["leitlinien", "9.9"])).status_code == 404
    assert client.get("/charta/unbekannt/x/").status_code == 404


def test_size_class_pages(client, content):
    assert "Fernwartung" in text(get(client, reverse("size_class", args=["kleinstadt"])))
    assert "Fernwartung" not in text(get(client, reverse("size_class", args=["grossstadt"])))
    assert client.get("/gemeindegroesse/riesig/").status_code == 404


def test_unknown_page_is_a_german_404(client, content):
    response = client.get("/gibt-es-nicht/")
    assert response.status_code == 404
    assert "nicht gefunden" in response.content.decode()


# -- entry points: the six replication parts, the access request -----------------------------


def hrefs(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'<a [^>]*href="([^"]+)"', html)]


def section(html: str, heading_id: str) -> str:
    return html.split(f'id="{heading_id}"', 1)[1].split("</section>", 1)[0]


def test_home_reaches_all_six_replication_parts(client, content):
    """From the home page, by following links only: the six parts of "Nachnutzen" answer 200."""
    home = get(client, "/")
    nachnutzen = section(home, "nachnutzen")
    assert "Nachnutzen: Lösungen für Ihre Kommune finden" in home
    links = hrefs(nachnutzen)
    for url in ("/meine-kommune/", "/karte/", "/nachnutzen/vergleich/", "/abdeckung/", "/zugang/"):
        assert url in links, url
        get(client, url)

    # "Projekte für <Kommune>": choose the municipality on /meine-kommune/, land on its page.
    response = client.post("/meine-kommune/", {"q": "Bad Endorf"}, follow=True)
    assert response.status_code == 200
    projects_for = response.redirect_chain[-1][0]
    assert re.fullmatch(r"/projekte-fuer/\d{8}/", projects_for)
    assert "Projekte für Bad Endorf" in response.content.decode()
    assert projects_for in hrefs(get(client, "/meine-kommune/"))  # and it is linked from there now

    # The replication checklist: from a project card on the home page, via the project page.
    project = ProjectPage.objects.get()
    assert project.url in hrefs(section(home, "latest-projects"))
    checklist = reverse("replication:checklist", args=[project.pk])
    assert checklist in hrefs(get(client, project.url))
    assert "Checkliste" in get(client, checklist)
    # The checklist card leads to the projects in the search, where each has its compare link.
    assert "/suche/?content_type=projekt" in links


def test_navigation_and_footer_lead_to_replication_and_access(client, content):
    html = get(client, "/datenschutz/")  # any page: base.html
    nav = html.split('aria-label="Hauptnavigation"', 1)[1].split("</nav>", 1)[0]
    assert {"/karte/", "/meine-kommune/", "/suche/"} <= set(hrefs(nav))
    footer = html.split('<footer class="site-footer">', 1)[1]
    links = hrefs(footer)
    for url in ("/meine-kommune/", "/karte/", "/nachnutzen/vergleich/", "/abdeckung/", "/zugang/", "/datenschutz/"):
        assert url in links, url
    assert re.search(r'<a href="/zugang/">Zugang für Kommunen beantragen</a>', footer)
    assert len(re.findall(r"<nav aria-label=", footer)) == 2  # two navs, each with its own name
    assert (
        'aria-current="page"'
        in get(client, "/karte/").split('aria-label="Hauptnavigation"', 1)[1].split("</nav>", 1)[0]
    )


def test_home_headings_are_in_order_and_links_make_sense(client, content):
    html = get(client, "/")
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    levels = [int(level) for level in re.findall(r"<h([1-6])\b", main)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    nachnutzen = section(html, "nachnutzen")
    texts = [text(t).strip() for t in re.findall(r"<a [^>]*>(.*?)</a>", nachnutzen, flags=re.S)]
    assert "Zugang für Kommunen beantragen" in texts
    assert not {"hier", "mehr", "weiter", "Link"} & set(texts)
    assert len(texts) == len(set(texts))  # no two links with the same text


# -- the privacy statement -------------------------------------------------------------------


def test_privacy_page_names_the_tile_server_and_the_contact_relay(client, content):
    from django.conf import settings

    from cms.access.management.commands.purge_access_requests import DEFAULT_DAYS
    from search.map_views import tile_settings

    plain = text(get(client, "/datenschutz/"))
    tiles = tile_settings()
    assert tiles["provider"] in plain and tiles["host"] in plain  # as the map page announces it
    assert "OpenStreetMap Foundation" in plain and "Vereinigten Königreich" in plain
    assert "„Karte laden“" in plain and "Karte ausschalten" in plain
    # The contact relay: forwarded by e-mail, the text not stored, the log's retention as in the code.
    assert "Kontaktformular" in plain and "leitet Ihre Nachricht per E-Mail weiter" in plain
    assert "speichert die Plattform nicht" in plain and "Prüfwert (Hash) Ihrer E-Mail-Adresse" in plain
    assert getattr(settings, "CONTACT_RELAY_LOG_RETENTION_DAYS", 90) == 90 and "nach 90 Tagen gelöscht" in plain
    # Access requests and the session, as the code keeps them.
    assert f"{DEFAULT_DAYS} Tage nach der Entscheidung gelöscht" in plain
    assert "Meine Kommune" in plain and "sessionid" in plain and "csrftoken" in plain
    # A template: the operator has to fill in what the software cannot know.
    assert "Vorlage: vom Betreiber zu vervollständigen" in plain and plain.count("[Betreiber:") >= 5
    # The old, wrong claim is gone.
    assert "Kartendienste" not in plain and "keine Verbindungen zu Servern anderer Anbieter" not in plain


def test_setup_updates_unedited_legal_pages_and_keeps_edited_ones(site):
    from cms.core.models import StandardPage
    from cms.core.site_setup import ensure_site_structure, page_texts

    texts = page_texts()
    privacy = StandardPage.objects.get(slug="datenschutz")
    imprint = StandardPage.objects.get(slug="impressum")
    # An installation from before the corrected text: published by the setup, never edited.
    privacy.intro = "Alter Text ohne Kartenkacheln."
    privacy.body = [{"type": "paragraph", "value": "<p>Keine Kartendienste.</p>"}]
    privacy.save_revision().publish()
    # An editor's own imprint must survive.
    editor = get_user_model().objects.create_superuser("redakteurin", password="x")
    imprint.intro = "Unser eigenes Impressum."
    imprint.save_revision(user=editor).publish(user=editor)

    ensure_site_structure()
    privacy = StandardPage.objects.get(slug="datenschutz")
    assert privacy.intro == texts["datenschutz"]["intro"]
    assert "Kartenkacheln von OpenStreetMap" in str(privacy.body.render_as_block())
    assert StandardPage.objects.get(slug="impressum").intro == "Unser eigenes Impressum."

    revisions = privacy.revisions.count()
    ensure_site_structure()  # nothing changed: no new revision
    assert StandardPage.objects.get(slug="datenschutz").revisions.count() == revisions
