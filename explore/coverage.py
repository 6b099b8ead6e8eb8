"""Coverage for researchers: how many projects and reports exist, and where none do.

Counted live from the database over the live, public pages, which is exactly what the search
index holds. Lineage ("Nachnutzung": a project names the project it was adapted from) counts
the links between two such projects. A report counts under its project's sub-guidelines, size class, state and status,
as in its index document. Every count therefore carries the search parameters that list the
same pages (``Cell.url``), so each number on the page links to its search.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from cms.content_types import PROJECT, REPORT_KEYS
from cms.projects.models import (
    EvaluationReportPage,
    ExperienceReportPage,
    ProjectAdaptation,
    ProjectPage,
    ProjectStatus,
)
from registry.loaders import STATE_NAMES
from registry.models import Guideline
from registry.size_class import SIZE_CLASS_BOUNDS, SizeClass

PROJECT_TYPES: tuple[str, ...] = (PROJECT,)
REPORT_TYPES: tuple[str, ...] = REPORT_KEYS
HEAT_LEVELS = 4
TRANSFERRED = ProjectStatus.UEBERTRAGEN.value

# "3.3 in Landgemeinden": the size classes in the dative plural.
SIZE_CLASS_IN: dict[str, str] = {
    SizeClass.GROSSSTADT: _("Großstädten"),
    SizeClass.MITTELSTADT: _("Mittelstädten"),
    SizeClass.KLEINSTADT: _("Kleinstädten"),
    SizeClass.LANDGEMEINDE: _("Landgemeinden"),
}

Params = tuple[tuple[str, str], ...]


def search_url(params: Iterable[tuple[str, str]]) -> str:
    return reverse("search") + "?" + urlencode(list(params))


@dataclass(frozen=True)
class Cell:
    """One count and the search parameters that list the counted pages."""

    count: int
    params: Params
    level: int | None = None  # heat-map intensity 0–HEAT_LEVELS; None outside the heat map

    @property
    def url(self) -> str:
        return search_url(self.params)


@dataclass
class Row:
    key: str
    label: str
    cells: list[Cell]  # the table's columns, in order
    is_main: bool = False  # a main guideline (1–4) heading the rows of its sub-guidelines
    title: str = ""  # a guideline's title without its code


@dataclass
class Table:
    kind: str  # "projekte" or "berichte"
    rows: list[Row]
    totals: Row  # all pages of this kind, per column (a page counts once however many rows it is in)


@dataclass
class Gap:
    code: str
    title: str
    size_class: str
    size_class_in: str
    cell: Cell

    @property
    def text(self) -> str:
        return f"{self.code} in {self.size_class_in}: 0 Projekte"


@dataclass
class LineageRow:
    """Lineage ("Nachnutzung") for one size class."""

    key: str
    label: str
    links: int  # Nachnutzungen by municipalities of this size class (the adopting side)
    reused: (
        Cell  # projects of municipalities of this size class that others adapted (the search's "bereits nachgenutzt")
    )


@dataclass
class Lineage:
    links: int  # all Nachnutzungen: links between two live, public projects
    reused: Cell  # projects adapted by at least one other
    by_size_class: list[LineageRow]


@dataclass
class Coverage:
    size_classes: list[tuple[str, str, str]]  # value, label, population bounds
    projects: Table  # rows: 4 guidelines, each followed by its sub-guidelines; columns: size classes + total
    reports: Table
    states: list[Row]  # columns: projects, reports
    statuses: list[Row]  # columns: projects, reports
    gaps: list[Gap]
    transfers: Cell
    project_total: Cell
    report_total: Cell
    sub_guideline_count: int = 0
    lineage: Lineage | None = None

    @property
    def combinations(self) -> int:
        """Sub-guideline × size class pairs: what the gaps are counted out of."""
        return self.sub_guideline_count * len(self.size_classes)


@dataclass(frozen=True)
class _Item:
    """A counted page with the facets it is indexed under."""

    codes: frozenset[str]  # sub-guideline codes (and any main code tagged directly)
    size_class: str
    state: str
    status: str

    @property
    def mains(self) -> frozenset[str]:
        return frozenset(code.split(".")[0] for code in self.codes)


def _project_facts(projects) -> dict[int, tuple[str, _Item]]:
    """pk → (path, item) for the given ProjectPage queryset, in two queries."""
    rows = list(projects.values_list("pk", "path", "status", "lead_municipality__size_class", "lead_municipality__ags"))
    codes: dict[int, set[str]] = defaultdict(set)
    through = ProjectPage.guidelines.through
    for project_id, code in through.objects.filter(projectpage_id__in=[r[0] for r in rows]).values_list(
        "projectpage_id", "guideline__code"
    ):
        codes[project_id].add(code)
    return {
        pk: (path, _Item(frozenset(codes[pk]), size_class or "", (ags or "")[:2], status or ""))
        for pk, path, status, size_class, ags in rows
    }


def _items() -> tuple[list[_Item], list[_Item]]:
    """(projects, reports): every live, public project and report with its facets."""
    projects = [item for _, item in _project_facts(ProjectPage.objects.live().public()).values()]
    report_paths = [
        *ExperienceReportPage.objects.live().public().values_list("path", flat=True),
        *EvaluationReportPage.objects.live().public().values_list("path", flat=True),
    ]
    parents = {path[: -Page.steplen] for path in report_paths}
    # A report's facets come from its parent project, as in its index document.
    by_path = {path: item for path, item in _project_facts(ProjectPage.objects.filter(path__in=parents)).values()}
    empty = _Item(frozenset(), "", "", "")
    reports = [by_path.get(path[: -Page.steplen], empty) for path in report_paths]
    return projects, reports


def _heat(count: int, maximum: int) -> int:
    if count <= 0 or maximum <= 0:
        return 0
    return max(1, min(HEAT_LEVELS, math.ceil(HEAT_LEVELS * count / maximum)))


def _type_params(kind: str) -> Params:
    return tuple(("content_type", t) for t in (PROJECT_TYPES if kind == "projekte" else REPORT_TYPES))


def _table(kind: str, items: list[_Item], guidelines: list[Guideline], size_classes: list[str]) -> Table:
    types = _type_params(kind)
    sub_counts: dict[tuple[str, str], int] = defaultdict(int)  # (code, size class or "") → count
    main_counts: dict[tuple[str, str], int] = defaultdict(int)
    for item in items:
        for code in item.codes:
            sub_counts[(code, "")] += 1
            sub_counts[(code, item.size_class)] += 1
        for main in item.mains:
            main_counts[(main, "")] += 1
            main_counts[(main, item.size_class)] += 1
    heat_max = max(
        (sub_counts[(c.code, sc)] for g in guidelines for c in g.children.all() for sc in size_classes), default=0
    )

    def cells(code: str, counts: dict, heat: bool) -> list[Cell]:
        row = [
            Cell(
                counts[(code, sc)],
                (("guideline", code), ("size_class", sc), *types),
                _heat(counts[(code, sc)], heat_max) if heat else None,
            )
            for sc in size_classes
        ]
        return row + [Cell(counts[(code, "")], (("guideline", code), *types))]

    rows: list[Row] = []
    for main in guidelines:
        rows.append(Row(main.code, f"{main.code} {main.title}", cells(main.code, main_counts, False), True, main.title))
        for sub in main.children.all():
            rows.append(Row(sub.code, f"{sub.code} {sub.title}", cells(sub.code, sub_counts, True), False, sub.title))
    per_size = defaultdict(int)
    for item in items:
        per_size[item.size_class] += 1
    totals = Row(
        "",
        str(_("Alle Projekte") if kind == "projekte" else _("Alle Berichte")),
        [Cell(per_size[sc], (("size_class", sc), *types)) for sc in size_classes] + [Cell(len(items), types)],
    )
    return Table(kind, rows, totals)


def _keyed_rows(
    facet: str, vocabulary: dict[str, str], projects: list[_Item], reports: list[_Item], attr: str
) -> list[Row]:
    project_counts = defaultdict(int)
    report_counts = defaultdict(int)
    for item in projects:
        project_counts[getattr(item, attr)] += 1
    for item in reports:
        report_counts[getattr(item, attr)] += 1
    return [
        Row(
            key,
            str(label),
            [
                Cell(project_counts[key], ((facet, key), *_type_params("projekte"))),
                Cell(report_counts[key], ((facet, key), *_type_params("berichte"))),
            ],
        )
        for key, label in vocabulary.items()
    ]


def _lineage(size_classes: list[str], labels: dict[str, str]) -> Lineage:
    """Count the lineage links between live, public projects, by the adopter's and the source's size class.

    A link is one "Nachnutzung"; the search cannot list links, but it lists the reused projects
    (facet "reused"), so those are the numbers that link to it.
    """
    links = list(
        ProjectAdaptation.objects.visible().values_list(
            "source_id", "source__lead_municipality__size_class", "page__lead_municipality__size_class"
        )
    )
    adopted_by: dict[str, int] = defaultdict(int)
    reused: dict[str, set[int]] = defaultdict(set)
    for source_id, source_size, adopter_size in links:
        adopted_by[adopter_size or ""] += 1
        reused[source_size or ""].add(source_id)
    params = (("reused", "ja"), *_type_params("projekte"))
    return Lineage(
        links=len(links),
        reused=Cell(len({source_id for source_id, _, _ in links}), params),
        by_size_class=[
            LineageRow(sc, str(labels[sc]), adopted_by[sc], Cell(len(reused[sc]), (*params, ("size_class", sc))))
            for sc in size_classes
        ],
    )


def coverage() -> Coverage:
    """Count everything, live; a handful of queries whatever the number of pages."""
    guidelines = list(Guideline.objects.filter(parent=None).prefetch_related("children"))
    size_classes = list(SizeClass.values)
    projects, reports = _items()
    project_table = _table("projekte", projects, guidelines, size_classes)
    report_table = _table("berichte", reports, guidelines, size_classes)

    gaps = []
    labels = dict(SizeClass.choices)
    for row in project_table.rows:
        if row.is_main:
            continue
        for sc, cell in zip(size_classes, row.cells, strict=False):
            if cell.count == 0:
                gaps.append(Gap(row.key, row.title, sc, str(SIZE_CLASS_IN.get(sc, labels[sc])), cell))

    states = sorted(STATE_NAMES.items(), key=lambda kv: kv[1])
    transferred = sum(1 for item in projects if item.status == TRANSFERRED)
    return Coverage(
        size_classes=[(sc, str(labels[sc]), str(SIZE_CLASS_BOUNDS[sc])) for sc in size_classes],
        projects=project_table,
        reports=report_table,
        states=_keyed_rows("state", dict(states), projects, reports, "state"),
        statuses=_keyed_rows("status", dict(ProjectStatus.choices), projects, reports, "status"),
        gaps=gaps,
        transfers=Cell(transferred, (("status", TRANSFERRED), *_type_params("projekte"))),
        project_total=project_table.totals.cells[-1],
        report_total=report_table.totals.cells[-1],
        sub_guideline_count=sum(1 for row in project_table.rows if not row.is_main),
        lineage=_lineage(size_classes, labels),
    )
