"""/projekte-fuer/<AGS>/ on imported content: ordering, explanations, partners, 404."""

import copy
import re

import pytest

from cms.exchange.importer import import_files
from explore.comparable import rank_projects
from tests.factories import PROJECT, bundle, sample_municipalities, write_bundle

pytestmark = pytest.mark.django_db

LYCHEN = "12073384"  # Landgemeinde in the Uckermark, like Boitzenburger Land
BOITZENBURGER_LAND = "12073069"
BAD_ENDORF = "09187128"
BOPPARD = "07140501"  # partner of the Bad Endorf project in the bundle


@pytest.fixture
def content(site, exchange_dir):
    """Two projects: Bad Endorf's (partner: Boppard, from the factory) and one of Boitzenburger Land."""
    sample_municipalities([LYCHEN])
    second = copy.deepcopy(PROJECT)
    second.update(
        id="projekt-test-dorfladen",
        title="Digitaler Dorfladen",
        summary="Ein Dorfladen mit Selbstbedienung rund um die Uhr.",
        partner_municipalities=[],
        status="pilot",
        reports=[],
    )
    data = bundle()
    data["municipalities"].append(
        {
            "id": "kommune-12073069",
            "ags": BOITZENBURGER_LAND,
            "demo": True,
            "intro": "<p>Eine Landgemeinde in der Uckermark.</p>",
            "projects": [second],
        }
    )
    import_files([write_bundle(exchange_dir, data)])


def municipality(ags):
    from registry.models import Municipality

    return Municipality.objects.select_related("state").get(ags=ags)


def titles(html: str) -> list[str]:
    return re.findall(r'<h3><a href="[^"]+">([^<]+)</a>', html)


def test_projects_rank_by_comparability_with_explanations(client, content):
    response = client.get(f"/projekte-fuer/{LYCHEN}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1><span class="eyebrow">Kommunen wie meine</span> Projekte für Lychen</h1>' in html
    assert titles(html) == ["Digitaler Dorfladen", "Fernwartung der Straßenbeleuchtung"]
    assert "Landgemeinde wie Sie, 3.060 Einwohner, ländlich, Brandenburg (gleicher Kreis)" in html
    assert "Kleinstadt, 8.450 Einwohner, halbstädtisch, Bayern" in html
    # The number is text, not only a bar.
    assert "89 von 100 Punkten" in html and "26 von 100 Punkten" in html
    assert 'value="89.4"' in html  # the meter is not localised ("89,4" would be invalid)
    # The visitor's facts at the top.
    assert "Uckermark" in html and "3.139" in html and "Amtlicher Gemeindeschlüssel" in html
    assert f'href="/suche/?kommune={LYCHEN}&amp;sort=passend"' in html


def test_shared_partner_counts_and_is_named(client, content):
    ranked, compared = rank_projects(municipality(BOPPARD))
    assert compared == 2
    top = ranked[0]
    assert top.page.title == "Fernwartung der Straßenbeleuchtung"
    assert top.shared_partners == 1 and top.comparison.components["partners"] == 5
    assert top.explanation == "Kleinstadt wie Sie, 8.450 Einwohner, halbstädtisch, Bayern, 1 gemeinsame Partnerkommune"
    assert "1 gemeinsame Partnerkommune" in client.get(f"/projekte-fuer/{BOPPARD}/").content.decode()


def test_own_projects_come_first(client, content):
    html = client.get(f"/projekte-fuer/{BAD_ENDORF}/").content.decode()
    assert titles(html)[0] == "Fernwartung der Straßenbeleuchtung"
    assert "Ihre eigene Kommune, Kleinstadt, 8.450 Einwohner, halbstädtisch, Bayern" in html


def test_unpublished_projects_are_left_out(client, content):
    from cms.projects.models import ProjectPage

    ProjectPage.objects.get(external_id="projekt-test-dorfladen").unpublish()
    assert titles(client.get(f"/projekte-fuer/{LYCHEN}/").content.decode()) == ["Fernwartung der Straßenbeleuchtung"]


@pytest.mark.parametrize("ags", ["99999999", "0831508", "abc"])
def test_unknown_ags_is_404(client, site, ags):
    assert client.get(f"/projekte-fuer/{ags}/").status_code == 404


def test_remember_button_and_kommune_parameter(client, content):
    html = client.get(f"/projekte-fuer/{LYCHEN}/").content.decode()
    assert "Als meine Kommune merken" in html and "kommune" not in client.session
    response = client.post("/meine-kommune/", {"kommune": LYCHEN})
    assert response["Location"] == f"/projekte-fuer/{LYCHEN}/"
    assert "Das ist Ihre gewählte Kommune." in client.get(f"/projekte-fuer/{LYCHEN}/").content.decode()
    # ?kommune=<AGS> on this page is remembered too and leads to that municipality's page.
    response = client.get(f"/projekte-fuer/{LYCHEN}/?kommune={BAD_ENDORF}")
    assert response["Location"] == f"/projekte-fuer/{BAD_ENDORF}/" and client.session["kommune"] == BAD_ENDORF


def test_method_is_documented_on_the_page(client, content):
    html = client.get(f"/projekte-fuer/{LYCHEN}/").content.decode()
    assert "So vergleichen wir" in html
    for label in ("Gemeindegröße (BBSR): bis 40 Punkte", "Einwohnerzahl: bis 25 Punkte", "Gemeinsame Partner: bis 10"):
        assert label in html
