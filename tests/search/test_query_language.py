"""Queries as people type them (search.analysis_query) and the Redaktion's synonym list (search.models.Synonym)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from search import analysis_query
from search.analysis_query import (
    STOP_WORDS,
    SYNONYM_BOOST,
    Unit,
    build_table,
    edit_distance,
    forget_synonyms,
    fuzzy_match,
    plan,
    synonym_table,
)
from search.models import MAX_ALTERNATIVES, Synonym
from search.query import parse_text

TABLE = build_table(
    [
        ("KI", ["künstliche Intelligenz"]),
        ("E-Auto", ["Elektroauto"]),
        ("IoT", ["Internet der Dinge"]),
        ("ÖPNV", ["Nahverkehr"]),
    ]
)


def units(text: str) -> list[tuple[str, tuple[str, ...]]]:
    return [(unit.text, unit.alternatives) for unit in plan(parse_text(text), TABLE).units]


# -- filler words ---------------------------------------------------------------------------


def test_filler_words_of_a_question_are_dropped():
    assert units("Wie können wir Straßenbeleuchtung sparen?") == [("Straßenbeleuchtung", ()), ("sparen", ())]
    assert units("Was gibt es für unsere Gemeinde zum Thema Glasfaser") == [
        ("Gemeinde", ()),
        ("Thema", ()),
        ("Glasfaser", ()),
    ]


def test_a_query_of_filler_words_only_keeps_them_all():
    query_plan = plan(parse_text("Was gibt es?"), TABLE)
    assert [u.text for u in query_plan.units] == ["Was", "gibt", "es"]
    assert query_plan.only_stop_words and not query_plan.relaxable


def test_phrases_are_kept_as_typed():
    query_plan = plan(parse_text('wie "offene Fragen" wir'), TABLE)
    assert query_plan.units == () and query_plan.phrases == ("offene Fragen",)


def test_the_list_holds_no_words_people_search_for():
    assert {"daten", "stadt", "kommune", "verkehr", "app", "karte", "open", "smart"}.isdisjoint(STOP_WORDS)
    assert all(word == word.casefold() for word in STOP_WORDS)


# -- synonyms -------------------------------------------------------------------------------


def test_synonyms_both_ways_and_word_groups_longest_first():
    assert units("KI Verwaltung") == [("KI", ("künstliche Intelligenz",)), ("Verwaltung", ())]
    assert units("künstliche Intelligenz") == [("künstliche Intelligenz", ("KI",))]
    assert units("Internet der Dinge") == [("Internet der Dinge", ("IoT",))], "a stop word inside a term stays"
    assert units("e-auto laden") == [("e-auto", ("Elektroauto",)), ("laden", ())]
    assert units("E Auto") == [("E Auto", ("Elektroauto",))]
    assert units("OEPNV Nahverkehr")[1] == ("Nahverkehr", ("ÖPNV",))
    assert units("öpnv") == [("öpnv", ("Nahverkehr",))]


def test_a_synonym_ranks_below_the_typed_word():
    assert 0 < SYNONYM_BOOST < 1
    assert Unit(("KI",)).boost("AI") == SYNONYM_BOOST
    assert Unit(("KI",)).boost("künstliche Intelligenz") == SYNONYM_BOOST / 2
    assert Unit(("künstliche", "Intelligenz")).boost("KI") == SYNONYM_BOOST


@pytest.mark.parametrize(("clauses", "most"), [(2, 1), (3, 2), (4, 2), (5, 3), (8, 4)])
def test_most_of_the_words(clauses, most):
    query_plan = plan(parse_text(" ".join(f"wort{i}" for i in range(clauses))), {})
    assert query_plan.relaxable and query_plan.minimum_should_match == most
    assert not plan(parse_text("Laternen"), {}).relaxable


@pytest.mark.django_db
def test_the_table_is_read_once_and_again_after_a_change(django_assert_num_queries):
    forget_synonyms()
    try:
        with django_assert_num_queries(1):
            synonym_table()
            synonym_table()
        Synonym.objects.create(term="Zauberlampe", alternatives="Wunderleuchte")  # the signal clears it
        assert synonym_table()[("zauberlampe",)] == ("Wunderleuchte",)
        assert synonym_table()[("wunderleuchte",)] == ("Zauberlampe",)
        Synonym.objects.filter(term="Zauberlampe").delete()  # a queryset delete sends post_delete too
        assert ("zauberlampe",) not in synonym_table()
    finally:
        forget_synonyms()


@pytest.mark.django_db
def test_the_seeded_synonyms():
    assert Synonym.objects.count() >= 20
    ki = Synonym.objects.get(term="KI")
    assert ki.alternative_list == ["künstliche Intelligenz"]
    for synonym in Synonym.objects.all():
        synonym.full_clean()


# -- validation -----------------------------------------------------------------------------


def errors_of(**fields) -> dict:
    with pytest.raises(ValidationError) as raised:
        Synonym(**fields).full_clean()
    return raised.value.message_dict


@pytest.mark.django_db
def test_synonym_validation_in_german():
    assert "alternatives" in errors_of(term="Zauberlampe", alternatives=" , ;\n")
    assert "Begriff selbst" in errors_of(term="Zauberlampe", alternatives="zauberlampe")["alternatives"][0]
    assert "60 Zeichen" in " ".join(errors_of(term="x" * 61, alternatives="y")["term"])
    assert "Buchstaben" in errors_of(term="<script>", alternatives="y")["term"][0]
    assert "zu viele Wörter" in errors_of(term="eins zwei drei vier fünf", alternatives="y")["term"][0]
    many = "\n".join(f"Wort{i}" for i in range(MAX_ALTERNATIVES + 1))
    assert "Höchstens" in errors_of(term="Zauberlampe", alternatives=many)["alternatives"][0]
    assert "schon einen Eintrag" in errors_of(term="ki", alternatives="AI")["term"][0]


@pytest.mark.django_db
def test_alternatives_are_normalised_one_per_line():
    synonym = Synonym(term="  Zauber   lampe ", alternatives="Wunderleuchte, Lichtzauber;Wunderleuchte")
    synonym.full_clean()
    assert synonym.term == "Zauber lampe" and synonym.alternatives == "Wunderleuchte\nLichtzauber"


@pytest.mark.django_db
def test_the_list_is_size_limited(monkeypatch):
    monkeypatch.setattr("search.models.MAX_SYNONYMS", Synonym.objects.count())
    assert "voll" in errors_of(term="Zauberlampe", alternatives="Wunderleuchte")["term"][0]


# -- typos in suggestions -------------------------------------------------------------------


def test_edit_distance_counts_swaps_once_and_prefixes_free():
    assert edit_distance("strasenbel", "strassenbeleuchtung", prefix=True) == 1
    assert edit_distance("beleuchtnug", "beleuchtung") == 1
    assert edit_distance("abc", "abc") == 0 and edit_distance("", "abc", prefix=True) == 0


def test_fuzzy_match_fits_words_of_titles():
    assert fuzzy_match("Straßenbeleuchtung", "Strasenbel") == (True, 1)
    assert fuzzy_match("Fernwartung der Straßenbeleuchtung", "Strasenbel") == (False, 1)
    assert fuzzy_match("Smart-City-Strategie", "smart city strtegie") == (True, 1)
    assert fuzzy_match("Bürgerbus", "Bus") is None, "short words get no typos, and only word beginnings count"
    assert fuzzy_match("Straßenbeleuchtung", "Strsnbel") is None, "three edits are too many"
    assert fuzzy_match("anything", "") is None


def test_engines_read_the_table_through_one_function(monkeypatch):
    monkeypatch.setattr(analysis_query, "synonym_table", lambda: TABLE)
    assert plan(parse_text("KI")).units[0].alternatives == ("künstliche Intelligenz",)


@pytest.mark.django_db
def test_the_redaktion_finds_the_list_in_the_admin(admin_client):
    from django.urls import reverse

    listing = admin_client.get(reverse("wagtailsnippets_platform_search_synonym:list"), {"q": "Intelligenz"})
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "Synonyme" in page and "künstliche Intelligenz" in page
    form = admin_client.get(reverse("wagtailsnippets_platform_search_synonym:add")).content.decode()
    assert "Gleichbedeutende Begriffe" in form and "Begriff" in form
