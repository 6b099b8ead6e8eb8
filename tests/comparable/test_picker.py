"""The municipality picker (/meine-kommune/), its autocomplete API and the session."""

import json

import pytest

from tests.factories import SAMPLE_AGS, sample_municipalities

pytestmark = pytest.mark.django_db

# Four "Neuenkirchen" (two of them in the same district), Oberried and Oberrieden, Übersee.
EXTRA_AGS = ["03358017", "01051075", "13075101", "13075102", "08315084", "09778183", "09189159"]


@pytest.fixture(autouse=True)
def registry(db):
    return sample_municipalities([*SAMPLE_AGS, *EXTRA_AGS])


def pick(client, **data):
    return client.post("/meine-kommune/", data)


def test_picker_page_renders_the_form(client):
    html = client.get("/meine-kommune/").content.decode()
    assert "Ihre Kommune (Name oder Gemeindeschlüssel)" in html
    assert 'name="q"' in html and 'list="kommune-suggestions"' in html and "municipality-picker.js" in html


def test_exact_ags_is_remembered_and_redirects(client):
    response = pick(client, q="08315084")
    assert response.status_code == 302 and response["Location"] == "/projekte-fuer/08315084/"
    assert client.session["kommune"] == "08315084"


def test_name_is_case_insensitive_and_exact_beats_prefix(client):
    # "Oberried" is also the start of "Oberrieden": the exact name wins.
    response = pick(client, q="  oberRIED ")
    assert response["Location"] == "/projekte-fuer/08315084/"


def test_unique_prefix_resolves(client):
    assert pick(client, q="Boitzenburger")["Location"] == "/projekte-fuer/12073069/"


def test_umlaut_names_match_in_any_case(client):
    assert pick(client, q="übersee")["Location"] == "/projekte-fuer/09189159/"
    assert pick(client, q="ÜBERSEE")["Location"] == "/projekte-fuer/09189159/"


def test_ambiguous_name_shows_a_choice_list(client):
    response = pick(client, q="Neuenkirchen")
    assert response.status_code == 200 and "kommune" not in client.session
    html = response.content.decode()
    assert "Welche Kommune meinen Sie mit „Neuenkirchen“?" in html
    assert 'type="radio" name="kommune" value="03358017"' in html
    assert 'type="radio" name="kommune" value="01051075"' in html
    assert "Neuenkirchen (Heidekreis, Niedersachsen)" in html
    assert "Neuenkirchen (Dithmarschen, Schleswig-Holstein)" in html
    # Choosing from the list.
    response = pick(client, kommune="01051075")
    assert response["Location"] == "/projekte-fuer/01051075/" and client.session["kommune"] == "01051075"


def test_ambiguous_prefix_shows_both(client):
    html = pick(client, q="Oberrie").content.decode()
    assert 'value="08315084"' in html and 'value="09778183"' in html


def test_the_label_of_a_choice_resolves_exactly(client):
    response = pick(client, q="Neuenkirchen (Heidekreis, Niedersachsen)")
    assert response["Location"] == "/projekte-fuer/03358017/"


def test_same_name_in_the_same_district_needs_the_ags(client):
    html = pick(client, q="Neuenkirchen (Vorpommern-Greifswald, Mecklenburg-Vorpommern)").content.decode()
    assert 'value="13075101"' in html and 'value="13075102"' in html and "kommune" not in client.session


def test_inner_match_is_offered_not_taken(client):
    html = pick(client, q="Endorf").content.decode()
    assert 'value="09187128"' in html and "kommune" not in client.session


@pytest.mark.parametrize(
    "q,message",
    [
        ("Atlantis", "„Atlantis“ haben wir im Gemeindeverzeichnis nicht gefunden."),
        ("99999999", "Zum Gemeindeschlüssel 99999999 gibt es keine Kommune im Gemeindeverzeichnis."),
        ("0831508", "„0831508“ ist kein Gemeindeschlüssel: Der Amtliche Gemeindeschlüssel hat acht Ziffern"),
        ("   ", "Bitte geben Sie den Namen oder den Gemeindeschlüssel Ihrer Kommune ein."),
    ],
)
def test_unknown_input_gets_a_german_error(client, q, message):
    response = pick(client, q=q)
    assert response.status_code == 200 and "kommune" not in client.session
    html = response.content.decode()
    assert message in html and 'role="alert"' in html


def test_unknown_ags_from_the_choice_list_is_an_error(client):
    html = pick(client, kommune="12345678").content.decode()
    assert "Zum Gemeindeschlüssel „12345678“ gibt es keine Kommune" in html


def test_get_with_kommune_is_remembered_and_next_is_followed_only_if_local(client):
    response = client.get("/meine-kommune/?kommune=09187128&next=/suche/%3Fq%3DLaternen")
    assert response["Location"] == "/suche/?q=Laternen" and client.session["kommune"] == "09187128"
    response = client.get("/meine-kommune/?kommune=09187128&next=https://example.org/")
    assert response["Location"] == "/projekte-fuer/09187128/"


def test_session_is_shown_and_can_be_forgotten(client):
    pick(client, q="08315084")
    html = client.get("/meine-kommune/").content.decode()
    assert "Ihre Kommune: Oberried" in html and "Kommune vergessen" in html
    assert client.get("/meine-kommune/vergessen/").status_code == 405
    response = client.post("/meine-kommune/vergessen/")
    assert response.status_code == 302 and response["Location"] == "/meine-kommune/"
    assert "kommune" not in client.session
    assert "Ihre Kommune: Oberried" not in client.get("/meine-kommune/").content.decode()


def test_stale_session_value_is_dropped(client):
    session = client.session
    session["kommune"] = "99999999"
    session.save()
    client.get("/meine-kommune/")
    assert "kommune" not in client.session


def api(client, q: str, status: int = 200) -> dict:
    response = client.get("/api/v1/kommunen/", {"q": q})
    assert response.status_code == status
    return json.loads(response.content)


def test_api_lists_names_with_district_state_and_size_class(client):
    data = api(client, "oberrie")
    assert data["results"] == [
        {
            "name": "Oberried",
            "ags": "08315084",
            "district": "Breisgau-Hochschwarzwald",
            "state": "Baden-Württemberg",
            "size_class": "landgemeinde",
            "size_class_label": "Landgemeinde",
            "label": "Oberried (Breisgau-Hochschwarzwald, Baden-Württemberg)",
        },
        {
            "name": "Oberrieden",
            "ags": "09778183",
            "district": "Unterallgäu",
            "state": "Bayern",
            "size_class": "landgemeinde",
            "size_class_label": "Landgemeinde",
            "label": "Oberrieden (Unterallgäu, Bayern)",
        },
    ]


def test_api_orders_exact_then_prefix_then_inner_and_caps_at_15(client, registry):
    assert [r["name"] for r in api(client, "Bad")["results"]] == ["Bad Endorf"]
    assert [r["ags"] for r in api(client, "0931")["results"]] == []
    assert [r["ags"] for r in api(client, "09")["results"]] == ["09162000", "09187128", "09189159", "09778183"]
    assert api(client, "x")["results"] == []
    assert len(api(client, "e")["results"]) == 0  # one letter is too short
    assert len(api(client, "en")["results"]) <= 15
    assert api(client, "q" * 101, status=400)["message"] == "Ungültige Anfrage."


def test_api_caps_results_at_15(client):
    from registry.models import Municipality

    template = Municipality.objects.get(ags="08315084")
    for i in range(20):
        template.pk = None
        template.ags = f"083159{i:02d}"
        template.name = f"Testdorf {i}"
        template.save()
    assert len(api(client, "Testdorf")["results"]) == 15
