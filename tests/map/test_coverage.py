"""The coverage page: its numbers are the database's, its gaps are the zeros, its links are the searches."""

import copy
import json
import re
from html.parser import HTMLParser

import pytest
from wagtail.models import PageViewRestriction

from cms.exchange.importer import import_files
from cms.projects.models import EvaluationReportPage, ExperienceReportPage, ProjectPage, ProjectStatus
from explore.coverage import coverage
from registry.loaders import STATE_NAMES
from registry.models import Guideline
from registry.size_class import SizeClass
from search.documents import all_documents
from search.engines import reset_engine
from search.engines.embedded import EmbeddedEngine
from tests.factories import PROJECT, bundle, write_bundle

pytestmark = pytest.mark.django_db

SIZE_CLASSES = list(SizeClass.values)


def project(key: str, guidelines: list[str], status: str, reports: int = 0) -> dict:
    record = copy.deepcopy(PROJECT)
    record.update(
        id=f"projekt-{key}",
        slug=key,
        title=f"Projekt {key}",
        summary=f"Ein Projekt namens {key}.",
        guidelines=guidelines,
        status=status,
        partner_municipalities=[],
        images=[],
        documents=[],
        reports=[
            {
                "id": f"bericht-{key}-{n}",
                "type": "experience",
                "title": f"Bericht {n} zu {key}",
                "date": "2024-01-0" + str(n + 1),
                "author_organisation": "Stadtverwaltung",
                "findings": "<p>Es lief gut.</p>",
            }
            for n in range(reports)
        ],
    )
    return record


@pytest.fixture
def content(site, exchange_dir, tmp_path):
    """The test bundle (a Kleinstadt project with two reports) plus projects in other size classes."""
    data = bundle()
    data["municipalities"] += [
        {
            "id": "kommune-09162000",
            "ags": "09162000",  # München, Großstadt
            "demo": True,
            "projects": [
                project("muenchen-a", ["3.3", "2.1"], "uebertragen", reports=1),
                project("muenchen-b", ["4.3"], "idee", reports=2),
            ],
        },
        {
            "id": "kommune-12073069",
            "ags": "12073069",  # Boitzenburger Land, Landgemeinde
            "demo": True,
            "projects": [project("boitzenburg", ["1.2", "1.1"], "uebertragen")],
        },
        {
            "id": "kommune-03359010",
            "ags": "03359010",  # Buxtehude, Mittelstadt: neither project may count
            "demo": True,
            "projects": [
                project("buxtehude-entwurf", ["3.3"], "pilot", reports=1),
                project("buxtehude-intern", ["2.2"], "pilot"),
            ],
        },
    ]
    import_files([write_bundle(exchange_dir, data)])
    ProjectPage.objects.get(slug="buxtehude-entwurf").unpublish()
    PageViewRestriction.objects.create(
        page=ProjectPage.objects.get(slug="buxtehude-intern"), restriction_type="password", password="geheim"
    )
    # The search the numbers link to, on exactly the published, public pages.
    engine = EmbeddedEngine(path=tmp_path / "coverage-index")
    engine.rebuild(all_documents())
    reset_engine(engine)
    yield
    reset_engine(None)


def live_projects():
    return ProjectPage.objects.live().public()


def live_reports() -> list:
    return [
        *ExperienceReportPage.objects.live().public().specific(),
        *EvaluationReportPage.objects.live().public().specific(),
    ]


def report_facts(report) -> tuple[set[str], str, str, str]:
    parent = report.get_parent().specific
    municipality = parent.lead_municipality
    return (
        {g.code for g in parent.guidelines.all()},
        municipality.size_class,
        municipality.state.code,
        parent.status,
    )


def test_project_matrix_is_the_database_count(content):
    result = coverage()
    assert live_projects().count() == result.project_total.count == 4  # not the unpublished, not the private
    rows = {row.key: row for row in result.projects.rows}
    assert [row.key for row in result.projects.rows if not row.is_main] == [
        g.code for g in Guideline.objects.filter(parent__isnull=False).order_by("parent__sort_order", "sort_order")
    ]
    assert len(rows) == 16 and sum(not r.is_main for r in rows.values()) == 12
    for guideline in Guideline.objects.all():
        if guideline.is_sub_guideline:
            projects = live_projects().filter(guidelines=guideline)
        else:
            projects = live_projects().filter(guidelines__parent=guideline)
        cells = rows[guideline.code].cells
        for size_class, cell in zip(SIZE_CLASSES, cells, strict=False):
            assert cell.count == projects.filter(lead_municipality__size_class=size_class).distinct().count(), (
                guideline.code,
                size_class,
            )
        assert cells[-1].count == projects.distinct().count()
    totals = result.projects.totals.cells
    for size_class, cell in zip(SIZE_CLASSES, totals, strict=False):
        assert cell.count == live_projects().filter(lead_municipality__size_class=size_class).count()
    assert rows["3.3"].cells[-1].count == 2 and rows["3"].cells[-1].count == 2


def test_report_matrix_counts_reports_under_their_project(content):
    result = coverage()
    reports = live_reports()
    assert result.report_total.count == len(reports) == 2 + 1 + 2 + 1  # the draft project's report is still live
    rows = {row.key: row for row in result.reports.rows}
    for guideline in Guideline.objects.filter(parent__isnull=False):
        for size_class, cell in zip(SIZE_CLASSES, rows[guideline.code].cells, strict=False):
            expected = sum(
                1 for r in reports if guideline.code in report_facts(r)[0] and report_facts(r)[1] == size_class
            )
            assert cell.count == expected, (guideline.code, size_class)


def test_states_statuses_and_transfers_are_the_database_counts(content):
    result = coverage()
    reports = [report_facts(r) for r in live_reports()]
    assert [row.label for row in result.states] == sorted(STATE_NAMES.values())
    for row in result.states:
        projects, report_count = row.cells
        assert projects.count == live_projects().filter(lead_municipality__state__code=row.key).count()
        assert report_count.count == sum(1 for facts in reports if facts[2] == row.key)
    assert [row.key for row in result.statuses] == list(ProjectStatus.values)
    for row in result.statuses:
        assert row.cells[0].count == live_projects().filter(status=row.key).count()
        assert row.cells[1].count == sum(1 for facts in reports if facts[3] == row.key)
    assert result.transfers.count == live_projects().filter(status="uebertragen").count() == 2


def test_gaps_are_exactly_the_empty_combinations(client, content):
    result = coverage()
    expected = {
        (g.code, sc)
        for g in Guideline.objects.filter(parent__isnull=False)
        for sc in SIZE_CLASSES
        if not live_projects().filter(guidelines=g, lead_municipality__size_class=sc).exists()
    }
    assert {(gap.code, gap.size_class) for gap in result.gaps} == expected
    assert result.combinations == 48 and len(result.gaps) == 48 - 7
    texts = [gap.text for gap in result.gaps]
    assert "3.3 in Landgemeinden: 0 Projekte" in texts
    assert "3.3 in Kleinstädten: 0 Projekte" not in texts  # Bad Endorf
    assert "3.3 in Großstädten: 0 Projekte" not in texts  # München
    assert "2.2 in Mittelstädten: 0 Projekte" in texts  # the private project does not count
    html = client.get("/abdeckung/").content.decode()
    assert ">3.3 in Landgemeinden: 0 Projekte</a>" in html


class Links(HTMLParser):
    """(href, text, where) of every link in a table cell or the gap and summary lists."""

    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str, str]] = []
        self.stack: list[str] = []
        self.href = None
        self.text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and (attrs.get("href") or "").startswith("/suche/"):
            self.href, self.text = attrs["href"], ""
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag == "a" and self.href:
            self.links.append((self.href.replace("&amp;", "&"), " ".join(self.text.split()), self.stack[-2]))
            self.href = None
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data):
        if self.href:
            self.text += data


def test_every_number_links_to_the_search_that_finds_as_many(client, content):
    html = client.get("/abdeckung/").content.decode()
    parser = Links()
    parser.feed(html.split('<main id="inhalt"', 1)[1])
    links = parser.links
    in_cells = [link for link in links if link[2] == "td"]
    # Two matrices, the state and status tables, and the reused projects per size class and in total.
    assert len(in_cells) == 2 * (16 + 1) * 5 + 2 * (16 + 7) + (4 + 1)
    checked = 0
    for href, text, _where in links:
        gap = re.search(r": (\d+) Projekte$", text)
        number = int(gap[1]) if gap else int(re.match(r"\d+", text)[0])
        query = href.split("?", 1)[1]
        found = json.loads(client.get(f"/api/v1/search/?{query}&page_size=1").content)
        assert found["total"] == number, (href, text)
        checked += 1
    assert checked == len(links) > 200
    assert '<a href="/suche/?guideline=3.3&amp;size_class=kleinstadt&amp;content_type=projekt">1</a>' in html
    assert (
        "/suche/?guideline=3.3&amp;size_class=grossstadt&amp;content_type=erfahrungsbericht"
        "&amp;content_type=evaluationsbericht" in html
    )
    assert '/suche/?status=uebertragen&amp;content_type=projekt"><strong>2</strong> Übertragungen' in html


def test_tables_are_real_tables_with_headers(client, content):
    html = client.get("/abdeckung/").content.decode()
    assert html.count("<table") == 5 and html.count("<caption") == 5
    assert html.count('<th scope="col"') == 2 * 6 + 2 * 3 + 3
    assert html.count('<th scope="row"') == 2 * (16 + 1) + 16 + 7 + (4 + 1)
    # Heat map: the number is always the text; the largest sub-guideline cell is the darkest.
    result = coverage()
    cells = [c for row in result.projects.rows if not row.is_main for c in row.cells[:4]]
    top = max(c.count for c in cells)
    assert {c.level for c in cells if c.count == top} == {4}
    assert {c.level for c in cells if c.count == 0} == {0}
    assert all(c.level is None for row in result.projects.rows if row.is_main for c in row.cells)
    assert 'class="num heat heat-0"><a href=' in html


def test_coverage_is_live(client, content):
    before = coverage().project_total.count
    ProjectPage.objects.get(slug="muenchen-b").unpublish()
    assert coverage().project_total.count == before - 1
    assert client.get("/abdeckung/").status_code == 200
