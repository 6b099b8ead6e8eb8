"""The embedded (Tantivy) engine: the shared contract, plus what only an on-disk index
shared by several OS processes has to get right.

The multi-process tests start real Python processes (``subprocess`` running ``CHILD``
with ``django.setup()``), so they take a few seconds each; they always run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import tantivy

from search.engines import embedded
from search.engines.base import DocumentsRejected, EngineUnavailable
from search.engines.embedded import (
    COLUMNS_OF_FIELD,
    FUZZY_KNOWN_DOCS,
    GENERATION_PATTERN,
    SPREAD_POSITIONS,
    EmbeddedEngine,
)
from search.query import SearchRequest
from tests.search.contract import EngineContract, hit_ids, run

REPO = Path(__file__).resolve().parents[2]
VISIBLE_WITHIN = 1.0  # seconds: the only time bound asserted here

# A child process: one engine on the shared path, doing what ``argv[1]`` says.
CHILD = r"""
import json, os, sys, time
from pathlib import Path
import django
django.setup()
from search.engines.embedded import EmbeddedEngine

def make_doc(doc_id, word, size=1):
    return {"id": doc_id, "title": f"Testdokument {word}", "title_sort": f"testdokument {word}",
            "summary": "Kurzfassung", "body": (f"{word} Laterne Sensor Daten " * size).strip(),
            "content_type": ["projekt"], "guideline": ["1", "1.1"], "date": "2024-05-01", "tag": ["Test"]}

WORDS = {"a": "ameisenhaufen", "b": "zitronenfalter"}
mode, path = sys.argv[1], sys.argv[2]
engine = EmbeddedEngine(path)
# The compound word list (search.analysis) loads on a process's first document, which takes a
# moment: here, not inside the first bulk, whose timing the tests rely on.
from search.analysis import load_words
load_words()
if mode == "write":
    prefix, bulks, size, go, started = sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6], sys.argv[7]
    while not os.path.exists(go):
        time.sleep(0.005)
    Path(started).touch()
    for b in range(bulks):
        engine.bulk(index=[make_doc(f"{prefix}{b * size + i}", WORDS[prefix]) for i in range(size)])
    print(json.dumps({"lock_waits": engine.lock_waits}), flush=True)
elif mode == "commit-one":
    engine.bulk(index=[make_doc(sys.argv[3], sys.argv[4])])
    print("committed", flush=True)
    time.sleep(60)  # stay alive: visibility must not depend on the writer exiting
elif mode == "stall-before-commit":
    real = engine._acquire_writer

    class Stalling:
        def __init__(self, writer):
            self.writer = writer
        def __getattr__(self, name):
            return getattr(self.writer, name)
        def commit(self):
            print("before-commit", flush=True)
            time.sleep(3600)

    def acquire(*args, **kwargs):
        writer, name, index = real(*args, **kwargs)
        return Stalling(writer), name, index

    engine._acquire_writer = acquire
    engine.bulk(index=[make_doc(f"k{i}", "verloren", size=40) for i in range(int(sys.argv[3]))])
elif mode == "search-loop":
    from search.query import SearchRequest
    stop = sys.argv[3]
    searches = errors = empty = 0
    while not os.path.exists(stop):
        try:
            total = engine.search(SearchRequest(text="Daten")).total
            searches += 1
            empty += total == 0
        except Exception as exc:
            errors += 1
            print(repr(exc), file=sys.stderr, flush=True)
        if searches + errors == 1:
            print("ready", flush=True)
    print(json.dumps({"searches": searches, "errors": errors, "empty": empty}), flush=True)
"""


def child(*args: str) -> subprocess.Popen:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="cms.settings.test", PYTHONPATH=str(REPO))
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, *map(str, args)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen, timeout: float = 60) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-3000:]
    return out


def unreferenced_segment_files(path: Path) -> list[str]:
    """Segment files in the live generation that no commit references."""
    generation = path / (path / "CURRENT").read_text()
    meta = json.loads((generation / "meta.json").read_text())
    live = {s["segment_id"].replace("-", "") for s in meta["segments"]}
    return [f.name for f in generation.iterdir() if len(f.name.split(".")[0]) == 32 and f.name[:32] not in live]


def make_doc(doc_id: str, word: str) -> dict:
    return {
        "id": doc_id,
        "title": f"Testdokument {word}",
        "summary": "",
        "body": f"{word} Laterne",
        "content_type": ["projekt"],
        "date": "2024-01-01",
        "title_sort": f"testdokument {word}",
    }


class TestEmbeddedContract(EngineContract):
    @pytest.fixture(scope="class")
    @classmethod
    def make_engine(cls, tmp_path_factory):
        return lambda: EmbeddedEngine(path=tmp_path_factory.mktemp("embedded-index"))


# --------------------------------------------------------------------------- in-process


def test_layout_pointer_and_generations(tmp_path):
    engine = EmbeddedEngine(path=tmp_path / "index")
    engine.bulk(index=[make_doc("1", "eins")])
    first = (tmp_path / "index" / "CURRENT").read_text()
    assert GENERATION_PATTERN.match(first)
    engine.rebuild([make_doc("2", "zwei")])
    second = (tmp_path / "index" / "CURRENT").read_text()
    generations = [p.name for p in (tmp_path / "index").iterdir() if p.is_dir()]
    assert second != first and generations == [second], "the old generation is removed"
    stats = engine.stats()
    assert stats["documents"] == 1 and stats["path"] == str(tmp_path / "index") and stats["segments"] >= 1
    # A second engine object (as in another process) sees the same index.
    assert hit_ids(EmbeddedEngine(path=tmp_path / "index")) == ["2"]


def test_stop_words_only_and_empty_index(tmp_path):
    engine = EmbeddedEngine(path=tmp_path / "index")
    assert run(engine).total == 0 and engine.suggest("La") == [] and engine.more_like_this("1") == []
    engine.bulk(index=[make_doc("1", "eins"), make_doc("2", "zwei")])
    assert run(engine, "die und der").total == 2, "stop words alone do not restrict"
    assert hit_ids(engine, "die eins") == ["1"]


def test_fuzzy_variants_only_for_words_the_index_barely_knows(tmp_path):
    """A word found in FUZZY_KNOWN_DOCS documents is taken as spelled right: no typo
    neighbours join its results. A misspelling, or a word too rare to trust, still gets them."""
    engine = EmbeddedEngine(path=tmp_path / "index")
    neighbour = make_doc("near", "Holzbrüche")
    engine.bulk(index=[make_doc("1", "Holzbrücke"), make_doc("2", "Holzbrücke"), neighbour])
    assert FUZZY_KNOWN_DOCS == 3
    assert set(hit_ids(engine, "Holzbrücke")) == {"1", "2", "near"}, "two documents: still fuzzy"
    engine.bulk(index=[make_doc("3", "Holzbrücke")])
    assert set(hit_ids(engine, "Holzbrücke")) == {"1", "2", "3"}, "three documents: exact only"
    assert set(hit_ids(engine, "Holzbrucje")) == {"1", "2", "3", "near"}, "a typo still finds all"


def test_no_snippet_work_when_no_query_word_is_in_the_index(tmp_path, monkeypatch):
    """A typo found only through fuzzy matching cannot be highlighted (Tantivy's snippets
    know only the query's exact terms), so no snippet generator is built for it; a known
    word, or a known part of a compound, still gets its highlighted snippet."""
    engine = EmbeddedEngine(path=tmp_path / "index")
    engine.bulk(index=[make_doc("1", "Straßenbeleuchtung"), make_doc("2", "Straßenbeleuchtung")])
    created = []
    original = tantivy.SnippetGenerator.create
    monkeypatch.setattr(tantivy.SnippetGenerator, "create", lambda *args: created.append(args[-1]) or original(*args))

    typo = run(engine, "Strasenbeleuchtung")
    assert typo.total == 2 and {h.snippet for h in typo.hits} == {""}
    assert created == []

    for text, marked in (("Straßenbeleuchtung", "Straßenbeleuchtung"), ("Beleuchtung", "Straßenbeleuchtung")):
        created.clear()
        result = run(engine, f"{text} Strasenbeleuchtung")
        assert result.total == 2, text
        assert all(f"<mark>{marked}</mark>" in h.snippet for h in result.hits), (text, result.hits)
        assert created, text


def tagged_doc(doc_id: str, tags: list[str], guideline: list[str], status: list[str]) -> dict:
    return {
        **make_doc(doc_id, "Zähler"),
        "tag": tags,
        "guideline": guideline,
        "status": status,
        "body": f"Zähler {doc_id} Laterne",
    }


def disjunctive_counts(docs: list[dict], ids: set[str], filters: dict, facet: str) -> dict[str, int]:
    """What ``facet`` must count: the documents among ``ids`` that match every *other* filter."""
    counted = [
        d
        for d in docs
        if d["id"] in ids
        and all(set(d.get(name, [])) & set(values) for name, values in filters.items() if name != facet)
    ]
    return dict(Counter(value for d in counted for value in set(d.get(facet, []))))


def test_counts_from_count_columns_match_the_documents(tmp_path):
    """Facets are counted from the count columns (combination keys, tags spread over position
    columns and a rest column): more tags than positions, values containing the separators
    of a combination key, documents without any value and selections all count exactly."""
    docs = [
        tagged_doc("1", [f"Tag {i}" for i in range(SPREAD_POSITIONS["tag"] + 3)], ["1", "1.1", "2", "2.3"], ["pilot"]),
        tagged_doc("2", ["Tag 7", "a\x1fb", 'Zitat "x"'], ["2", "2.3"], ["pilot"]),
        tagged_doc("3", [], [], []),
        tagged_doc("4", ["Tag 0", "Tag 7"], ["1\x1e1", "4"], ["regelbetrieb"]),
        {**tagged_doc("5", ["Tag 0"], ["4"], ["pilot"]), "body": "ohne das Suchwort"},
    ]
    engine = EmbeddedEngine(path=tmp_path / "index")
    engine.rebuild(docs)
    for text, filters in (
        ("", {}),
        ("Laterne", {}),
        ("", {"tag": ("Tag 7",)}),
        ("Laterne", {"status": ("pilot",), "guideline": ("2.3", "4")}),
        ("", {"tag": ('Zitat "x"', "Tag 0"), "status": ("pilot",)}),
    ):
        ids = {d["id"] for d in docs if "Laterne" in d["body"]} if text else {d["id"] for d in docs}
        result = run(engine, text, filters)
        for facet in ("tag", "guideline", "status", "content_type"):
            assert result.facet_counts[facet] == disjunctive_counts(docs, ids, filters, facet), (text, filters, facet)


@pytest.mark.parametrize("cause", ["no count columns", "too many tags"])
def test_a_facet_can_be_counted_on_its_field(tmp_path, monkeypatch, cause):
    """Without count columns, or with more distinct tags than SPREAD_MAX_VALUES (the position
    columns would hold a bucket per tag each), the keyword field itself is counted."""
    if cause == "no count columns":
        monkeypatch.setitem(COLUMNS_OF_FIELD, "tag", ())
    else:
        monkeypatch.setattr(embedded, "SPREAD_MAX_VALUES", 2)
    engine = EmbeddedEngine(path=tmp_path / "index")
    engine.bulk(index=[tagged_doc("1", ["A", "B", "C"], ["1"], ["pilot"]), tagged_doc("2", ["B"], ["1"], ["pilot"])])
    columns = []
    original = engine._count
    monkeypatch.setattr(engine, "_count", lambda *args: columns.extend(c.name for c in args[2]) or original(*args))
    assert run(engine).facet_counts["tag"] == {"A": 1, "B": 2, "C": 1}
    assert run(engine, "Laterne", {"tag": ("A",)}).facet_counts["tag"] == {"A": 1, "B": 2, "C": 1}
    assert "tag" in columns and not [c for c in columns if c.startswith("counts_tag")]


def test_counts_without_text_are_cached_until_the_next_write(tmp_path, monkeypatch):
    """Searches without text reuse their counts for the same filters; any commit, also one by
    another engine object on the same index (as by another process), makes them count anew."""
    engine = EmbeddedEngine(path=tmp_path / "index")
    engine.bulk(index=[make_doc("1", "eins")])
    aggregations = []
    original = engine._count
    monkeypatch.setattr(engine, "_count", lambda *args: aggregations.append(args) or original(*args))

    first = run(engine)
    assert first.total == 1 and first.facet_counts["content_type"] == {"projekt": 1} and len(aggregations) == 1
    first.facet_counts["content_type"]["projekt"] = 99  # a caller changing its result changes no cache
    assert run(engine).facet_counts["content_type"] == {"projekt": 1} and len(aggregations) == 1
    assert run(engine, filters={"content_type": ("projekt",)}).total == 1 and len(aggregations) == 3
    assert run(engine, "eins").total == 1 and len(aggregations) == 4, "searches with text always count"

    EmbeddedEngine(path=tmp_path / "index").bulk(index=[make_doc("2", "zwei")])
    deadline = time.monotonic() + VISIBLE_WITHIN
    while (result := run(engine)).total != 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert result.total == 2 and result.facet_counts["content_type"] == {"projekt": 2}
    engine.delete(["1"])
    result = run(engine)
    assert result.total == 1 and result.facet_counts["content_type"] == {"projekt": 1}


def test_query_errors_become_engine_unavailable(tmp_path, monkeypatch):
    engine = EmbeddedEngine(path=tmp_path / "index")
    engine.bulk(index=[make_doc("1", "eins")])

    def broken(*args, **kwargs):
        raise ValueError("kaputtes Segment")

    monkeypatch.setattr(engine, "_search", broken)
    with pytest.raises(EngineUnavailable, match="kaputtes Segment"):
        engine.search(SearchRequest(text="eins"))


def test_a_bug_in_our_code_surfaces_instead_of_becoming_unavailable(tmp_path, monkeypatch):
    """A TypeError is ours, not the engine's: no "unavailable", no silent database fallback."""
    engine = EmbeddedEngine(path=tmp_path / "index")
    engine.bulk(index=[make_doc("1", "eins")])

    def buggy(*args, **kwargs):
        raise TypeError("unsupported operand")

    monkeypatch.setattr(engine, "_search", buggy)
    with pytest.raises(TypeError, match="unsupported operand"):
        engine.search(SearchRequest(text="eins"))


def test_writer_gives_up_after_the_lock_timeout(tmp_path):
    holder = EmbeddedEngine(path=tmp_path / "index")
    holder.bulk(index=[make_doc("1", "eins")])
    writer, _, _ = holder._acquire_writer(1.0)
    try:
        waiting = EmbeddedEngine(path=tmp_path / "index", lock_timeout=0.3)
        with pytest.raises(EngineUnavailable, match="gesperrt"):
            waiting.bulk(index=[make_doc("2", "zwei")])
        assert waiting.lock_waits > 0
    finally:
        holder._release_writer(writer)
    waiting.bulk(index=[make_doc("2", "zwei")])
    assert sorted(hit_ids(holder)) == ["1", "2"]


def test_waiting_is_decided_by_our_lock_not_by_tantivys_error_text(tmp_path, monkeypatch):
    """Writers wait for each other on ``WRITER_LOCK`` (flock); an error from Tantivy's writer()
    is an error, whatever its text says, and is reported at once instead of waited out."""
    engine = EmbeddedEngine(path=tmp_path / "index", lock_timeout=5.0)
    engine.bulk(index=[make_doc("1", "eins")])
    generation = engine._current_generation()
    assert (tmp_path / "index" / generation / embedded.WRITER_LOCK).exists()

    def refuse(self, *args, **kwargs):
        raise ValueError("LockBusy: Tantivy says the lock is busy")

    monkeypatch.setattr(tantivy.Index, "writer", refuse)
    started = time.monotonic()
    with pytest.raises(EngineUnavailable, match="nicht beschreibbar"):
        engine.bulk(index=[make_doc("2", "zwei")])
    assert engine.lock_waits == 0 and time.monotonic() - started < 2.0
    monkeypatch.undo()
    engine.bulk(index=[make_doc("2", "zwei")])  # our lock was released with the failure
    assert sorted(hit_ids(engine)) == ["1", "2"]


@pytest.mark.django_db
def test_rebuild_while_searching_in_threads(demo_documents, tmp_path):
    """Searches on the rebuilding engine object and on a second object for the same path
    (another process's view) never fail and never come back empty."""
    path = tmp_path / "index"
    engine = EmbeddedEngine(path=path)
    engine.rebuild(demo_documents)
    other = EmbeddedEngine(path=path)
    stop = threading.Event()
    outcomes: list[tuple[str, object]] = []

    def search_loop(target: EmbeddedEngine) -> None:
        while not stop.is_set():
            for text in ("Daten", ""):
                try:
                    outcomes.append(("total", target.search(SearchRequest(text=text)).total))
                except Exception as exc:  # any failure is the finding
                    outcomes.append(("error", repr(exc)))

    threads = [threading.Thread(target=search_loop, args=(e,)) for e in (engine, other, other)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(5):
            assert engine.rebuild(demo_documents) == len(demo_documents)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    errors = [o for kind, o in outcomes if kind == "error"]
    assert not errors, errors[:3]
    assert len(outcomes) > 10 and all(total > 0 for _, total in outcomes)


# --------------------------------------------------------------------------- multi-process


class TestSeveralProcesses:
    """Real OS processes on one index directory (slow: each child imports Django)."""

    def test_concurrent_writers_both_succeed(self, tmp_path):
        path = tmp_path / "index"
        engine = EmbeddedEngine(path=path)
        engine.bulk(index=[make_doc("seed", "saat")])
        go = tmp_path / "go"
        started = [tmp_path / "started-a", tmp_path / "started-b"]
        bulks, size = 15, 10
        writers = [
            child("write", path, prefix, bulks, size, go, mark) for prefix, mark in zip("ab", started, strict=True)
        ]
        # Hold the writer lock while both children start, so that each one has to wait.
        writer, _, _ = engine._acquire_writer(5.0)
        try:
            go.touch()
            deadline = time.monotonic() + 60
            while not all(mark.exists() for mark in started) and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(1.0)  # both are now in their first bulk, retrying
        finally:
            engine._release_writer(writer)
        reports = [json.loads(finish(w).strip().splitlines()[-1]) for w in writers]
        assert all(r["lock_waits"] > 0 for r in reports), reports
        ids = hit_ids(engine)
        assert len(ids) == len(set(ids)) == 1 + 2 * bulks * size
        for word in ("ameisenhaufen", "zitronenfalter"):
            assert run(engine, word).total == bulks * size

    def test_commit_by_another_process_is_visible_within_a_second(self, tmp_path):
        path = tmp_path / "index"
        engine = EmbeddedEngine(path=path)
        engine.bulk(index=[make_doc("1", "eins")])
        assert run(engine, "Laterne").total == 1  # this process has a reader open
        word = f"marker{uuid.uuid4().hex[:8]}"
        writer = child("commit-one", path, "2", word)
        try:
            assert writer.stdout.readline().strip() == "committed", "the writer process failed"
            deadline = time.monotonic() + VISIBLE_WITHIN
            found = False
            while not found and time.monotonic() < deadline:
                found = hit_ids(engine, word) == ["2"]
                if not found:
                    time.sleep(0.02)
            assert found, "another process's commit was not visible within a second"
        finally:
            writer.kill()
            writer.communicate()

    def test_writer_killed_before_commit_corrupts_nothing(self, tmp_path):
        path = tmp_path / "index"
        engine = EmbeddedEngine(path=path)
        committed = [make_doc(str(i), f"wort{i}") for i in range(20)]
        engine.bulk(index=committed)
        # Large enough that Tantivy flushes uncommitted segments to disk before the kill.
        victim = child("stall-before-commit", path, 5000)
        try:
            line = victim.stdout.readline().strip()
        finally:
            if victim.poll() is None:
                os.kill(victim.pid, signal.SIGKILL)
            _, err = victim.communicate(timeout=30)
        assert line == "before-commit", err[-3000:]
        assert victim.returncode == -signal.SIGKILL
        assert unreferenced_segment_files(path), "the victim had flushed uncommitted segments to disk"
        for reader in (engine, EmbeddedEngine(path=path)):
            assert sorted(hit_ids(reader), key=int) == [d["id"] for d in committed]
            assert run(reader, "verloren").total == 0
        # The kernel released the dead writer's lock: the next writer does not wait it out.
        engine.bulk(index=[make_doc("neu", "danach")])
        assert engine.lock_waits == 0
        assert hit_ids(engine, "danach") == ["neu"]
        assert engine.stats()["documents"] == len(committed) + 1
        assert unreferenced_segment_files(path) == [], "the next writer swept the dead writer's segments"

    @pytest.mark.django_db
    def test_rebuild_while_another_process_searches(self, demo_documents, tmp_path):
        path = tmp_path / "index"
        engine = EmbeddedEngine(path=path)
        engine.rebuild(demo_documents)
        stop = tmp_path / "stop"
        reader = child("search-loop", path, stop)
        try:
            assert reader.stdout.readline().strip() == "ready"
            for _ in range(8):
                engine.rebuild(demo_documents)
        finally:
            stop.touch()
        report = json.loads(finish(reader).strip().splitlines()[-1])
        assert report["errors"] == 0 and report["empty"] == 0, report
        assert report["searches"] > 0


def test_a_document_the_index_cannot_take_is_rejected_and_the_rest_written(tmp_path):
    """Permanently rejected documents are reported (the outbox parks them), the others written."""
    engine = EmbeddedEngine(path=tmp_path / "index")
    good, bad = make_doc("1", "Kühlhaus"), {**make_doc("2", "Kühlhaus"), "population": "viele"}
    with pytest.raises(DocumentsRejected) as raised:
        engine.bulk(index=[good, bad], delete=["3"])
    assert list(raised.value.rejected) == ["2"] and "ValueError" in raised.value.rejected["2"]
    assert [hit.id for hit in engine.search(SearchRequest(text="Kühlhaus")).hits] == ["1"]
