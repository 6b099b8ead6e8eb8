"""The replication checklist ("Nachnutzen"): what another municipality needs to adopt a project.

``build_checklist(project, checklists, visitor=None)`` is a pure function of its arguments: it
reads the pages and registry entries it is given (and their relations), never the request, the
session or the clock, and writes nothing. The views choose which checklists and which visitor.

The checklist combines
(a) items of curated checklists whose Charta sub-guidelines match the project's,
(b) items generated from the project's own data (prerequisites, costs, staff, lessons), and
(c) contact, open-source and open-data links,
grouped by phase (Vorbereitung → Nachnutzung). If the visitor's municipality is known, it also
states the differences that matter (size class, state, population).

The contact e-mail address never enters the result: only whether a contact form exists.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from cms.core.converters import is_ascii_number
from cms.knowledge.models import Phase

from .formatting import de_number, duration_text, euro, one_line, percent, person_months

CONTACT_ANCHOR = "#kontakt"

ORIGIN_CHECKLIST = "checkliste"
ORIGIN_PROJECT = "projekt"


# ---------------------------------------------------------------------------------------------
# Result types
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    note: str = ""


@dataclass(frozen=True)
class Source:
    """Why a curated item was selected: the checklist it comes from and the matching codes."""

    title: str
    url: str
    codes: tuple[str, ...]
    via_checklist: bool = False  # the item has no codes of its own; its checklist's guidelines matched
    is_pruefraster: bool = False

    @property
    def kind(self) -> str:
        return "Prüfraster" if self.is_pruefraster else "Checkliste"

    @property
    def codes_text(self) -> str:
        noun = "Leitlinie" if len(self.codes) == 1 else "Leitlinien"
        return f"{noun} {', '.join(self.codes)}"

    @property
    def text(self) -> str:
        if self.via_checklist:
            return f"{self.kind} „{self.title}“ (über die Charta-{self.codes_text} der {self.kind})"
        return f"{self.kind} „{self.title}“, passend zu Charta-{self.codes_text}"


@dataclass
class Item:
    key: str
    text: str
    phase: str
    origin: str
    explanation: str = ""
    required: bool = True
    codes: tuple[str, ...] = ()
    sources: list[Source] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    project_title: str = ""

    @property
    def reason(self) -> str:
        """A sentence saying why the item is on the list."""
        if self.origin == ORIGIN_PROJECT:
            return f"Aus dem Steckbrief „{self.project_title}“"
        return "Aus " + "; aus ".join(source.text for source in self.sources)

    @property
    def phase_label(self) -> str:
        return str(Phase(self.phase).label)


@dataclass
class Section:
    phase: str
    label: str
    items: list[Item]


@dataclass(frozen=True)
class Difference:
    kind: str  # "same", "size_class", "size_class_same", "state", "population"
    text: str
    detail: str = ""


@dataclass(frozen=True)
class Contact:
    role: str
    name: str
    url: str
    has_form: bool

    @property
    def text(self) -> str:
        return ", ".join(part for part in (self.name, self.role) if part)


@dataclass
class ReplicationChecklist:
    project: object
    project_title: str
    project_url: str
    municipality: object | None
    sections: list[Section]
    facts: list[tuple[str, str]]
    contact: Contact | None
    links: list[Link]
    sources: list[Link]
    visitor: object | None = None
    differences: list[Difference] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"Nachnutzen: {self.project_title}"

    @property
    def items(self) -> list[Item]:
        return [item for section in self.sections for item in section.items]

    def item_texts(self) -> list[str]:
        return [item.text for item in self.items]

    def find(self, text: str) -> Item | None:
        return next((item for item in self.items if item.text == text), None)


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _normalise(text: str) -> str:
    return one_line(text).casefold()


def item_key(text: str) -> str:
    """A stable key for an item, used for element ids and the browser's saved ticks."""
    return hashlib.sha1(_normalise(text).encode("utf-8")).hexdigest()[:10]


def _codes(relation) -> set[str]:
    return {guideline.code for guideline in relation.all()}


def _sort_codes(codes: Iterable[str]) -> tuple[str, ...]:
    def key(code: str):
        return tuple((int(part), "") if is_ascii_number(part) else (-1, part) for part in code.split("."))

    return tuple(sorted(set(codes), key=key))


def _phase(value: str) -> str:
    return value if value in Phase.values else Phase.PLANUNG


def _page_url(page) -> str:
    return page.get_url() or ""  # None for a page outside any site; the text still works


def _in_state(name: str) -> str:
    return f"im {name}" if name == "Saarland" else f"in {name}"


# ---------------------------------------------------------------------------------------------
# (a) curated checklists
# ---------------------------------------------------------------------------------------------


def curated_items(project_codes: set[str], checklists: Iterable) -> list[Item]:
    """Items of live checklists whose guideline codes meet the project's, with the reason why.

    An item with codes of its own is selected if they intersect the project's codes; an item
    without codes is selected if its checklist's page-level guidelines intersect them.
    """
    selected: list[Item] = []
    for checklist in checklists:
        if not getattr(checklist, "live", True):
            continue
        page_codes = _codes(checklist.guidelines)
        title, url = checklist.title, _page_url(checklist)
        for block in checklist.items:
            value = block.value
            own_codes = set(value.get("guidelines") or [])
            if own_codes:
                matching, via_checklist = own_codes & project_codes, False
            else:
                matching, via_checklist = page_codes & project_codes, True
            if not matching:
                continue
            text = one_line(value.get("text", ""))
            if not text:
                continue
            source = Source(
                title=title,
                url=url,
                codes=_sort_codes(matching),
                via_checklist=via_checklist,
                is_pruefraster=bool(getattr(checklist, "is_pruefraster", False)),
            )
            selected.append(
                Item(
                    key=item_key(text),
                    text=text,
                    phase=_phase(value.get("phase", "")),
                    origin=ORIGIN_CHECKLIST,
                    explanation=(value.get("explanation") or "").strip(),
                    required=bool(value.get("required", True)),
                    codes=_sort_codes(own_codes),
                    sources=[source],
                )
            )
    return selected


# ---------------------------------------------------------------------------------------------
# (b) and (c): the project's own data
# ---------------------------------------------------------------------------------------------


def _evaluation_reports(project) -> list:
    from cms.projects.models import EvaluationReportPage

    reports = EvaluationReportPage.objects.child_of(project).live().public()
    return list(reports.order_by("-report_date", "-pk").prefetch_related("indicators"))


def _indicator_text(indicator) -> str:
    def value(number):
        return de_number(number, 2) if number is not None else "–"

    unit = f" {indicator.unit}" if indicator.unit else ""
    return (
        f"{indicator.name}: {value(indicator.baseline)} → {value(indicator.target)} → {value(indicator.measured)}{unit}"
    )


def project_items(project, municipality, contact: Contact | None) -> list[Item]:
    title = project.title
    place = municipality.name if municipality else title
    items: list[Item] = []

    def add(phase, text, explanation="", links=(), required=True):
        text = one_line(text)
        items.append(
            Item(
                key=item_key(text),
                text=text,
                phase=phase,
                origin=ORIGIN_PROJECT,
                explanation=explanation,
                required=required,
                links=list(links),
                project_title=title,
            )
        )

    # Vorbereitung: prerequisites, lessons, talking to the people who did it.
    if project.transferability.strip():
        add(
            Phase.VORBEREITUNG,
            f"Voraussetzungen prüfen: {project.transferability}",
            f"So beschreibt {place}, was eine andere Kommune für die Übernahme braucht.",
        )
    if project.lessons_learned.strip():
        add(
            Phase.VORBEREITUNG,
            f"Lehren aus {place} beachten: {project.lessons_learned}",
            "Was das Projektteam heute anders machen würde.",
        )
    if contact is not None:
        who = f" – {contact.text}" if contact.text else ""
        explanation = (
            "Über das Kontaktformular auf der Projektseite; die E-Mail-Adresse bleibt vertraulich."
            if contact.has_form
            else "Die Projektseite nennt die Ansprechperson."
        )
        add(
            Phase.VORBEREITUNG,
            f"Erfahrungsaustausch: Ansprechperson in {place} kontaktieren{who}",
            explanation,
            links=[Link("Kontaktformular" if contact.has_form else "Projektseite", contact.url)],
            required=False,
        )

    # Planung: money, funding, staff, code.
    if project.budget_eur is not None:
        funding = ""
        if project.funding_eur:
            share = percent(project.funding_eur, project.budget_eur)
            funding = f", davon {euro(project.funding_eur)} Fördermittel" + (f" ({share})" if share else "")
        add(Phase.PLANUNG, f"Budget einplanen: {place} brauchte insgesamt {euro(project.budget_eur)}{funding}")
    if project.funding_programme:
        add(
            Phase.PLANUNG,
            f"Förderung prüfen: Förderprogramm „{project.funding_programme}“",
            f"{place} wurde aus diesem Programm gefördert. Prüfen Sie Antragsfristen und ob es für Ihre Kommune offensteht.",
        )
    if project.staff_effort_person_months is not None:
        add(
            Phase.PLANUNG,
            f"Personal einplanen: ca. {person_months(project.staff_effort_person_months)}",
            f"So viel Personalaufwand hatte {place} für das Projekt.",
        )
    if project.open_source_license or project.repository_url:
        license_text = f" (Lizenz {project.open_source_license})" if project.open_source_license else ""
        add(
            Phase.PLANUNG,
            f"Vorhandenen Quellcode nachnutzen{license_text}",
            "Prüfen Sie Lizenz, Dokumentation und Betriebsanforderungen, bevor Sie neu ausschreiben.",
            links=[Link("Quellcode-Repository", project.repository_url)] if project.repository_url else [],
        )

    # Umsetzung: open data the project publishes.
    datasets = list(project.datasets.all())
    if datasets:
        names = ", ".join(dataset.title for dataset in datasets)
        add(
            Phase.UMSETZUNG,
            f"Offene Daten nachnutzen: {names}",
            "Datenformate und Lizenzen übernehmen erleichtert Vergleiche zwischen den Kommunen.",
            links=[
                Link(dataset.title, dataset.url, f"Lizenz: {dataset.license}" if dataset.license else "")
                for dataset in datasets
            ],
            required=False,
        )

    # Betrieb: what it costs after the funding ends.
    if project.running_costs_eur_per_year is not None:
        add(
            Phase.BETRIEB,
            f"Laufende Kosten nach der Förderung: {euro(project.running_costs_eur_per_year)} pro Jahr einplanen",
            f"So hoch sind die jährlichen Betriebskosten in {place}, wenn keine Fördermittel mehr fließen.",
        )

    # Evaluation: measure with the same indicators, so results can be compared.
    seen: set[str] = set()
    indicators = []
    for report in _evaluation_reports(project):
        for indicator in report.indicators.all():
            if indicator.name.casefold() not in seen:
                seen.add(indicator.name.casefold())
                indicators.append(indicator)
    if indicators:
        add(
            Phase.EVALUATION,
            "Wirkung mit denselben Indikatoren messen: " + ", ".join(i.name for i in indicators),
            f"Werte aus {place} (Ausgangswert → Zielwert → gemessen): "
            + "; ".join(_indicator_text(i) for i in indicators),
        )

    # Nachnutzung: give back.
    if project.repository_url:
        add(
            Phase.NACHNUTZUNG,
            "Verbesserungen an das Quellcode-Repository zurückgeben",
            "Fehlerbehebungen und Erweiterungen helfen der nächsten Kommune.",
            links=[Link("Quellcode-Repository", project.repository_url)],
            required=False,
        )
    return items


def project_facts(project, municipality) -> list[tuple[str, str]]:
    facts: list[tuple[str, str]] = []
    if municipality is not None:
        facts.append(
            (
                "Kommune",
                f"{municipality.name} ({municipality.state.name}), {municipality.size_class_label}, "
                f"{de_number(municipality.population)} Einwohner",
            )
        )
    facts.append(("Status", str(project.get_status_display())))
    duration = duration_text(project.start_date, project.end_date)
    if duration:
        facts.append(("Laufzeit", duration))
    if project.budget_eur is not None:
        facts.append(("Gesamtbudget", euro(project.budget_eur)))
    if project.funding_eur is not None:
        share = percent(project.funding_eur, project.budget_eur)
        text = euro(project.funding_eur) + (f" ({share})" if share else "")
        if project.funding_programme:
            text += f", Förderprogramm „{project.funding_programme}“"
        facts.append(("Fördermittel", text))
    elif project.funding_programme:
        facts.append(("Förderprogramm", project.funding_programme))
    if project.running_costs_eur_per_year is not None:
        facts.append(("Laufende Kosten nach der Förderung", f"{euro(project.running_costs_eur_per_year)} pro Jahr"))
    if project.staff_effort_person_months is not None:
        facts.append(("Personalaufwand", person_months(project.staff_effort_person_months)))
    codes = _sort_codes(_codes(project.guidelines))
    if codes:
        facts.append(("Charta-Leitlinien", ", ".join(codes)))
    if project.open_source_license:
        facts.append(("Open-Source-Lizenz", project.open_source_license))
    return facts


def project_contact(project, project_url: str) -> Contact | None:
    has_form = bool(getattr(project, "contact_email", ""))  # only whether; never the address
    if not (project.contact_role or project.contact_name or has_form):
        return None
    url = f"{project_url}{CONTACT_ANCHOR}" if has_form else project_url
    return Contact(role=project.contact_role, name=project.contact_name, url=url, has_form=has_form)


def project_links(project) -> list[Link]:
    links = []
    if project.repository_url:
        note = f"Lizenz: {project.open_source_license}" if project.open_source_license else ""
        links.append(Link("Quellcode-Repository", project.repository_url, note))
    for dataset in project.datasets.all():
        links.append(
            Link(f"Datensatz: {dataset.title}", dataset.url, f"Lizenz: {dataset.license}" if dataset.license else "")
        )
    return links


# ---------------------------------------------------------------------------------------------
# Visitor differences
# ---------------------------------------------------------------------------------------------


def visitor_differences(project, municipality, visitor) -> list[Difference]:
    """What differs between the project's municipality and the visitor's, in plain German."""
    if visitor is None or municipality is None:
        return []
    if visitor.pk == municipality.pk:
        return [Difference("same", f"Dieses Projekt stammt aus Ihrer Kommune {municipality.name}.")]

    differences: list[Difference] = []
    name = municipality.name
    if visitor.size_class != municipality.size_class:
        order = ["landgemeinde", "kleinstadt", "mittelstadt", "grossstadt"]
        smaller = order.index(visitor.size_class) < order.index(municipality.size_class)
        detail = (
            "Rechnen Sie mit kleineren Mengen, aber ähnlichen Grundkosten (Einrichtung, Lizenzen, Betrieb) und "
            "weniger eigenem Personal; eine Kooperation mit Nachbarkommunen oder dem Kreis kann helfen."
            if smaller
            else "Rechnen Sie mit größeren Mengen, mehr Beteiligten und längeren Abstimmungswegen; "
            "Kosten und Personalaufwand steigen entsprechend."
        )
        differences.append(
            Difference(
                "size_class",
                f"{name} ist eine {municipality.size_class_label}, Ihre Kommune eine {visitor.size_class_label}: "
                "Aufwand und Kosten skalieren.",
                detail,
            )
        )
    else:
        differences.append(
            Difference(
                "size_class_same",
                f"{name} ist wie Ihre Kommune eine {municipality.size_class_label}: "
                "Aufwand und Kosten sind gut vergleichbar.",
            )
        )
    if visitor.state_id != municipality.state_id:
        detail = "Prüfen Sie Landesförderprogramme und landesrechtliche Vorgaben (z. B. Kommunalrecht, Vergabe)."
        if project.funding_programme:
            detail = (
                f"Prüfen Sie, ob das Förderprogramm „{project.funding_programme}“ auch "
                f"{_in_state(visitor.state.name)} offensteht, und welche Landesprogramme es gibt; "
                "auch landesrechtliche Vorgaben (z. B. Kommunalrecht, Vergabe) können abweichen."
            )
        differences.append(
            Difference(
                "state",
                f"{name} liegt {_in_state(municipality.state.name)}, Ihre Kommune {_in_state(visitor.state.name)}: "
                "Förderprogramme und Landesrecht können sich unterscheiden.",
                detail,
            )
        )
    if municipality.population and visitor.population:
        ratio = Decimal(visitor.population) / Decimal(municipality.population)
        if Decimal("0.8") <= ratio <= Decimal("1.25"):
            comparison = f"ähnlich viele Einwohner wie {name}"
        elif ratio < 1:
            comparison = f"etwa {percent(visitor.population, municipality.population)} der Einwohnerzahl von {name}"
        else:
            comparison = f"etwa {de_number(ratio.quantize(Decimal('0.1')), 1)}-mal so viele Einwohner wie {name}"
        differences.append(
            Difference(
                "population",
                f"Ihre Kommune hat {de_number(visitor.population)} Einwohner, {name} {de_number(municipality.population)}: "
                f"{comparison}.",
            )
        )
    return differences


# ---------------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------------


def _dedupe(items: list[Item]) -> list[Item]:
    """Keep the first of identical texts; merge the others' sources, links and codes into it."""
    kept: dict[str, Item] = {}
    for item in items:
        key = _normalise(item.text)
        first = kept.get(key)
        if first is None:
            kept[key] = item
            continue
        for source in item.sources:
            if source not in first.sources:
                first.sources.append(source)
        for link in item.links:
            if link not in first.links:
                first.links.append(link)
        first.codes = _sort_codes(first.codes + item.codes)
        first.required = first.required or item.required
        if not first.explanation and item.explanation:
            first.explanation = item.explanation
    return list(kept.values())


def build_checklist(project, checklists: Iterable, visitor=None) -> ReplicationChecklist:
    """The replication checklist for ``project`` from the curated ``checklists`` (live ones only)."""
    municipality = getattr(project, "lead_municipality", None)
    project_url = _page_url(project)
    checklists = [checklist for checklist in checklists if getattr(checklist, "live", True)]
    contact = project_contact(project, project_url)

    items = _dedupe(
        curated_items(_codes(project.guidelines), checklists) + project_items(project, municipality, contact)
    )
    by_phase: dict[str, list[Item]] = {phase: [] for phase in Phase.values}
    for item in items:
        by_phase[item.phase].append(item)
    sections = [Section(phase, str(Phase(phase).label), entries) for phase, entries in by_phase.items() if entries]

    used: dict[str, Link] = {}
    for item in items:
        for source in item.sources:
            used.setdefault(source.title + source.url, Link(f"{source.kind} „{source.title}“", source.url))

    return ReplicationChecklist(
        project=project,
        project_title=project.title,
        project_url=project_url,
        municipality=municipality,
        sections=sections,
        facts=project_facts(project, municipality),
        contact=contact,
        links=project_links(project),
        sources=list(used.values()),
        visitor=visitor,
        differences=visitor_differences(project, municipality, visitor),
    )
