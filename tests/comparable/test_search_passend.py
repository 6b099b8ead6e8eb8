"""Search with the visitor's municipality: sort "passend", comparability marks, validation.

Runs on the demo content in an EmbeddedEngine, as tests/search/test_views.py does.
"""

import json

import pytest
from django.http import QueryDict

from registry.comparability import COMPARABLE_THRESHOLD, Profile, score
from search.engines import reset_engine
from search.engines.embedded import EmbeddedEngine
from search.query import SORTS, RequestError, parse_request
from search.rerank import document_profile
from tests.factories import sample_municipalities

pytestmark = pytest.mark.django_db

OBERRIED = "08315084"


@pytest.fixture(scope="module")
def passend_engine(demo_documents, tmp_path_factory):  # noqa: F811
    engine = EmbeddedEngine(path=tmp_path_factory.mktemp("passend-index"))
    engine.rebuild(demo_documents)
    return engine


@pytest.fixture(autouse=True)
def engine(passend_engine, taxonomy, demo_documents):  # noqa: F811
    # The demo's municipalities (leads of the indexed projects) and the visitor's.
    leads = {d["municipality_ags"][0] for d in demo_documents if d["municipality_ags"]}
    sample_municipalities(sorted(leads | {OBERRIED}))
    reset_engine(passend_engine)
    yield passend_engine
    reset_engine(None)


def api(client, qs: str, status: int = 200) -> dict:
    response = client.get("/api/v1/search/?" + qs)
    assert response.status_code == status, response.content[:500]
    return json.loads(response.content)


def test_sort_passend_orders_by_comparability_then_relevance(client, demo_documents):  # noqa: F811
    data = api(client, f"kommune={OBERRIED}&sort=passend&page_size=100")
    assert data["kommune"] == {"ags": OBERRIED, "name": "Oberried"}
    results = data["results"]
    assert data["total"] == len(demo_documents) and len(results) == 100
    scored = [r["comparability"] for r in results if r["municipality"]]
    assert scored == sorted(scored, reverse=True) and scored[0] >= 90  # Oberried's own project first
    # Documents without a municipality (guides, checklists) come after all scored ones.
    kinds = [r["municipality"] is not None for r in results]
    assert kinds == sorted(kinds, reverse=True)
    for result in results:
        assert result["comparable"] == (
            result["comparability"] is not None and result["comparability"] >= COMPARABLE_THRESHOLD
        )
    # The marks agree with the pure function on the stored fields.
    mine = Profile(
        ags=OBERRIED,
        name="Oberried",
        population=2840,
        size_class="landgemeinde",
        urbanisation="3",
        state_code="08",
        state_name="Baden-Württemberg",
        district_ags="08315",
        lat=47.932544,
        lon=7.945766,
    )
    best = max(score(mine, p).score for d in demo_documents if (p := _with_coordinates(d)))
    assert results[0]["comparability"] == best


def _with_coordinates(document):
    from registry.models import Municipality

    profile = document_profile(document)
    if profile is None:
        return None
    m = Municipality.objects.get(ags=profile.ags)
    return Profile(**{**profile.__dict__, "lat": m.lat, "lon": m.lon})


def test_passend_pages_continue_the_same_order(client):
    first = api(client, f"kommune={OBERRIED}&sort=passend&page_size=10")["results"]
    second = api(client, f"kommune={OBERRIED}&sort=passend&page_size=5&page=2")["results"]
    assert [r["id"] for r in second] == [r["id"] for r in first[5:10]]


def test_passend_respects_text_and_filters(client):
    data = api(client, f"kommune={OBERRIED}&sort=passend&size_class=kleinstadt&q=Daten")
    assert data["total"] > 0
    assert all(r["municipality"]["size_class"] == "kleinstadt" for r in data["results"])
    # A Kleinstadt is never "vergleichbar" with a Landgemeinde (no partner data in search).
    assert not any(r["comparable"] for r in data["results"])


def test_kommune_without_passend_marks_but_keeps_relevance(client):
    plain = api(client, "q=Beteiligung")
    marked = api(client, f"q=Beteiligung&kommune={OBERRIED}")
    assert [r["id"] for r in marked["results"]] == [r["id"] for r in plain["results"]]
    assert "comparable" not in plain["results"][0] and "kommune" not in plain
    assert all("comparable" in r and "comparability" in r for r in marked["results"])


@pytest.mark.parametrize(
    "qs,fragment",
    [
        ("kommune=123", "„123“ ist kein Amtlicher Gemeindeschlüssel"),
        ("kommune=99999999", "Zum Gemeindeschlüssel 99999999 gibt es keine Kommune"),
        ("kommune=0831508x&sort=passend", "ist kein Amtlicher Gemeindeschlüssel"),
    ],
)
def test_bad_kommune_is_400_with_a_german_message(client, qs, fragment):
    data = api(client, qs, status=400)
    assert data["message"] == "Ungültige Anfrage." and fragment in data["errors"]["kommune"]


def test_passend_without_kommune_is_400(client):
    data = api(client, "sort=passend", status=400)
    assert "braucht Ihre Kommune" in data["errors"]["sort"]


def test_parse_request_carries_kommune():
    request = parse_request(QueryDict(f"kommune={OBERRIED}&sort=passend"))
    assert (request.kommune, request.sort) == (OBERRIED, "passend")
    assert parse_request(QueryDict("q=x")).kommune == ""
    assert "passend" in SORTS
    with pytest.raises(RequestError):
        parse_request(QueryDict("kommune=abc"))


def test_search_page_offers_passend_and_marks_comparable_results(client):
    response = client.get(f"/suche/?kommune={OBERRIED}&sort=passend")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="passend" selected>passend für Oberried</option>' in html
    assert "vergleichbar mit Oberried</span> Ihre eigene Kommune" in html
    assert html.count("vergleichbar mit Oberried") >= 3
    assert f'<input type="hidden" name="kommune" value="{OBERRIED}">' in html
    # Links keep the municipality in the URL state.
    assert f'href="/suche/?kommune={OBERRIED}&amp;sort=passend&amp;page=2" rel="next"' in html
    # ?kommune= is remembered: the next search offers "passend" without it in the URL.
    assert client.session["kommune"] == OBERRIED
    html = client.get("/suche/?q=Daten").content.decode()
    assert "passend für Oberried" in html and "Ihre Kommune: Oberried." in html


def test_search_page_without_municipality_has_no_passend(client):
    html = client.get("/suche/").content.decode()
    assert 'value="passend"' not in html and "Ihre Kommune wählen" in html
    response = client.get("/suche/?kommune=99999999")
    assert response.status_code == 400 and "gibt es keine Kommune" in response.content.decode()
