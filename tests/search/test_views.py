"""The search page and the JSON API, on the demo content indexed in the embedded engine."""

import json
import re

import pytest
from django.utils.html import escape

from search.engines import EngineUnavailable, reset_engine
from search.engines.embedded import EmbeddedEngine

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo_engine(demo_documents, tmp_path_factory):
    engine = EmbeddedEngine(path=tmp_path_factory.mktemp("views-index"))
    engine.rebuild(demo_documents)
    return engine


@pytest.fixture(autouse=True)
def engine(demo_engine, taxonomy):
    reset_engine(demo_engine)
    yield demo_engine
    reset_engine(None)


def api(client, qs: str, status: int = 200) -> dict:
    response = client.get("/api/v1/search/?" + qs)
    assert response.status_code == status, response.content[:500]
    return json.loads(response.content)


def test_api_shape_and_disjunctive_counts(client):
    data = api(client, "size_class=kleinstadt&guideline=2.3")
    assert set(data) >= {"total", "page", "page_size", "engine", "took_ms", "results", "facets"}
    assert data["engine"] == "embedded" and data["page"] == 1 and data["page_size"] == 20
    assert set(data["facets"]) == {
        "content_type",
        "guideline",
        "leitbild",
        "recommendation",
        "action_field",
        "state",
        "size_class",
        "status",
        "year",
        "budget",
        "open_source",
        "has_evaluation",
        "reused",
        "partner_type",
        "tag",
    }
    for result in data["results"]:
        assert result["municipality"]["size_class"] == "kleinstadt"
        assert set(result) >= {"id", "type", "title", "url", "snippet", "municipality"}
    size = {v["value"]: v for v in data["facets"]["size_class"]}
    assert size["kleinstadt"]["selected"] and data["total"] == size["kleinstadt"]["count"] > 0
    # The other size classes are counted as if size_class were not selected (OR within a facet).
    unfiltered = api(client, "guideline=2.3")
    assert {v["value"]: v["count"] for v in unfiltered["facets"]["size_class"]} == {
        k: v["count"] for k, v in size.items()
    }


def test_demo_lineage_is_in_the_reused_facet(client):
    data = api(client, "content_type=projekt&reused=ja&page_size=100")
    counts = {r["title"]: r["reuse_count"] for r in data["results"]}
    assert len(counts) == 5 and sum(counts.values()) == 6  # six demo links, one source adapted twice
    assert counts["LoRaWAN-Pegelmessung und Starkregen-Frühwarnung an kleinen Gewässern"] == 2
    reused = {v["value"]: v["count"] for v in data["facets"]["reused"]}
    assert reused["ja"] == 5 and reused["nein"] == api(client, "content_type=projekt")["total"] - 5


def test_selected_value_stays_listed_at_zero(client):
    data = api(client, "q=Glasfaser&content_type=checkliste")
    option = next(v for v in data["facets"]["content_type"] if v["value"] == "checkliste")
    assert option["selected"]
    assert data["total"] == option["count"]


@pytest.mark.parametrize(
    "qs",
    [
        "q=" + "x" * 10_000,
        "size_class=riesig",
        "page=999999",
        "page_size=5000",
        "sort=zufall",
        "q=%ED%A0%80",
        "guideline=<script>",
    ],
)
def test_api_rejects_bad_input_with_400_and_german_message(client, qs):
    data = api(client, qs, status=400)
    assert data["message"] == "Ungültige Anfrage." and data["errors"]


def test_suggest(client):
    data = json.loads(client.get("/api/v1/suggest/?q=B%C3%BCrger").content)
    assert data["suggestions"] and all("bürger" in s.casefold() for s in data["suggestions"])
    assert json.loads(client.get("/api/v1/suggest/?q=").content)["suggestions"] == []


def test_search_page_renders_facets_chips_and_results(client):
    html = client.get("/suche/?size_class=kleinstadt").content.decode()
    assert 'name="size_class" value="kleinstadt" checked' in html
    assert "Alle Filter zurücksetzen" in html and 'class="chip"' in html
    assert html.count('name="guideline"') == 16  # the 4 × 3 tree plus its 4 guidelines
    assert "<mark>" in client.get("/suche/?q=Beteiligung").content.decode()


def result_items(html: str) -> list[str]:
    return re.findall(r'<li class="result">(.*?)</li>', html, flags=re.S)


def test_project_results_offer_the_compare_link(client):
    html = client.get("/suche/?content_type=projekt").content.decode()
    results = result_items(html)
    assert results
    for item in results:
        project_id = re.search(r'href="/nachnutzen/vergleich/\?p=(\d+)"', item).group(1)
        title = re.search(r"<h3><a [^>]*>(.*?)</a></h3>", item).group(1)
        # After the result's heading, with the title for screen readers.
        assert item.index("<h3>") < item.index('class="compare-link"')
        assert f'<span class="visually-hidden">: {title}</span>' in item
        assert project_id.isdigit()
    # A project already chosen (``p`` in the URL) adds to that selection.
    first = re.search(r"\?p=(\d+)", results[0]).group(1)
    chosen = result_items(client.get(f"/suche/?content_type=projekt&p={first}").content.decode())
    assert "Zum Vergleich vorgemerkt" in chosen[0]
    assert f"/nachnutzen/vergleich/?p={first}&amp;p=" in chosen[1]
    # Guides and reports have no compare link.
    guides = client.get("/suche/?content_type=leitfaden").content.decode()
    assert result_items(guides) and "compare-link" not in guides


def test_choosing_another_municipality_does_not_bring_back_the_old_one(client, municipalities):
    html = client.get("/suche/?q=Daten&kommune=09187128").content.decode()
    hint = html.split('id="kommune-hint"', 1)[1].split("</p>", 1)[0]
    assert "Andere Kommune wählen" in hint
    assert "next=/suche/%3Fq%3DDaten" in hint and "09187128" not in hint
    assert client.session["kommune"] == "09187128"


def test_search_page_bad_input_is_400_not_500(client):
    response = client.get("/suche/?size_class=riesig&page=-3")
    assert response.status_code == 400
    assert "Unbekannter Wert „riesig“" in response.content.decode()


def test_engine_down_degrades_to_database_search(client, engine, monkeypatch):
    def broken(*args, **kwargs):
        raise EngineUnavailable("kaputt")

    monkeypatch.setattr(engine, "search", broken)
    response = client.get("/suche/?q=Laternen")
    assert response.status_code == 200
    assert "Suchmaschine ist gerade nicht erreichbar" in response.content.decode()
    data = api(client, "q=Laternen")
    assert data["engine"] == "datenbank" and data["degraded"] is True


def test_similar_projects_tag_lists_other_projects(engine, demo_documents):
    source = next(d for d in demo_documents if d["content_type"] == ["projekt"])
    similar = engine.more_like_this(source["id"], 4)
    assert similar and all(h.id != source["id"] for h in similar)

    from search.templatetags.search_tags import similar_projects

    class Stub:
        pk = int(source["id"])

    context = similar_projects(Stub())
    assert context["results"] and all(r.type == "projekt" for r in context["results"])
    assert source["title"] not in [r.title for r in context["results"]]


def test_search_page_shows_neither_engine_nor_timing(client):
    html = client.get("/suche/?q=Beteiligung").content.decode()
    assert result_items(html)
    assert "Suchmaschine:" not in html and "embedded" not in html and not re.search(r"\d ms\b", html)
    # The API keeps both, for operators and clients.
    data = api(client, "q=Beteiligung")
    assert data["engine"] == "embedded" and isinstance(data["took_ms"], float)


EMPTY = "content_type=checkliste&guideline=2.3&guideline=1.1&size_class=kleinstadt"


def test_empty_result_offers_each_filter_to_drop_with_its_count(client):
    assert api(client, EMPTY)["total"] == 0
    html = client.get("/suche/?" + EMPTY).content.decode()
    # No filter panel and no sort control for nothing to filter or sort.
    assert 'id="filter-panel"' not in html and 'id="search-sort"' not in html
    offers = re.findall(r'<li><a href="(/suche/\?[^"]*)">Ohne ([^<]*)</a> <span class="count">\((\d+) Treffer\)', html)
    expected = [
        ("guideline=2.3&amp;guideline=1.1&amp;size_class=kleinstadt", "Art des Inhalts: Checkliste"),
        (
            "content_type=checkliste&amp;size_class=kleinstadt",
            "Charta-Leitlinie: 1.1 Digitalisierung in die Stadtentwicklung integrieren und Ziele der nachhaltigen "
            "Stadtentwicklung umsetzen, 2.3 Mitgestaltung fördern",
        ),
        ("content_type=checkliste&amp;guideline=2.3&amp;guideline=1.1", "Gemeindegröße: Kleinstadt"),
    ]
    assert [(url.removeprefix("/suche/?"), label) for url, label, _count in offers] == expected
    for url, _label, count in offers:
        assert int(count) == api(client, url.removeprefix("/suche/?").replace("&amp;", "&"))["total"]
    assert any(int(count) > 0 for _url, _label, count in offers)
    assert 'href="/suche/?"' in html  # "Alle Filter entfernen"
    # The Charta terms behind the selected filters, and the Charta itself.
    assert 'href="/charta/leitlinien/2.3/"' in html and 'href="/charta/leitlinien/1.1/"' in html
    assert 'href="/charta/"' in html


def test_suggestions_cost_searches_only_for_an_empty_result(client, monkeypatch):
    from search import service, views

    calls = []
    search = service.search
    monkeypatch.setattr(service, "search", lambda request, engine=None: calls.append(request) or search(request))
    html = client.get("/suche/?size_class=kleinstadt").content.decode()
    assert len(calls) == 1 and "Filter einzeln entfernen" not in html
    assert 'id="filter-panel"' in html and "Filter (1 aktiv)" in html

    calls.clear()
    monkeypatch.setattr(views, "MAX_RELAXATIONS", 2)
    html = client.get("/suche/?" + EMPTY).content.decode()
    assert len(calls) == 3  # the search itself, then one per facet up to the limit
    assert html.count("Ohne ") == 2


# -- queries as people type them, grouped suggestions -------------------------------------------

RELAXED_NOTE = "Treffer, die nicht alle Suchwörter enthalten"


def test_relaxed_results_carry_a_note_on_the_page_and_a_flag_in_the_api(client, demo_documents):
    page = client.get("/suche/", {"q": "Straßenbeleuchtung Quastenflosser"}).content.decode()
    assert RELAXED_NOTE in page and 'id="relaxed-note"' in page
    title = next(d["title"] for d in demo_documents if "Straßenbeleuchtung" in d["title"])
    assert escape(title) in page
    assert api(client, "q=Stra%C3%9Fenbeleuchtung+Quastenflosser")["relaxed"] is True
    assert api(client, "q=Stra%C3%9Fenbeleuchtung")["relaxed"] is False
    page = client.get("/suche/", {"q": "Straßenbeleuchtung"}).content.decode()
    assert RELAXED_NOTE not in page


def test_suggest_keeps_its_flat_list_and_adds_groups(client, municipalities):
    data = json.loads(client.get("/api/v1/suggest/", {"q": "Strasenbel"}).content)
    assert any("Straßenbeleuchtung" in s for s in data["suggestions"]), "one typo tolerated"
    (projects,) = [g for g in data["groups"] if g["key"] == "projekte"]
    assert projects["label"] == "Projekte" and [i["text"] for i in projects["items"]] == data["suggestions"]
    assert all(i["url"] == "" for i in projects["items"])

    data = json.loads(client.get("/api/v1/suggest/", {"q": "Bad End"}).content)
    (kommunen,) = [g for g in data["groups"] if g["key"] == "kommunen"]
    assert kommunen["label"] == "Kommunen"
    assert kommunen["items"][0]["text"] == "Bad Endorf"
    assert kommunen["items"][0]["url"] == "/projekte-fuer/09187128/"
    assert "Bayern" in kommunen["items"][0]["hint"]


def test_suggest_offers_charta_terms_with_their_pages(client):
    from registry.models import ActionField, Guideline, LeitbildAttribute, Recommendation

    titles = [
        t
        for model in (Guideline, ActionField, LeitbildAttribute, Recommendation)
        for t in model.objects.values_list("title", flat=True)
    ]
    # The rarest long word of a guideline's title, so that the term is among the group's first five.
    guidelines = list(Guideline.objects.order_by("code"))
    words = [w for g in guidelines for w in re.findall(r"\w{8,}", g.title)]
    word = min(words, key=lambda w: (sum(w.casefold() in t.casefold() for t in titles), w))
    term = next(g for g in guidelines if word in g.title)
    typo = word[:2] + word[3] + word[2] + word[4:8]  # two letters swapped, typed half
    data = json.loads(client.get("/api/v1/suggest/", {"q": typo}).content)
    (charta,) = [g for g in data["groups"] if g["key"] == "charta"]
    assert charta["label"] == "Charta-Begriffe"
    item = next(i for i in charta["items"] if i["text"] == term.title)
    assert item["url"] == f"/charta/leitlinien/{term.code}/" and item["hint"] == "Leitlinie"
    assert client.get(item["url"]).status_code == 200


def test_suggest_groups_are_empty_for_nothing_and_hostile_input(client):
    for q in ("", "B", "Qxzvwq", "<script>", "%" * 100):
        response = client.get("/api/v1/suggest/", {"q": q})
        assert response.status_code == 200, q
        data = json.loads(response.content)
        assert data["groups"] == [] and data["suggestions"] == [], q
    assert client.get("/api/v1/suggest/", {"q": "x" * 600}).status_code == 400
