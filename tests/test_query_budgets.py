"""Query budgets: what a visitor's page costs in database queries does not grow with what it lists.

Each page is measured on a small data set, then the same records are re-imported with more of
everything (projects, reports, municipalities, partners, tags, images, documents, indicators,
lineage links, guides) and the page is measured again: the count must stay the same, and within
the page's budget. Every URL is requested once before it is measured, so that the figures are a
returning visitor's (image renditions exist, Wagtail's site root paths are cached).
"""

from __future__ import annotations

import copy

import pytest
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cms.exchange.importer import import_files
from cms.projects.models import EvaluationReportPage, ExperienceReportPage, MunicipalityPage, ProjectPage
from search.documents import all_documents
from search.engines import reset_engine
from search.engines.embedded import EmbeddedEngine
from tests.factories import PROJECT, SAMPLE_AGS, bundle, write_bundle

pytestmark = pytest.mark.django_db

# Measured (small and large data set alike) plus a little headroom; see the module docstring.
BUDGETS = {
    "home": 22,
    "kommunen": 21,
    "municipality": 24,
    "project": 46,
    "evaluation": 25,
    "experience": 23,
    "wissen": 20,
    "search": 12,
    "search_query": 12,
    "map": 14,
    "map_api": 3,
    "compare": 24,
    "coverage": 23,
}


def _project(ags: str, number: int, size: int) -> dict:
    """Project ``number`` of a municipality, with ``size`` of each listed thing; ids are stable across sizes."""
    record = copy.deepcopy(PROJECT)
    record.update(
        id=f"projekt-{ags}-{number}",
        slug=f"projekt-{ags}-{number}",
        title=f"Projekt {ags} {number}",
        tags=[f"Schlagwort {k}" for k in range(size + 1)],
        images=PROJECT["images"] * size,
        documents=PROJECT["documents"] * size,
        datasets=PROJECT["datasets"] * size,
        partner_municipalities=[a for a in SAMPLE_AGS if a != ags][:size],
        guidelines=["3.3", "1.2", "2.1", "4.3"][: size + 1],
    )
    reports = []
    for index in range(size):
        for template in PROJECT["reports"]:
            report = copy.deepcopy(template)
            report["id"] = f"{template['id']}-{ags}-{number}-{index}"
            report["title"] = f"{template['title']} {ags} {number} {index}"
            if "indicators" in report:
                report["indicators"] = report["indicators"] * size
            reports.append(report)
    record["reports"] = reports
    if number > 0:  # the later projects were adapted from the first: lineage on both sides
        record["adapted_from"] = [{"project": f"projekt-{ags}-0", "note": "Kleiner angefangen."}]
    return record


def content(size: int) -> dict:
    """``size + 1`` municipalities with ``size`` projects each, ``size`` guides and checklists."""
    data = bundle()
    places = SAMPLE_AGS[: size + 1]
    data["municipalities"] = [
        {
            "id": f"kommune-{ags}",
            "ags": ags,
            "demo": True,
            "intro": "<p>Eine Kommune.</p>",
            "projects": [_project(ags, number, size) for number in range(size)],
        }
        for ags in places
    ]
    guide, checklist = data["guides"][0], data["checklists"][0]
    guide["example_projects"] = [{"project": f"projekt-{ags}-0", "note": "Beispiel"} for ags in places]
    data["guides"] = [
        dict(copy.deepcopy(guide), id=f"leitfaden-{k}", title=f"Leitfaden {k}", guidelines=["3.3", "1.2", "2.1"][:size])
        for k in range(size)
    ]
    data["checklists"] = [
        dict(copy.deepcopy(checklist), id=f"checkliste-{k}", title=f"Checkliste {k}") for k in range(size)
    ]
    return data


def urls(compared: int) -> dict[str, str]:
    first = ProjectPage.objects.get(external_id=f"projekt-{SAMPLE_AGS[0]}-0")
    compare_ids = [ProjectPage.objects.get(external_id=f"projekt-{ags}-0").pk for ags in SAMPLE_AGS[:compared]]
    return {
        "home": "/",
        "kommunen": "/kommunen/",
        "municipality": MunicipalityPage.objects.get(external_id=f"kommune-{SAMPLE_AGS[0]}").url,
        "project": first.url,
        "evaluation": EvaluationReportPage.objects.child_of(first).order_by("pk").first().url,
        "experience": ExperienceReportPage.objects.child_of(first).order_by("pk").first().url,
        "wissen": "/wissen/",
        "search": "/suche/",
        "search_query": "/suche/?q=Laternen",
        "map": "/karte/",
        "map_api": "/api/v1/karte/",
        "coverage": "/abdeckung/",
        # Last: comparing stores the selection in the visitor's session.
        "compare": "/nachnutzen/vergleich/?" + "&".join(f"p={pk}" for pk in compare_ids),
    }


def measure(targets: dict[str, str], budget_check=None) -> dict[str, int]:
    """Query count of each page for one anonymous visitor, after a first request to warm up."""
    from django.db import connection

    client = Client()
    counts = {}
    for name, url in targets.items():
        assert client.get(url).status_code == 200, url
        with budget_check(BUDGETS[name]) if budget_check else CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[name] = len(queries.captured_queries)
    return counts


def load(exchange_dir, tmp_path, size: int) -> None:
    import_files([write_bundle(exchange_dir, content(size), name=f"import-{size}.json")])
    engine = EmbeddedEngine(path=tmp_path / f"index-{size}")
    engine.rebuild(all_documents())
    reset_engine(engine)


@pytest.fixture
def engine_reset():
    yield
    reset_engine(None)


def test_page_queries_do_not_grow_with_the_listed_items(
    site, exchange_dir, tmp_path, engine_reset, django_assert_max_num_queries
):
    load(exchange_dir, tmp_path, 1)
    small = measure(urls(compared=2))
    load(exchange_dir, tmp_path, 3)
    first = ProjectPage.objects.get(external_id=f"projekt-{SAMPLE_AGS[0]}-0")
    # The large data set really lists more: partners, images, reports and adopters of one project.
    assert first.partner_municipalities.count() == 3 and first.gallery_images.count() == 3
    assert first.get_children().count() == 6 and first.adaptations.count() == 2
    assert MunicipalityPage.objects.count() == 4 and ProjectPage.objects.count() == 12
    large = measure(urls(compared=4), budget_check=django_assert_max_num_queries)
    assert large == small


def document_queries(connection) -> tuple[int, list[dict]]:
    """Queries to build every document, after a first build has cached Wagtail's site root paths."""
    list(all_documents())
    with CaptureQueriesContext(connection) as queries:
        documents = list(all_documents())
    return len(queries.captured_queries), documents


def test_building_index_documents_takes_a_fixed_number_of_queries(site, exchange_dir):
    """Three times the pages (projects, reports, guides, checklists) and relations, the same queries."""
    from django.db import connection

    import_files([write_bundle(exchange_dir, content(1), name="import-1.json")])
    small, small_documents = document_queries(connection)
    import_files([write_bundle(exchange_dir, content(3), name="import-3.json")])
    large, large_documents = document_queries(connection)
    assert len(large_documents) >= 3 * len(small_documents)
    assert large == small
    # Smaller batches give the same documents in the same order, with a fixed number of queries per batch.
    with CaptureQueriesContext(connection) as queries:
        assert list(all_documents(batch_size=4)) == large_documents
    assert len(queries.captured_queries) > large


def test_search_rebuild_reports_its_progress(site, exchange_dir, monkeypatch):
    import io

    from django.core.management import call_command

    from search import documents
    from search.management.commands import search_rebuild

    import_files([write_bundle(exchange_dir, content(1))])
    total = documents.indexable_count()
    monkeypatch.setattr(search_rebuild, "BATCH_SIZE", 2)
    out = io.StringIO()
    call_command("search_rebuild", stdout=out)
    lines = [line for line in out.getvalue().splitlines() if line.startswith("…")]
    assert lines[0] == f"… 2 von {total} Dokumenten"
    assert lines[-1] == f"… {total} von {total} Dokumenten"
    assert len(lines) == (total + 1) // 2
