"""The shared German analysis: compound splitting, the parts text and the compound snippet."""

from __future__ import annotations

import time

import pytest

from search import analysis
from search.analysis import compound_snippet, fold, fold_german, parts_text, split_compound, words


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("Förderprogramm", ("förder", "programm")),
        ("Livestream", ("live", "stream")),
        ("Bebauungsplan", ("bebauung", "plan")),  # Fugen-s
        ("Glasfasernetz", ("glasfaser", "netz", "glas", "faser")),  # parts of parts after the parts
        ("Umweltsensoren", ("umwelt", "sensoren")),  # inflected head
        ("Straßenbeleuchtung", ("strassen", "beleuchtung")),  # casefolded: ß → ss
        ("Bürgerbeteiligung", ("bürger", "beteiligung")),
        ("Verkehrsberuhigung", ("verkehrs", "beruhigung")),
        ("Sofortprogramm", ("programm",)),  # an unknown modifier of six letters: only the head
    ],
)
def test_compounds_split_into_known_words(word, parts):
    assert split_compound(word) == parts


@pytest.mark.parametrize(
    "word",
    [
        "Programm",  # a known word that is no compound
        "Verwendung",  # "ver" + "Wendung"/"Dung": prefixes split nothing off
        "Beschreibung",  # "Besch" is a surname, names are no parts
        "Gemeinschaft",  # "-schaft" is a suffix, not a head
        "Entwicklung",
        "Netz",
        "Daten2024",  # not letters only
        "",
    ],
)
def test_words_that_are_no_compounds_stay_whole(word):
    assert split_compound(word) == ()


def test_splitting_is_case_insensitive_and_cached():
    split_compound.cache_clear()
    assert split_compound("GLASFASERNETZ") == split_compound("glasfasernetz")
    split_compound("Glasfasernetz")
    split_compound("Glasfasernetz")
    assert split_compound.cache_info().hits == 1


def test_the_word_list_is_loaded_once_and_holds_inflected_nouns():
    known = analysis.load_words()
    assert known is analysis.load_words()
    assert {"programm", "sensoren", "bebauung", "stream"} <= known
    assert "besch" not in known, "surnames are left out"
    assert all(len(word) >= analysis.MIN_PART for word in known)


def test_parts_text_lists_the_parts_of_every_compound_once_per_occurrence():
    assert parts_text("Das Förderprogramm und der Livestream.", "", "Zwei Förderprogramme") == (
        "förder programm live stream förder programme"
    )
    assert parts_text("Ein Netz und ein Plan", "") == ""


def test_indexing_100000_documents_stays_fast():
    """Words repeat across documents: after the first few, every split is a cache hit."""
    text = " ".join(["Das Förderprogramm für das Glasfasernetz und die Umweltsensoren im Bebauungsplan."] * 20)
    parts_text(text)
    started = time.perf_counter()
    for _ in range(1000):
        parts_text(text)
    per_document = (time.perf_counter() - started) / 1000
    assert per_document * 100_000 < 60, f"{per_document * 1000:.2f} ms per document"


def test_folding():
    assert fold("Straße Bürger") == "strasse burger"
    assert fold_german("Buerger Bürger") == "burger burger"
    assert words("Smart-City-Strategie 2030") == "smart city strategie 2030"


def test_compound_snippet_marks_the_compound_and_escapes_the_rest():
    text = "Vorher <b>fett</b>. Das Förderprogramm des Landes zahlt, die Umweltsensoren messen."
    snippet = compound_snippet(text, ["Programm", "Sensor"], 200)
    assert "<mark>Förderprogramm</mark>" in snippet and "<mark>Umweltsensoren</mark>" in snippet
    assert "&lt;b&gt;fett&lt;/b&gt;" in snippet and "<b>" not in snippet
    assert compound_snippet(text, ["Programm"], 30).startswith("… ")
    assert compound_snippet(text, ["Wasser"], 200) == ""
    assert compound_snippet("Das Programm", ["Programm"], 200) == "", "whole words are the highlighter's job"
