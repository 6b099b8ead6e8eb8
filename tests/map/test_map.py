"""The project map: its data endpoint agrees with the search, and the page works without JavaScript."""

import json
import re
from collections import Counter
from urllib.parse import parse_qsl, urlencode

import pytest
from django.test import override_settings

from search import map_views
from search.engines import EngineUnavailable

pytestmark = pytest.mark.django_db

FILTERS = [
    "",
    "size_class=kleinstadt",
    "guideline=2.3",
    "guideline=1&size_class=landgemeinde&size_class=kleinstadt",
    "state=09&status=regelbetrieb",
    "q=Beteiligung",
    "open_source=ja&has_evaluation=nein",
    "content_type=leitfaden",  # the map shows projects whatever the content type says
    "size_class=grossstadt&guideline=4.3&year=1999",  # nothing matches
]


def get_json(client, url: str, status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, response.content[:500]
    # Errors are problem documents (RFC 9457), still with the "errors" and "message" members.
    expected = "application/json" if status == 200 else "application/problem+json"
    assert response["Content-Type"].startswith(expected)
    return json.loads(response.content)


def search_params(qs: str) -> str:
    """The same filters for the search API, restricted to projects as the map is."""
    params = [(k, v) for k, v in parse_qsl(qs) if k != "content_type"]
    return urlencode([*params, ("content_type", "projekt")])


def search_ids(client, qs: str) -> set[str]:
    ids, page = set(), 1
    while True:
        data = get_json(client, f"/api/v1/search/?{search_params(qs)}&page_size=100&page={page}")
        ids |= {r["id"] for r in data["results"]}
        if page * 100 >= data["total"]:
            return ids
        page += 1


@pytest.mark.parametrize("qs", FILTERS)
def test_map_counts_are_the_search_counts(client, engine, qs):
    karte = get_json(client, f"/api/v1/karte/?{qs}")
    search = get_json(client, f"/api/v1/search/?{search_params(qs)}")
    assert set(karte) >= {"total", "municipalities", "facets"}
    assert karte["total"] == search["total"]
    placed = sum(len(m["projects"]) for m in karte["municipalities"])
    assert placed + len(karte["unplaced"]) == karte["total"]
    assert karte["unplaced"] == []  # every demo municipality is in the registry
    # The same facets, in the same shape, as the search API's for projects.
    assert karte["facets"] == search["facets"]
    ids = {p["id"] for m in karte["municipalities"] for p in m["projects"]}
    assert len(ids) == placed and ids == search_ids(client, qs)
    for m in karte["municipalities"]:
        assert set(m) >= {"ags", "name", "lat", "lon", "size_class", "projects"} and m["projects"]
        assert m["size_class_label"] in ("Großstadt", "Mittelstadt", "Kleinstadt", "Landgemeinde")
        assert 47 < m["lat"] < 55.1 and 5.8 < m["lon"] < 15.1
        for project in m["projects"]:
            assert set(project) == {"id", "external_id", "title", "url"} and project["url"].startswith(
                "http://testserver/"
            )
            assert project["external_id"]  # the exchange format's stable id, beside the page id


@pytest.mark.parametrize("qs", ["", "guideline=3.3", "q=Daten"])
def test_municipality_counts_add_up_to_the_facet_counts(client, engine, demo_documents, qs):
    """Per size class and per state, the markers' counts sum to the search's facet counts."""
    karte = get_json(client, f"/api/v1/karte/?{qs}")
    by_size, by_state = Counter(), Counter()
    for m in karte["municipalities"]:
        by_size[m["size_class"]] += len(m["projects"])
        by_state[m["ags"][:2]] += len(m["projects"])
    facets = get_json(client, f"/api/v1/search/?{search_params(qs)}")["facets"]
    assert dict(by_size) == {v["value"]: v["count"] for v in facets["size_class"]}
    assert dict(by_state) == {v["value"]: v["count"] for v in facets["state"]}
    if not qs:
        projects = [d for d in demo_documents if d["content_type"] == ["projekt"]]
        assert {m["ags"]: len(m["projects"]) for m in karte["municipalities"]} == dict(
            Counter(d["municipality_ags"][0] for d in projects)
        )


def test_map_pages_through_the_engine(client, engine, monkeypatch):
    """The engine is asked page by page; nothing is lost or doubled at page boundaries."""
    whole = get_json(client, "/api/v1/karte/")
    monkeypatch.setattr(map_views, "MAP_PAGE_SIZE", 7)
    calls = []
    original = engine.search

    def counting(request):
        calls.append(request.page)
        return original(request)

    monkeypatch.setattr(engine, "search", counting)
    paged = get_json(client, "/api/v1/karte/")
    assert len(calls) == -(-whole["total"] // 7) > 2
    assert paged == whole


@pytest.mark.parametrize(
    "qs",
    ["size_class=riesig", "q=" + "x" * 10_000, "page_size=5000", "state=99", "guideline=<script>", "q=%ED%A0%80"],
)
def test_bad_input_is_a_400_with_a_german_message(client, engine, qs):
    data = get_json(client, f"/api/v1/karte/?{qs}", status=400)
    assert data["message"] == "Ungültige Anfrage." and data["errors"]
    page = client.get(f"/karte/?{qs}")
    assert page.status_code == 400
    assert "Ihre Anfrage enthält ungültige Angaben" in page.content.decode()


def test_map_page_lists_every_project_without_javascript(client, engine):
    karte = get_json(client, "/api/v1/karte/?size_class=kleinstadt")
    html = client.get("/karte/?size_class=kleinstadt").content.decode()
    assert 'name="size_class" value="kleinstadt" checked' in html
    assert 'name="content_type"' not in html  # forced to projects, not offered
    assert "Projekte als Liste" in html and 'id="projekt-liste"' in html
    for m in karte["municipalities"]:
        assert f'data-ags="{m["ags"]}"' in html
        for project in m["projects"]:
            assert f'href="{project["url"].removeprefix("http://testserver")}"' in html
    assert f"<strong>{karte['total']} Projekte</strong>" in html
    # The list is grouped by state, alphabetically.
    states = re.findall(r'<h3 id="land-(\d\d)">', html)
    assert states and len(states) == len(set(states))
    # The map loads only on request; the page itself asks no other server for anything.
    assert "Kartenkacheln werden von OpenStreetMap geladen (tile.openstreetmap.org)" in html
    assert 'id="map-load"' in html and "Karte laden" in html
    assert 'data-tile-url="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in html
    assert 'data-api-url="/api/v1/karte/?size_class=kleinstadt"' in html
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert not re.search(r'(src|href)="(https?:)?//', html.split("<main", 1)[1].split('id="projekt-liste"')[0])
    assert "/suche/?size_class=kleinstadt&amp;content_type=projekt" in html


def test_tile_server_is_configurable(client, engine):
    with override_settings(
        MAP_TILE_URL="https://karten.example.org/tiles/{z}/{x}/{y}.png", MAP_TILE_ATTRIBUTION="© Beispiel"
    ):
        html = client.get("/karte/").content.decode()
    assert 'data-tile-url="https://karten.example.org/tiles/{z}/{x}/{y}.png"' in html
    assert 'data-tile-attribution="© Beispiel"' in html
    assert "Kartenkacheln werden von karten.example.org geladen" in html


def test_chips_and_reset_keep_the_other_filters(client, engine):
    html = client.get("/karte/?q=Daten&size_class=kleinstadt&guideline=2.3").content.decode()
    assert 'href="/karte/?q=Daten&amp;guideline=2.3"' in html  # the size class chip
    assert 'href="/karte/?q=Daten"' in html  # "Alle Filter zurücksetzen" keeps the text


def test_engine_down_the_map_still_answers(client, engine, monkeypatch):
    def broken(*args, **kwargs):
        raise EngineUnavailable("kaputt")

    monkeypatch.setattr(engine, "search", broken)
    assert client.get("/karte/").status_code == 200
    data = get_json(client, "/api/v1/karte/")
    assert data["degraded"] is True and data["notice"]


def test_map_keeps_the_visitors_municipality(client, engine, demo_places):
    ags, place = next(iter(sorted(demo_places.items())))
    html = client.get(f"/karte/?kommune={ags}&size_class=kleinstadt&guideline=2.3").content.decode()
    form = html.split('id="map-form"', 1)[1].split("</form>", 1)[0]
    assert f'<input type="hidden" name="kommune" value="{ags}">' in form
    # Every link that keeps the state keeps the municipality: search, data, chips, reset.
    assert f"/suche/?guideline=2.3&amp;size_class=kleinstadt&amp;kommune={ags}&amp;content_type=projekt" in html
    assert f'data-api-url="/api/v1/karte/?guideline=2.3&amp;size_class=kleinstadt&amp;kommune={ags}"' in html
    assert f'href="/karte/?guideline=2.3&amp;kommune={ags}"' in html  # the size class chip
    assert f'href="/karte/?kommune={ags}"' in html  # "Alle Filter zurücksetzen"
    # "Projekte für <Name>", and choosing another municipality does not bring this one back.
    hint = html.split('id="kommune-hint"', 1)[1].split("</p>", 1)[0]
    assert f'<a href="/projekte-fuer/{ags}/">Projekte für {place.name}</a>' in hint
    assert "next=/karte/%3Fguideline%3D2.3%26size_class%3Dkleinstadt" in hint and f"{ags}" not in hint.split("next=")[1]
    assert client.session["kommune"] == ags  # remembered, as on the search page

    # Remembered: the next visit without the parameter carries it too.
    again = client.get("/karte/").content.decode()
    assert f'<input type="hidden" name="kommune" value="{ags}">' in again
    # The data are the same with or without the municipality: the map places, it does not rank.
    with_kommune = get_json(client, f"/api/v1/karte/?kommune={ags}")
    assert with_kommune == get_json(client, "/api/v1/karte/")


def test_map_without_municipality_offers_the_picker(client, engine):
    html = client.get("/karte/").content.decode()
    assert 'name="kommune"' not in html
    hint = html.split('id="kommune-hint"', 1)[1].split("</p>", 1)[0]
    assert "Ihre Kommune wählen" in hint and "/meine-kommune/?next=/karte/" in hint
    assert client.get("/karte/?kommune=12345678").status_code == 400
    assert client.get("/karte/?kommune=abc").status_code == 400
