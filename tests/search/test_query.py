import pytest
from django.http import QueryDict

from search.query import RequestError, parse_request, parse_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _taxonomy(taxonomy):
    pass


def parse(qs: str):
    return parse_request(QueryDict(qs))


def test_full_state_round_trips_from_the_url():
    request = parse(
        "q=B%C3%BCrgerbeteiligung+App&size_class=kleinstadt&guideline=2.3&guideline=2.1&sort=neueste&page=2"
    )
    assert request.text == "Bürgerbeteiligung App"
    assert request.filters == {"size_class": ("kleinstadt",), "guideline": ("2.3", "2.1")}
    assert (request.sort, request.page, request.page_size, request.offset) == ("neueste", 2, 20, 20)
    assert request.without("guideline") == {"size_class": ("kleinstadt",)}


@pytest.mark.parametrize(
    "qs,param,fragment",
    [
        ("q=" + "x" * 10_000, "q", "zu lang"),
        ("size_class=riesig", "size_class", "Unbekannter Wert „riesig“"),
        ("guideline=9.9", "guideline", "Unbekannter Wert"),
        ("state=17", "state", "Unbekannter Wert"),
        ("year=zweitausend", "year", "Unbekannter Wert"),
        ("page=999999999", "page", "Erlaubt sind Werte von 1 bis 500"),
        ("page=abc", "page", "keine ganze Zahl"),
        ("page_size=0", "page_size", "Erlaubt sind"),
        ("sort=zufall", "sort", "Unbekannte Sortierung"),
        ("q=%ED%A0%80", "q", "ungültige Zeichen"),  # a lone surrogate, as broken UTF-8
    ],
)
def test_bad_input_gets_a_german_message(qs, param, fragment):
    with pytest.raises(RequestError) as exc:
        parse(qs)
    assert fragment in exc.value.errors[param]


def test_open_facets_accept_new_values_and_control_characters_are_dropped():
    request = parse("tag=LoRaWAN&year=2024&q=Park%00raum")
    assert request.filters == {"tag": ("LoRaWAN",), "year": ("2024",)}
    assert request.text == "Parkraum"


def test_text_splits_into_words_and_phrases():
    parsed = parse_text('Bürgerbeteiligung "Open Data" App, Open-Data-Portal "x"')
    assert parsed.words == ("Bürgerbeteiligung", "App", "Open-Data-Portal", "x")
    assert parsed.phrases == ("Open Data",)
    assert parse_text("  !!! ").empty
