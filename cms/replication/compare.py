"""Projects side by side: one column per project, one row per property."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse
from wagtail.models import Page

from .formatting import de_date, de_number, duration_text, euro, percent, person_months


@dataclass(frozen=True)
class Line:
    text: str
    url: str = ""
    multiline: bool = False
    muted: bool = False


@dataclass
class Cell:
    lines: list[Line] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.lines

    @property
    def signature(self) -> str:
        """The cell's content, so that a row whose cells are all equal can be recognised."""
        return "\n".join(line.text for line in self.lines)


@dataclass
class Row:
    key: str
    label: str
    cells: list[Cell]
    hint: str = ""

    @property
    def all_equal(self) -> bool:
        return len({cell.signature for cell in self.cells}) <= 1


@dataclass(frozen=True)
class Column:
    project: object
    title: str
    url: str
    remove_url: str


def _evaluations(projects: list) -> dict[int, list]:
    """Each project's live, public evaluations, newest first, with their indicators.

    One query for all columns (plus one for the indicators), not one per compared project.
    """
    from cms.projects.models import EvaluationReportPage

    if not projects:
        return {}
    below = Q()
    for project in projects:
        below |= Q(path__startswith=project.path, depth=project.depth + 1)
    by_parent_path: dict[str, list] = {project.path: [] for project in projects}
    reports = (
        EvaluationReportPage.objects.live()
        .public()
        .filter(below)
        .order_by("-report_date", "-pk")
        .prefetch_related("indicators")
    )
    for report in reports:
        by_parent_path[report.path[: -Page.steplen]].append(report)
    return {project.pk: by_parent_path[project.path] for project in projects}


def _lineage(projects: list) -> dict[int, tuple[list, list]]:
    """Each project's lineage links between live, public projects: (sources, adopters), as on its page.

    The same links and order as ``ProjectPage.lineage_sources`` and ``lineage_adopters``, read for all
    columns at once.
    """
    from cms.projects.models import ProjectAdaptation, ProjectPage

    ids = [project.pk for project in projects]
    result: dict[int, tuple[list, list]] = {pk: ([], []) for pk in ids}
    live = ProjectPage.objects.live().public()
    sources = (
        ProjectAdaptation.objects.filter(page_id__in=ids, source__in=live)
        .select_related("source__lead_municipality")
        .order_by("sort_order", "pk")
    )
    for link in sources:
        result[link.page_id][0].append(link)
    adopters = (
        ProjectAdaptation.objects.filter(source_id__in=ids, page__in=live)
        .select_related("page__lead_municipality")
        .order_by("page__lead_municipality__name", "page__title", "pk")
    )
    for link in adopters:
        result[link.source_id][1].append(link)
    return result


def _value(number) -> str:
    return de_number(number, 2) if number is not None else "–"


def municipality_cell(project) -> Cell:
    m = project.lead_municipality
    if m is None:
        return Cell()
    page = getattr(m, "page", None)  # the reverse one-to-one raises AttributeError when missing
    url = page.url if page is not None and page.live else ""
    lines = [
        Line(f"{m.name} ({m.state.name})", url),
        Line(f"{m.size_class_label}, {de_number(m.population)} Einwohner"),
    ]
    partners = list(project.partner_municipalities.all())
    if partners:
        lines.append(Line("Partner: " + ", ".join(p.name for p in partners), muted=True))
    return Cell(lines)


def money_cell(value, suffix: str = "") -> Cell:
    return Cell([Line(euro(value) + suffix)]) if value is not None else Cell()


def funding_cell(project) -> Cell:
    lines = []
    if project.funding_eur is not None:
        share = percent(project.funding_eur, project.budget_eur)
        lines.append(Line(euro(project.funding_eur) + (f" ({share} des Budgets)" if share else "")))
    if project.funding_programme:
        lines.append(Line(f"Förderprogramm: {project.funding_programme}"))
    return Cell(lines)


def guidelines_cell(project) -> Cell:
    return Cell(
        [
            Line(f"{g.code} {g.title}", reverse("term", args=["leitlinien", g.code]))
            for g in sorted(project.guidelines.all(), key=lambda g: (g.sort_order, g.code))
        ]
    )


def indicators_cell(evaluations) -> Cell:
    lines, seen = [], set()
    for report in evaluations:
        for indicator in report.indicators.all():
            if indicator.name.casefold() in seen:
                continue
            seen.add(indicator.name.casefold())
            unit = f" {indicator.unit}" if indicator.unit else ""
            lines.append(
                Line(
                    f"{indicator.name}: {_value(indicator.baseline)} → {_value(indicator.target)} → "
                    f"{_value(indicator.measured)}{unit}"
                )
            )
    return Cell(lines)


def goal_cell(evaluations) -> Cell:
    if not evaluations:
        return Cell()
    latest = evaluations[0]
    lines = [Line(str(latest.get_goal_attainment_display()))]
    lines.append(Line(f"{latest.title}, {de_date(latest.report_date)}", latest.url or "", muted=True))
    return Cell(lines)


def text_cell(text: str) -> Cell:
    return Cell([Line(text.strip(), multiline=True)]) if text and text.strip() else Cell()


def lineage_cell(sources: list, adopters: list) -> Cell:
    """Which projects this one was adapted from (and what was changed), and where it was adapted."""
    lines = []
    for link in sources:
        source = link.source
        place = f" ({source.lead_municipality.name})" if source.lead_municipality else ""
        lines.append(Line(f"Nachnutzung von: {source.title}{place}", source.url or ""))
        if link.note.strip():
            lines.append(Line(f"angepasst: {link.note.strip()}", multiline=True, muted=True))
    for link in adopters:
        adopter = link.page
        place = f"{adopter.lead_municipality.name} – " if adopter.lead_municipality else ""
        lines.append(Line(f"Nachgenutzt in: {place}{adopter.title}", adopter.url or ""))
    return Cell(lines)


def build_rows(projects: list) -> list[Row]:
    evaluations = _evaluations(projects)
    lineage = _lineage(projects)

    def row(key, label, make, hint=""):
        return Row(key, label, [make(project) for project in projects], hint)

    def simple(text: str) -> Cell:
        return Cell([Line(text)]) if text else Cell()

    rows = [
        row("kommune", "Kommune und Gemeindetyp", municipality_cell),
        row("status", "Status", lambda p: simple(str(p.get_status_display()))),
        row("laufzeit", "Laufzeit", lambda p: simple(duration_text(p.start_date, p.end_date))),
        row("budget", "Gesamtbudget", lambda p: money_cell(p.budget_eur)),
        row("foerderung", "Fördermittel", funding_cell),
        row(
            "laufende_kosten",
            "Laufende Kosten nach der Förderung",
            lambda p: money_cell(p.running_costs_eur_per_year, " pro Jahr"),
        ),
        row(
            "personal",
            "Personalaufwand",
            lambda p: simple(
                person_months(p.staff_effort_person_months) if p.staff_effort_person_months is not None else ""
            ),
        ),
        row("leitlinien", "Charta-Leitlinien", guidelines_cell),
        row(
            "indikatoren",
            "Evaluationsindikatoren",
            lambda p: indicators_cell(evaluations[p.pk]),
            hint="Ausgangswert → Zielwert → gemessener Wert",
        ),
        row("zielerreichung", "Zielerreichung", lambda p: goal_cell(evaluations[p.pk])),
        row("nachnutzbarkeit", "Nachnutzbarkeit: Voraussetzungen", lambda p: text_cell(p.transferability)),
        row("nachnutzung", "Nachnutzung", lambda p: lineage_cell(*lineage[p.pk])),
        row("lehren", "Erfahrungen und Lehren", lambda p: text_cell(p.lessons_learned)),
    ]
    # Lineage is the exception among the rows: when none of the projects was adapted from or
    # into another, a row of dashes says nothing about the comparison.
    return [r for r in rows if r.key != "nachnutzung" or not all(cell.empty for cell in r.cells)]
