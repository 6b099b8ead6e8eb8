"""The engine-neutral contract every search engine must pass, written once.

``EngineContract`` is a plain mixin (its name does not start with ``Test``, so pytest does
not collect it by itself). A subclass per engine provides one fixture, ``make_engine``:
a class-scoped callable that returns a new, *empty* engine with its own storage (a fresh
directory, a fresh index prefix) and cleans up after the class::

    class TestMyEngineContract(EngineContract):
        @pytest.fixture(scope="class")
        @classmethod
        def make_engine(cls, tmp_path_factory):
            return lambda: MyEngine(path=tmp_path_factory.mktemp("index"))

From it the contract builds ``loaded_engine`` (class-scoped: one engine loaded with all
``demo_documents`` through ``rebuild``, shared by the read-only tests) and ``scratch_engine``
(per test: a fresh engine for the tests that write). A subclass may override
``loaded_engine`` if it has a cheaper way to get a loaded engine.

Every expectation is computed here, in Python, from ``demo_documents`` — never from the
engine under test. Tests of optional features are skipped when the engine's capability
flag says it does not have them.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable

import pytest

from search.analysis_query import RELAX_BELOW
from search.engines.base import EngineResult, SearchEngine
from search.facets import FACETS, FACETS_BY_NAME
from search.query import SearchRequest

ALL = 500  # a page size larger than the demo corpus: one page holds every match
LIGHTING = "Straßenbeleuchtung".casefold()  # casefold turns ß into ss
PDF_ONLY_WORDS = ("Kühlschrankmagnet", "Thermohygrometer", "Wellensittich")
# Small documents for ranking a word against its compounds (``parts_engine``): each pair
# differs only in that one word. Summary and body hold the same sentence.
_PARTS_TEXTS = {
    "995001": "Das Programm des Landes zahlt den Ausbau der Wege.",
    "995002": "Das Förderprogramm des Landes zahlt den Ausbau der Wege.",
    "995003": "Der Stream der Sitzung ist für alle offen.",
    "995004": "Der Livestream der Sitzung ist für alle offen.",
    "995005": "Der Plan für das Gebiet liegt im Rathaus aus.",
    "995006": "Der Bebauungsplan für das Gebiet liegt im Rathaus aus.",
    "995007": "Das Netz reicht bis in jedes Haus im Dorf.",
    "995008": "Das Glasfasernetz reicht bis in jedes Haus im Dorf.",
    "995009": "Die Umweltsensoren messen den Feinstaub an der Straße.",
    "995010": "Der Sensor misst den Feinstaub an der Straße.",
    # Paragraphs as search.documents extracts them: one line each.
    "995014": "Die Tafeln wirken an den übrigen Tagen nicht.\nAm wirksamsten ist die Anzeige am Ortseingang.",
}
PARTS_DOCUMENTS: list[dict] = [
    {"id": key, "title": f"Eintrag {key}", "title_sort": f"eintrag {key}", "summary": text, "body": text}
    for key, text in _PARTS_TEXTS.items()
] + [
    {"id": "995011", "title": "Quellental erprobt Laternen", "title_sort": "quellental", "summary": "", "body": ""},
    {"id": "995012", "title": "Ein Eintrag", "title_sort": "ein eintrag", "summary": "Aus Quellental.", "body": ""},
    {
        "id": "995013",
        "title": "Noch ein Eintrag",
        "title_sort": "noch",
        "summary": "",
        "body": "",
        "extra": "Quellental",
    },
]
# (part, id of the document with the word itself, id of the one with a compound)
PART_PAIRS = [
    ("Programm", "995001", "995002"),
    ("Stream", "995003", "995004"),
    ("Plan", "995005", "995006"),
    ("Netz", "995007", "995008"),
]
# (part, compounds of the demo texts that contain it)
DEMO_COMPOUNDS = [
    ("Stream", ("livestream", "livestreams")),
    ("Netz", ("glasfasernetz", "funknetz", "sensornetz")),
    ("Plan", ("zeitplan", "hitzeschutzplan")),
    ("Programm", ("bundesprogramm", "sofortprogramm")),
    ("Sensor", ("bodensensoren", "pegelsensoren", "radarsensoren")),
]


# --------------------------------------------------------------------------- helpers


def text_of(doc: dict) -> str:
    return "\n".join((doc["title"], doc["summary"], doc["body"], doc.get("extra", "")))


def ids_where(documents: Iterable[dict], predicate: Callable[[dict], bool]) -> set[str]:
    return {d["id"] for d in documents if predicate(d)}


def has_value(doc: dict, facet_name: str, values: Iterable[str]) -> bool:
    return bool(set(doc[FACETS_BY_NAME[facet_name].field]) & set(values))


def expected_counts(documents: Iterable[dict], facet_name: str) -> dict[str, int]:
    field = FACETS_BY_NAME[facet_name].field
    return dict(Counter(value for d in documents for value in set(d[field])))


def words_of(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.casefold())


def fold(text: str) -> str:
    text = text.casefold().replace("ß", "ss")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def run(engine: SearchEngine, text: str = "", filters: dict | None = None, **kwargs) -> EngineResult:
    return engine.search(SearchRequest(text=text, filters=filters or {}, **kwargs))


def hit_ids(engine: SearchEngine, text: str = "", filters: dict | None = None, **kwargs) -> list[str]:
    result = run(engine, text, filters, page_size=ALL, **kwargs)
    ids = [h.id for h in result.hits]
    assert len(ids) == result.total, "one page of ALL must hold every match"
    return ids


def subset(documents: list[dict], n: int) -> list[dict]:
    """A deterministic slice with every content type in it."""
    by_type: dict[str, list[dict]] = {}
    for doc in documents:
        by_type.setdefault(doc["content_type"][0], []).append(doc)
    picked = [docs[0] for docs in by_type.values()]
    rest = [d for d in documents if d not in picked]
    return (picked + rest)[:n]


# --------------------------------------------------------------------------- the contract


@pytest.mark.django_db  # demo_documents is built inside the test database
class EngineContract:
    # ----------------------------------------------------------------- fixtures

    @pytest.fixture(scope="class")
    @classmethod
    def make_engine(cls) -> Callable[[], SearchEngine]:
        raise NotImplementedError("subclasses provide make_engine: a callable returning a new, empty engine")

    @pytest.fixture(scope="class")
    @classmethod
    def loaded_engine(cls, make_engine, demo_documents) -> SearchEngine:
        engine = make_engine()
        assert engine.rebuild(demo_documents) == len(demo_documents)
        return engine

    @pytest.fixture
    def engine(self, loaded_engine) -> SearchEngine:
        return loaded_engine

    @pytest.fixture
    def scratch_engine(self, make_engine) -> SearchEngine:
        return make_engine()

    # ----------------------------------------------------------------- counting and facets

    def test_all_documents_without_query(self, engine, demo_documents):
        result = run(engine, page_size=5)
        assert result.total == len(demo_documents) == engine.stats()["documents"]
        assert len(result.hits) == 5

    def test_unselected_counts_are_exact(self, engine, demo_documents):
        counts = run(engine, page_size=1).facet_counts
        for facet in FACETS:
            assert counts.get(facet.name, {}) == expected_counts(demo_documents, facet.name), facet.name

    def test_filtering_by_each_shown_value_returns_its_count(self, engine, demo_documents):
        """For EVERY facet and EVERY value shown without a selection: selecting it alone
        yields exactly the number that was shown next to it."""
        for text in ("", "Daten"):
            counts = run(engine, text, page_size=1).facet_counts
            for facet in FACETS:
                if text and facet.name == "tag":
                    continue  # the full tag list is checked without text; enough is enough
                shown = counts.get(facet.name, {})
                assert shown or text, facet.name
                for value, count in shown.items():
                    total = run(engine, text, {facet.name: (value,)}, page_size=1).total
                    assert total == count, (text, facet.name, value)

    def test_counts_are_disjunctive(self, engine, demo_documents):
        """Selecting a value leaves its own facet's counts as they were (the other values
        stay choosable, OR) and restricts every other facet's counts to the selection."""
        base = run(engine, page_size=1).facet_counts
        for facet in FACETS:
            values = expected_counts(demo_documents, facet.name)
            if len(values) < 2:
                continue
            value = max(sorted(values), key=values.get)
            selection = {facet.name: (value,)}
            result = run(engine, filters=selection, page_size=1)
            matching = [d for d in demo_documents if has_value(d, facet.name, (value,))]
            assert result.total == len(matching), facet.name
            assert result.facet_counts.get(facet.name, {}) == base[facet.name], facet.name
            for other in FACETS:
                if other.name != facet.name:
                    assert result.facet_counts.get(other.name, {}) == expected_counts(matching, other.name), (
                        facet.name,
                        other.name,
                    )

    def test_two_selected_facets_count_each_under_the_other(self, engine, demo_documents):
        selection = {"size_class": ("kleinstadt",), "content_type": ("projekt",)}
        result = run(engine, filters=selection, page_size=1)
        projects = [d for d in demo_documents if has_value(d, "content_type", ("projekt",))]
        small = [d for d in demo_documents if has_value(d, "size_class", ("kleinstadt",))]
        assert result.facet_counts["size_class"] == expected_counts(projects, "size_class")
        assert result.facet_counts["content_type"] == expected_counts(small, "content_type")
        both = [d for d in projects if d in small]
        assert result.total == len(both) == result.facet_counts["size_class"]["kleinstadt"]

    def test_values_in_one_facet_or_facets_and(self, engine, demo_documents):
        either = ids_where(demo_documents, lambda d: has_value(d, "content_type", ("projekt", "checkliste")))
        assert set(hit_ids(engine, filters={"content_type": ("projekt", "checkliste")})) == either
        state = max(sorted(expected_counts(demo_documents, "state")), key=expected_counts(demo_documents, "state").get)
        both = ids_where(
            demo_documents,
            lambda d: has_value(d, "content_type", ("projekt", "checkliste")) and has_value(d, "state", (state,)),
        )
        assert set(hit_ids(engine, filters={"content_type": ("projekt", "checkliste"), "state": (state,)})) == both
        assert 0 < len(both) < len(either)

    def test_text_query_and_selection_agree_with_counts(self, engine, demo_documents):
        result = run(engine, "Beteiligung", {"size_class": ("kleinstadt",)})
        assert result.total == result.facet_counts["size_class"].get("kleinstadt", 0)
        assert all(h.source["size_class"] == ["kleinstadt"] for h in result.hits)

    def test_guideline_hierarchy_adds_up(self, engine, demo_documents):
        counts = run(engine, page_size=1).facet_counts["guideline"]
        for main in sorted({g for d in demo_documents for g in d["guideline"] if "." not in g}):
            children = tuple(f"{main}.{i}" for i in (1, 2, 3))
            union = ids_where(demo_documents, lambda d, c=children: has_value(d, "guideline", c))
            assert counts[main] == len(union), main
            assert all(counts[main] >= counts.get(child, 0) for child in children), main
            assert set(hit_ids(engine, filters={"guideline": (main,)})) == union
            assert set(hit_ids(engine, filters={"guideline": children})) == union

    # ----------------------------------------------------------------- full text

    def test_compound_word_finds_the_lighting_projects(self, engine, demo_documents):
        lighting = ids_where(demo_documents, lambda d: LIGHTING in text_of(d).casefold())
        assert len(lighting) >= 2
        found = hit_ids(engine, "Straßenbeleuchtung")
        assert set(found) == lighting
        titled = ids_where(demo_documents, lambda d: LIGHTING in d["title"].casefold())
        assert set(found[: len(titled)]) == titled, "title matches rank first"

    def test_typos_still_find_the_lighting_projects(self, engine, demo_documents):
        if not engine.supports_fuzzy:
            pytest.skip("engine has no fuzzy matching")
        titled = ids_where(demo_documents, lambda d: LIGHTING in d["title"].casefold())
        assert titled <= set(hit_ids(engine, "Strassenbeleuchtng"))
        if engine.supports_compound_splitting:  # "Beleuchtung" occurs only inside compounds
            assert titled <= set(hit_ids(engine, "Beleuchtnug"))

    def test_compound_part_finds_the_compound(self, engine, demo_documents):
        if not engine.supports_compound_splitting:
            pytest.skip("engine does not split compounds")
        # "Beleuchtung" occurs in the demo texts only as the tail of "Straßenbeleuchtung".
        compound_only = ids_where(
            demo_documents,
            lambda d: "beleuchtung" in text_of(d).casefold() and "beleuchtung" not in words_of(text_of(d)),
        )
        assert compound_only and compound_only <= set(hit_ids(engine, "Beleuchtung"))
        with_compound = ids_where(demo_documents, lambda d: "bürgerbeteiligung" in words_of(text_of(d)))
        assert with_compound and with_compound <= set(hit_ids(engine, "Beteiligung"))

    def test_all_words_are_required(self, engine, demo_documents):
        """All words, as long as that finds RELAX_BELOW documents; else most of them, those with
        all first (search.analysis_query)."""
        both = set(hit_ids(engine, "Daten Plattform"))
        assert len(both) >= RELAX_BELOW and not run(engine, "Daten Plattform", relax=True).relaxed
        assert both <= set(hit_ids(engine, "Daten")) & set(hit_ids(engine, "Plattform"))
        assert len(both) < len(hit_ids(engine, "Daten"))

        glass, zweck = set(hit_ids(engine, "Glasfaser")), set(hit_ids(engine, "Zweckverband"))
        assert run(engine, "Glasfaser Zweckverband").total == len(glass & zweck), "strict unless asked"
        result = run(engine, "Glasfaser Zweckverband", page_size=ALL, relax=True)
        assert 0 < len(glass & zweck) < RELAX_BELOW and result.relaxed
        assert {h.id for h in result.hits} == glass | zweck
        assert result.hits[0].id in glass & zweck

    def test_phrase_matches_only_the_phrase(self, engine, demo_documents):
        if not engine.supports_phrases:
            pytest.skip("engine has no phrase queries")
        exact = ids_where(demo_documents, lambda d: re.search(r"\boffene\s+fragen\b", text_of(d), re.I))
        inflected = ids_where(demo_documents, lambda d: re.search(r"\boffen\w*\s+frage\w*", text_of(d), re.I))
        words = set(hit_ids(engine, "offene Fragen"))
        found = set(hit_ids(engine, '"offene Fragen"'))
        assert exact and exact <= found <= inflected
        assert found < words, "the phrase is stricter than its words"

    def test_german_stemming(self, engine, demo_documents):
        if not engine.supports_german_stemming:
            pytest.skip("engine has no German stemming")
        singular = ids_where(demo_documents, lambda d: "sensor" in words_of(text_of(d)))
        assert singular and singular <= set(hit_ids(engine, "Sensoren"))

    def test_umlauts_and_sharp_s_typed_or_not(self, engine, demo_documents):
        """Queries typed as in the text match; so do the ASCII spellings of ß and ü."""
        bus = ids_where(demo_documents, lambda d: "bürgerbus" in words_of(text_of(d)))
        assert bus and bus <= set(hit_ids(engine, "Bürgerbus"))
        assert bus <= set(hit_ids(engine, "Buergerbus"))
        lighting = set(hit_ids(engine, "Straßenbeleuchtung"))
        assert lighting and set(hit_ids(engine, "Strassenbeleuchtung")) == lighting

    @pytest.mark.parametrize("word", PDF_ONLY_WORDS)
    def test_word_only_in_a_pdf_finds_the_evaluation_report(self, engine, demo_documents, word):
        expected = ids_where(demo_documents, lambda d: word.casefold() in d["body"].casefold())
        assert expected and all(
            d["content_type"] == ["evaluationsbericht"] for d in demo_documents if d["id"] in expected
        )
        assert set(hit_ids(engine, word)) == expected

    # ----------------------------------------------------------------- queries as people type them

    def test_a_query_with_a_missing_word_shows_most_words_and_says_so(self, engine, demo_documents):
        lighting = ids_where(demo_documents, lambda d: LIGHTING in text_of(d).casefold())
        strict = run(engine, "Straßenbeleuchtung Quastenflosser", relax=True)
        assert strict.relaxed, "no document has both words"
        assert set(hit_ids(engine, "Straßenbeleuchtung Quastenflosser", relax=True)) == lighting
        assert not run(engine, "Straßenbeleuchtung", relax=True).relaxed
        assert (
            not run(engine, "Quastenflosser", relax=True).relaxed
            and run(engine, "Quastenflosser", relax=True).total == 0
        )
        # Unless the caller shows a note (search page, API), every word stays required: alerts, feeds, the map.
        unrelaxed = run(engine, "Straßenbeleuchtung Quastenflosser")
        assert unrelaxed.total == 0 and not unrelaxed.relaxed

    def test_relaxed_hits_rank_documents_with_more_words_first(self, engine, demo_documents):
        remote = ids_where(
            demo_documents, lambda d: LIGHTING in text_of(d).casefold() and "fernwartung" in text_of(d).casefold()
        )
        either = ids_where(
            demo_documents, lambda d: LIGHTING in text_of(d).casefold() or "fernwartung" in text_of(d).casefold()
        )
        assert remote and remote < either
        # Three words, one unknown: "most" is two of three, so only documents with both others.
        result = run(engine, "Fernwartung Straßenbeleuchtung Quastenflosser", page_size=ALL, relax=True)
        assert result.relaxed and {h.id for h in result.hits} == remote
        # Two words, one unknown: one is most; those with more of the known words come first.
        found = hit_ids(engine, "Straßenbeleuchtung Quastenflosser", relax=True)
        assert set(found) == ids_where(demo_documents, lambda d: LIGHTING in text_of(d).casefold())

    def test_enough_hits_with_every_word_are_not_relaxed(self, engine, demo_documents):
        result = run(engine, "Daten Plattform", page_size=ALL, relax=True)
        assert result.total >= 3 and not result.relaxed
        assert set(h.id for h in result.hits) <= set(hit_ids(engine, "Daten", relax=True)) & set(
            hit_ids(engine, "Plattform", relax=True)
        )

    def test_a_question_finds_what_it_asks_for(self, engine, demo_documents):
        titled = ids_where(demo_documents, lambda d: LIGHTING in d["title"].casefold())
        found = hit_ids(engine, "Wie können wir Straßenbeleuchtung sparen?", relax=True)
        assert titled <= set(found)
        assert set(found[: len(titled)]) == titled, "the lighting projects first"
        assert titled <= set(hit_ids(engine, "Was gibt es zur Straßenbeleuchtung", relax=True))

    def test_a_query_of_filler_words_only_behaves_as_before(self, engine, demo_documents):
        result = run(engine, "was gibt es", page_size=ALL, relax=True)
        assert not result.relaxed
        assert [h.id for h in result.hits] == hit_ids(engine, "gibt", relax=True), (
            "the stop words are the engine's business"
        )

    def test_synonyms_find_each_other_and_the_typed_word_ranks_first(self, scratch_engine, demo_documents):
        """The seeded synonym KI ↔ künstliche Intelligenz (search/migrations/0004), both ways."""
        from search.analysis_query import forget_synonyms
        from search.models import Synonym

        # Seeded by the migration; a transactional test that ran first may have emptied the table.
        Synonym.objects.get_or_create(term="KI", defaults={"alternatives": "künstliche Intelligenz"})
        forget_synonyms()
        base = dict(demo_documents[0], summary="", tag=[], body="Ein Projekt der Verwaltung.")
        spelled_out = dict(base, id="990010", title="Künstliche Intelligenz im Bürgerbüro")
        short = dict(base, id="990011", title="KI im Bürgerbüro")
        other = dict(base, id="990012", title="Laternen im Bürgerbüro")
        scratch_engine.bulk(index=[spelled_out, short, other])
        assert hit_ids(scratch_engine, "KI") == ["990011", "990010"]
        assert hit_ids(scratch_engine, "künstliche Intelligenz") == ["990010", "990011"]
        assert hit_ids(scratch_engine, "KI Bürgerbüro")[:2] == ["990011", "990010"]

    def test_a_synonym_added_in_the_admin_takes_effect(self, scratch_engine, demo_documents, admin_client):
        from django.urls import reverse

        from search.analysis_query import forget_synonyms
        from search.models import Synonym

        base = dict(demo_documents[0], summary="", tag=[], body="Ein Projekt der Verwaltung.")
        scratch_engine.bulk(index=[dict(base, id="990020", title="Quastenlicht für den Marktplatz")])
        assert hit_ids(scratch_engine, "Zauberlampe") == []
        add = reverse("wagtailsnippets_platform_search_synonym:add")
        try:
            refused = admin_client.post(add, {"term": "Zauberlampe", "alternatives": "Zauberlampe"})
            assert refused.status_code == 200 and not Synonym.objects.filter(term="Zauberlampe").exists()
            response = admin_client.post(add, {"term": "Zauberlampe", "alternatives": "Quastenlicht\nWunderleuchte"})
            assert response.status_code == 302, response.content[:500]
            assert hit_ids(scratch_engine, "Zauberlampe") == ["990020"]
            Synonym.objects.filter(term="Zauberlampe").delete()
            assert hit_ids(scratch_engine, "Zauberlampe") == []
        finally:
            forget_synonyms()  # the database rolls back; the process's table must too

    def test_suggest_tolerates_typos(self, engine, demo_documents):
        if not engine.supports_suggest:
            pytest.skip("engine does not suggest")
        from search.analysis_query import fuzzy_match

        suggestions = engine.suggest("Strasenbel", limit=8)
        assert any(LIGHTING in s.casefold() for s in suggestions), suggestions
        assert all(fuzzy_match(s, "Strasenbel") is not None for s in suggestions)
        assert any(LIGHTING in s.casefold() for s in engine.suggest("Straßenbelucht", limit=8))
        assert engine.suggest("Qxzvw") == []

    # ----------------------------------------------------------------- compound parts

    @pytest.fixture(scope="class")
    @classmethod
    def parts_engine(cls, make_engine, demo_documents) -> SearchEngine:
        """A small engine of PARTS_DOCUMENTS only: ranking a word against its compounds with
        nothing else around, one index for all tests that need it."""
        engine = make_engine()
        template = demo_documents[0]
        engine.bulk(index=[{**template, "extra": "", **fields} for fields in PARTS_DOCUMENTS])
        return engine

    @pytest.mark.parametrize(("word", "whole", "compound"), PART_PAIRS)
    def test_a_part_finds_its_compounds_below_the_word_itself(self, parts_engine, word, whole, compound):
        if not parts_engine.supports_compound_splitting:
            pytest.skip("engine does not split compounds")
        ids = hit_ids(parts_engine, word)
        assert {whole, compound} <= set(ids)
        assert ids.index(whole) < ids.index(compound), "the word itself ranks above a compound containing it"

    def test_a_compound_ranks_the_whole_compound_first(self, parts_engine):
        if not parts_engine.supports_compound_splitting:
            pytest.skip("engine does not split compounds")
        for _word, _whole, compound in PART_PAIRS:
            text = next(d["summary"] for d in PARTS_DOCUMENTS if d["id"] == compound)
            (compound_word,) = [w for w in text.split() if len(w) > 9]
            ids = hit_ids(parts_engine, compound_word.strip("."))
            assert ids and ids[0] == compound, compound_word

    def test_parts_are_stemmed(self, parts_engine):
        """ "Sensor" finds "Umweltsensoren" (the part "sensoren" is stemmed), below "Sensor" itself."""
        if not parts_engine.supports_compound_splitting:
            pytest.skip("engine does not split compounds")
        ids = hit_ids(parts_engine, "Sensor")
        assert ids[0] == "995010" and "995009" in ids

    @pytest.mark.parametrize(("word", "compounds"), DEMO_COMPOUNDS)
    def test_a_part_finds_the_demo_compounds(self, engine, demo_documents, word, compounds):
        if not engine.supports_compound_splitting:
            pytest.skip("engine does not split compounds")
        expected = ids_where(demo_documents, lambda d: bool(set(compounds) & set(words_of(text_of(d)))))
        assert expected and expected <= set(hit_ids(engine, word))

    def test_a_compound_found_by_its_part_is_highlighted(self, parts_engine):
        if not parts_engine.supports_highlighting:
            pytest.skip("engine does not highlight")
        snippets = {hit.id: hit.snippet for hit in run(parts_engine, "Programm", page_size=ALL).hits}
        assert "<mark>Förderprogramm</mark>" in snippets["995002"]

    # ----------------------------------------------------------------- everything public about a project

    @pytest.mark.parametrize("word", ["Kirchzarten", "Feldberg"])
    def test_partner_municipalities_are_found(self, engine, demo_documents, word):
        partners = ids_where(
            demo_documents, lambda d: d["content_type"] == ["projekt"] and word.casefold() in words_of(d["extra"])
        )
        assert partners, f"a demo project has {word} as a partner"
        assert partners <= set(hit_ids(engine, word))

    def test_indicator_names_of_the_evaluations_find_the_project(self, engine, demo_documents):
        projects = ids_where(
            demo_documents,
            lambda d: d["content_type"] == ["projekt"] and "störungsbehebung" in words_of(d["extra"]),
        )
        assert projects and projects <= set(hit_ids(engine, "Störungsbehebung"))

    def test_the_lead_municipalitys_district_finds_the_project(self, engine, demo_documents):
        only_district = ids_where(
            demo_documents,
            lambda d: (
                "lauenburg" in words_of(d["extra"])
                and "lauenburg" not in words_of("\n".join((d["title"], d["summary"], d["body"])))
            ),
        )
        assert only_district and only_district <= set(hit_ids(engine, "Lauenburg"))

    def test_no_email_address_is_indexed_as_extra_text(self, demo_documents):
        assert all("@" not in d["extra"] for d in demo_documents)

    def test_title_and_summary_rank_above_the_extra_text(self, parts_engine):
        ids = hit_ids(parts_engine, "Quellental")
        assert ids[:2] in (["995011", "995012"], ["995012", "995011"]) and ids[2:] == ["995013"]

    # ----------------------------------------------------------------- snippets keep sentences apart

    def test_snippets_keep_paragraphs_apart(self, parts_engine, demo_documents):
        if not parts_engine.supports_highlighting:
            pytest.skip("engine does not highlight")
        built = next(d for d in demo_documents if "Am wirksamsten" in d["body"])
        assert "nicht.Am" not in built["body"], "paragraphs are separated where the text is extracted"
        (hit,) = run(parts_engine, "wirksamsten").hits
        assert "nicht. Am <mark>wirksamsten</mark>" in hit.snippet

    # ----------------------------------------------------------------- order and pages

    def test_sort_newest_is_date_descending(self, engine, demo_documents):
        for text in ("", "Daten"):
            result = run(engine, text, sort="neueste", page_size=ALL)
            dates = [h.source["date"] or "0000" for h in result.hits]
            assert len(dates) == result.total and dates == sorted(dates, reverse=True)

    def test_sort_updated_is_publication_descending(self, engine, demo_documents):
        """ "aktualisiert" orders by the last publication (feeds and alerts read it), not by ``date``."""
        for text in ("", "Daten"):
            result = run(engine, text, sort="aktualisiert", page_size=ALL)
            published = [h.source["published"] for h in result.hits]
            assert len(published) == result.total and published == sorted(published, reverse=True)
            assert all(p.endswith("+00:00") for p in published), "published is UTC in every engine"
            assert all(h.source["external_id"] for h in result.hits)

    def test_sort_title_is_ascending(self, engine, demo_documents):
        for text in ("", "Daten"):
            titles = [h.source["title"] for h in run(engine, text, sort="titel", page_size=ALL).hits]
            # German dictionary order (umlauts folded) or plain code-point order of the
            # casefolded title both count as ascending; on the demo titles they agree.
            assert titles in (sorted(titles, key=fold), sorted(titles, key=str.casefold)), titles

    @pytest.mark.parametrize("sort", ["relevanz", "neueste", "titel", "aktualisiert"])
    def test_pages_are_disjoint_and_complete(self, engine, sort):
        for text in ("", "Daten"):
            everything = hit_ids(engine, text, sort=sort)
            pages, page = [], 1
            while True:
                result = run(engine, text, sort=sort, page=page, page_size=7)
                assert result.total == len(everything)
                if not result.hits:
                    break
                pages.append([h.id for h in result.hits])
                page += 1
            flat = [i for p in pages for i in p]
            assert len(flat) == len(set(flat)), "pages overlap"
            assert set(flat) == set(everything)
            assert flat == everything, "paging walks the same order as one big page"

    # ----------------------------------------------------------------- hits

    def test_hits_carry_the_stored_fields(self, engine, demo_documents):
        by_id = {d["id"]: d for d in demo_documents}
        for hit in run(engine, "Daten", page_size=10).hits:
            doc = by_id[hit.id]
            assert hit.source["id"] == hit.id
            for name in ("title", "url", "summary", "date", "municipality_name", "state_name"):
                assert hit.source[name] == doc[name], name
            for name in ("content_type", "guideline", "tag", "size_class", "municipality_ags"):
                assert sorted(hit.source[name]) == sorted(set(doc[name])), name
            assert hit.source["population"] == doc["population"]

    def test_snippets_highlight_and_escape(self, engine):
        if not engine.supports_highlighting:
            pytest.skip("engine does not highlight")
        hits = run(engine, "Beteiligung").hits
        assert any("<mark>" in h.snippet for h in hits)
        for hit in hits:
            assert "<script" not in hit.snippet.lower()
            assert "<" not in hit.snippet.replace("<mark>", "").replace("</mark>", "")

    def test_suggest_completes_titles_and_tags(self, engine, demo_documents):
        if not engine.supports_suggest:
            pytest.skip("engine does not suggest")
        candidates = {t for d in demo_documents for t in [d["title"], *d["tag"]]}
        expected = {c.casefold() for c in candidates if any(w.startswith("bürger") for w in words_of(c))}
        suggestions = engine.suggest("Bürger", limit=8)
        assert suggestions and len(suggestions) == min(8, len(expected))
        assert len({s.casefold() for s in suggestions}) == len(suggestions), "no duplicates"
        assert {s.casefold() for s in suggestions} <= expected
        assert engine.suggest("B") == []

    def test_more_like_this(self, engine, demo_documents):
        if not engine.supports_more_like_this:
            pytest.skip("engine has no more-like-this")
        lighting = sorted(ids_where(demo_documents, lambda d: LIGHTING in d["title"].casefold()))
        doc = next(d for d in demo_documents if d["id"] == lighting[0])
        similar = engine.more_like_this(doc["id"], limit=4)
        assert 0 < len(similar) <= 4
        assert doc["id"] not in {h.id for h in similar}
        shared = set(doc["tag"]) | set(doc["action_field"])
        assert (set(similar[0].source["tag"]) | set(similar[0].source["action_field"])) & shared
        assert set(lighting[1:]) & {h.id for h in similar}, "the other lighting project is similar"
        assert engine.more_like_this("999999999") == []

    # ----------------------------------------------------------------- writing

    def test_delete_then_search(self, scratch_engine, demo_documents):
        documents = subset(demo_documents, 20)
        scratch_engine.bulk(index=documents)
        victim = next(d for d in documents if d["content_type"] == ["projekt"])
        assert victim["id"] in hit_ids(scratch_engine, f'"{victim["title"]}"')
        scratch_engine.delete([victim["id"]])
        assert victim["id"] not in hit_ids(scratch_engine)
        assert victim["id"] not in hit_ids(scratch_engine, f'"{victim["title"]}"')
        assert run(scratch_engine).total == len(documents) - 1

    def test_bulk_upsert_replaces(self, scratch_engine, demo_documents):
        documents = subset(demo_documents, 20)
        scratch_engine.bulk(index=documents)
        changed = dict(documents[0], title="Zebrastreifen im Nirgendwo", title_sort="zebrastreifen im nirgendwo")
        scratch_engine.bulk(index=[changed])
        scratch_engine.bulk(index=[changed])  # idempotent
        ids = hit_ids(scratch_engine)
        assert len(ids) == len(set(ids)) == len(documents)
        (hit,) = run(scratch_engine, "Zebrastreifen").hits
        assert hit.id == changed["id"] and hit.source["title"] == changed["title"]

    def test_rebuild_with_fewer_documents_leaves_exactly_those(self, scratch_engine, demo_documents):
        scratch_engine.rebuild(demo_documents[:30])
        fewer = demo_documents[30:40]
        assert scratch_engine.rebuild(iter(fewer)) == len(fewer)
        assert sorted(hit_ids(scratch_engine)) == sorted(d["id"] for d in fewer)
        assert scratch_engine.stats()["documents"] == len(fewer)

    def test_clear(self, scratch_engine, demo_documents):
        scratch_engine.bulk(index=demo_documents[:5])
        scratch_engine.clear()
        assert run(scratch_engine).total == 0

    def test_snippet_prefers_the_summary_and_falls_back_to_the_body(self, scratch_engine, demo_documents):
        if not scratch_engine.supports_highlighting:
            pytest.skip("engine does not highlight")
        both = dict(
            demo_documents[0],
            id="990002",
            title="Mängelmelder",
            summary="Ein Mängelmelder für die Gemeinde Quellental.",
            body="Im Alltag nutzen die Bürger den Mängelmelder für Schlaglöcher in Quellental und Umgebung.",
        )
        body_only = dict(both, id="990003", summary="Eine App für Meldungen aus der Bürgerschaft.")
        scratch_engine.bulk(index=[both, body_only])
        snippets = {hit.id: hit.snippet for hit in run(scratch_engine, "Quellental").hits}
        assert "<mark>Quellental</mark>" in snippets["990002"] and "Alltag" not in snippets["990002"]
        assert "<mark>Quellental</mark>" in snippets["990003"] and "Alltag" in snippets["990003"]

    def test_indexed_markup_is_escaped_in_snippets(self, scratch_engine, demo_documents):
        if not scratch_engine.supports_highlighting:
            pytest.skip("engine does not highlight")
        hostile = dict(
            demo_documents[0],
            id="990001",
            title="Laternenparade",
            body='Vorher <script>alert("x")</script> & <b>fett</b> dann die Laternenparade am Abend.',
        )
        scratch_engine.bulk(index=[hostile])
        (hit,) = run(scratch_engine, "Laternenparade").hits
        assert "<mark>" in hit.snippet and "<script" not in hit.snippet.lower()
        assert "<" not in hit.snippet.replace("<mark>", "").replace("</mark>", "")

    def test_a_very_long_document_cannot_break_a_search(self, scratch_engine, demo_documents):
        """Longer than Elasticsearch's default highlight limit (1,000,000 characters): the
        document is found and the search shows a snippet instead of failing."""
        filler = "Verwaltung digital " * 60_000  # 1,140,000 characters
        long_doc = dict(demo_documents[0], id="990004", summary="", body=f"Quellentaler Anfang {filler} Schluss")
        scratch_engine.bulk(index=[long_doc])
        (hit,) = run(scratch_engine, "Quellentaler").hits
        assert hit.id == "990004"
        if scratch_engine.supports_highlighting:
            assert "<mark>Quellentaler</mark>" in hit.snippet
