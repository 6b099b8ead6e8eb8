"""`make bench` keeps working: a small run of bench/run.py end to end, in its own process, and the
parts of the operator phases that need no server (exchange file, load generator, budgets).

It asserts what the run produced, never how fast: timings belong to the benchmark itself.
"""

import json
import os
import random
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings

from bench.exchange import schema_errors, write_exchange_files
from bench.load import LoadGenerator
from bench.run import TOTAL_BUDGET_S, import_budget, results_name
from bench.site import MIX, RequestMix, SiteConfig
from search.facets import FACETS


def test_quick_benchmark_run_writes_results_with_the_baseline_and_the_operator_phases(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    completed = subprocess.run(
        [
            sys.executable,
            "bench/run.py",
            "--quick",
            "--sizes",
            "300",
            "--output",
            str(tmp_path),
            # The operator phases with tiny sizes: every code path, a few seconds of load each.
            "--site-items",
            "40",
            "--visitors",
            "4",
            "--load-duration",
            "2",
            "--concurrency",
            "2",
            "--saturation-duration",
            "2",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]

    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    run = results["runs"]["300"]
    assert run["rebuild"]["docs_per_s"] > 0
    assert run["engine"]["n"] == run["api"]["n"] == len(results["query_mix"]["queries"])
    assert run["index_bytes"] > 0 and run["peak_rss_mb"] > 0

    baseline = results["baseline"]
    # ``.facet()`` per facet: every facet but the three Wagtail cannot count on ProjectPage.
    assert sorted(baseline["facets_not_computed"]) == ["has_evaluation", "partner_type", "reused"]
    assert len(baseline["facets_computed"]) == len(FACETS) - 3
    assert baseline["check"]["errors"] == []
    assert baseline["check"]["facet_agreement"]["facets"]
    assert baseline["minimal"]["facets_computed"] == ["content_type", "status"]

    # Operator phases: pages through import_content, search_rebuild from that database, load on gunicorn.
    imported = results["import"]
    assert imported["items"] == 40 and imported["reached_target"]
    assert imported["pages"] == sum(imported["counts"].values()) > imported["items"]
    assert imported["items_per_s"] > 0
    rebuild = results["rebuild_db"]
    assert rebuild["documents"] == imported["items"]  # every imported project, report, guide, checklist
    assert rebuild["docs_per_s"] > 0
    think, saturation = results["load"]["think"], results["load"]["saturation"]
    assert think["requests"] > 0 and think["errors"] == 0, think
    assert set(think["by_kind"]) <= {kind for kind, _ in MIX}
    assert saturation["gunicorn"]["errors"] == saturation["runserver"]["errors"] == 0
    assert saturation["rps"] > 0 and saturation["runserver_rps"] > 0
    publish = results["publish"]
    assert results["publish_to_searchable_ms"] > 0, publish
    # Every publish that went through became findable; one that lost SQLite's write lock is reported.
    assert all(s["searchable_ms"] is not None or "database is locked" in s["error"] for s in publish["samples"]), (
        publish
    )

    names = [t["name"] for t in results["targets"]]
    assert "Beschleunigung ggü. Wagtail (p50) bei 300" in names
    assert any(name.startswith("search_rebuild aus der Datenbank") for name in names)
    assert any(name.startswith("Sättigung gunicorn/runserver") for name in names)
    markdown = Path(tmp_path / "results.md").read_text(encoding="utf-8")
    assert "## Ziele" in markdown and f"{len(FACETS) - 3} von {len(FACETS)} Facetten" in markdown
    assert "## Betrieb: Import, Neuaufbau aus der Datenbank, Last" in markdown


def test_exchange_files_are_valid_and_refer_only_to_projects_imported_before_or_with_them(tmp_path):
    files = write_exchange_files(120, tmp_path, seed=5, per_file=30)
    assert len(files) > 2
    assert sum(f.content_items for f in files) == 120
    known: set[str] = set()
    slugs = [m["slug"] for f in files for m in json.loads(f.path.read_text())["municipalities"]]
    assert len(slugs) == len(set(slugs))  # all municipality pages sit under /kommunen/
    for exchange_file in files:
        assert schema_errors(exchange_file.path) == []
        data = json.loads(exchange_file.path.read_text(encoding="utf-8"))
        projects = [p for m in data["municipalities"] for p in m["projects"]]
        known |= {p["id"] for p in projects}
        for project in projects:
            assert all(entry["project"] in known for entry in project.get("adapted_from", []))
        for guide in data["guides"]:
            assert all(example["project"] in known for example in guide.get("example_projects", []))
    assert any(
        "adapted_from" in p
        for f in files
        for m in json.loads(f.path.read_text())["municipalities"]
        for p in m["projects"]
    )


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 - the name http.server calls
        status = 500 if self.path.startswith("/kaputt") else 200
        body = b"ok"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        return None


@pytest.fixture
def local_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_load_generator_counts_requests_and_errors(local_server):
    def pick(rng):
        return ("kaputt", "/kaputt") if rng.random() < 0.3 else ("gut", "/gut")

    summary = LoadGenerator("127.0.0.1", local_server, pick, visitors=3, duration_s=0.5).run().summary()
    assert summary["requests"] == summary["by_kind"]["gut"]["requests"] + summary["by_kind"]["kaputt"]["requests"]
    assert summary["errors"] == summary["by_kind"]["kaputt"]["requests"] > 0
    assert summary["errors_by_status"] == {"500": summary["errors"]}
    assert summary["rps"] > 0 and summary["p50_ms"] > 0


@pytest.mark.parametrize("host", ["localhost", "10.0.0.1", "example.org", "0.0.0.0"])
def test_load_generator_is_only_aimed_at_the_loopback_address(host):
    with pytest.raises(ValueError, match="127.0.0.1"):
        LoadGenerator(host, 8000, lambda rng: ("x", "/"), visitors=1, duration_s=1)


@pytest.mark.parametrize(("visitors", "duration"), [(0, 1), (501, 1), (1, 0), (1, 601)])
def test_load_generator_is_bounded(visitors, duration):
    with pytest.raises(ValueError):
        LoadGenerator("127.0.0.1", 8000, lambda rng: ("x", "/"), visitors=visitors, duration_s=duration)


def test_request_mix_follows_the_issue_shares():
    from bench.corpus import query_mix

    urls = {"projects": ["/kommunen/a/p/"], "municipalities": ["/kommunen/a/"], "knowledge": ["/wissen/l/"]}
    mix = RequestMix(urls, query_mix())
    rng = random.Random(1)
    picks = [mix.pick(rng) for _ in range(6000)]
    shares = {kind: sum(1 for k, _ in picks if k == kind) / len(picks) for kind, _ in MIX}
    assert 0.47 < shares["api"] < 0.53 and 0.17 < shares["suche"] < 0.23 and 0.17 < shares["projekt"] < 0.23
    assert all(path.startswith("/api/v1/search/?") for kind, path in picks if kind == "api")
    assert all(path.startswith("/suche/") and "page_size" not in path for kind, path in picks if kind == "suche")
    assert len({path for kind, path in picks if kind == "api"}) > 50  # varied text and facets


def test_import_budget_leaves_room_for_the_later_phases():
    config = SiteConfig()
    budget, reserved = import_budget(config, elapsed_s=0)
    assert budget == config.import_budget_s
    late, _ = import_budget(config, elapsed_s=TOTAL_BUDGET_S - reserved - 100)
    assert late == 100
    assert import_budget(config, elapsed_s=TOTAL_BUDGET_S)[0] == 30


def test_a_million_documents_write_their_own_results_file():
    assert results_name([1_000_000]) == "results-1m"
    assert results_name([10_000, 100_000]) == "results"
