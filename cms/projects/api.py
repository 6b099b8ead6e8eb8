"""Projects, reports and municipalities in the read API (mounted by api/urls.py).

``GET /api/v1/projekte/{id}``, ``/api/v1/berichte/{id}`` and ``/api/v1/kommunen/{ags}``. The
path id is the page id; a draft, an unpublished page, a page below a view restriction or a page
of another type is "not found" (404), exactly as on the site. Every record carries the page id
(``id``) and the exchange format's stable id (``external_id``).

What a project record shows is everything public on the Steckbrief. The exchange format's
project record (cms/exchange/exporter.py) is the fullest description of a project; the
``EXCHANGE_FIELDS_NOT_IN_API`` list below names each of its fields the API leaves out and
why, and tests/api/test_project_detail.py fails when a new exchange field is in neither.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.db.models import Prefetch
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema
from pydantic import WithJsonSchema

from cms.content_types import KEY_OF_MODEL, LABELS
from cms.core.api import LicenceOut, PageRef, absolute_url, licence_out, page_ref, rich_text
from cms.core.licence import REGISTRY_LICENCE, content_licence
from registry.api import MunicipalityRef, Term, municipality_ref, term
from registry.loaders import data_attribution
from registry.models import Municipality, Urbanisation

from .models import (
    CHARTA_TERM_FIELDS,
    EvaluationReportPage,
    ExperienceReportPage,
    GoalAttainment,
    Indicator,
    MunicipalityPage,
    PartnerType,
    ProjectAdaptation,
    ProjectPage,
    ProjectStatus,
    ReportPage,
)

router = Router(tags=["Projekte, Berichte und Kommunen"])

# Fields of the exchange format's project record (Exporter.project) that the API does not show,
# each with the reason. Everything else in that record is a field of ProjectOut.
EXCHANGE_FIELDS_NOT_IN_API: dict[str, str] = {
    # Never public: the page shows only the role; visitors write through the relay form.
    "contact.name": "Name der Ansprechperson: personenbezogen, nur das Kontaktformular leitet weiter",
    "contact.email": "E-Mail-Adresse: wird nie veröffentlicht",
    # Files: the page shows them; the exchange export carries the files themselves.
    "images": "Bilddateien",
    "documents": "Dateianhänge",
    # Layout, not data: free StreamField blocks (headings, facts, quotes) meant for the page.
    "body": "freie Inhaltsblöcke der Seite",
    # Part of the address; ``url`` is the whole address.
    "slug": "Teil der Adresse, siehe url",
}
# Exchange fields the API names differently: the exchange format's ``id`` is the external id;
# the API's ``id`` is the page id, the path parameter of the detail endpoints.
EXCHANGE_FIELDS_RENAMED: dict[str, str] = {"id": "external_id"}
# The same for the report record (Exporter.report).
EXCHANGE_REPORT_FIELDS_NOT_IN_API: dict[str, str] = {
    "body": "freie Inhaltsblöcke der Seite",
    "slug": "Teil der Adresse, siehe url",
    "pdf": "Datei; die Seite des Berichts verlinkt sie",
}


def number(value: Decimal | None) -> float | None:
    """Amounts as JSON numbers (never strings): what spreadsheets and scripts expect."""
    return None if value is None else float(value)


# -- schemas ------------------------------------------------------------------------------------


class IndicatorOut(Schema):
    """Ein Indikator einer Evaluation: Ausgangs-, Ziel- und gemessener Wert."""

    name: str = Field(description="Was gemessen wurde.", examples=["Stromverbrauch"])
    unit: str = Field(description="Einheit.", examples=["MWh/a"])
    baseline: float | None = Field(description="Ausgangswert.", examples=[310])
    target: float | None = Field(description="Zielwert.", examples=[200])
    measured: float | None = Field(description="Gemessener Wert.", examples=[183])
    measured_on: dt.date | None = Field(description="Datum der Messung.", examples=["2022-12-31"])
    attained: bool | None = Field(
        description="Ob der Messwert das Ziel erreicht (in Richtung Ausgangswert → Zielwert); null ohne Ziel "
        "oder Messwert.",
        examples=[True],
    )


class ReportOut(Schema):
    """Ein Erfahrungs- oder Evaluationsbericht zu einem Projekt."""

    id: int = Field(description="Seitenkennung; Pfadparameter von /api/v1/berichte/{report_id}.", examples=[57])
    external_id: str = Field(description="Stabile Kennung aus dem Austauschformat.", examples=["bericht-evaluation"])
    type: str = Field(description="erfahrungsbericht oder evaluationsbericht.", examples=["evaluationsbericht"])
    type_label: str = Field(description="Art des Berichts.", examples=["Evaluationsbericht"])
    title: str = Field(description="Titel.", examples=["Evaluation der Fernwartung"])
    url: str = Field(description="Absolute Adresse der Seite.")
    demo: bool = Field(description="Erfundene Beispieldaten, keine Aussage der genannten Kommune.")
    date: dt.date = Field(description="Datum des Berichts.", examples=["2023-06-30"])
    author_organisation: str = Field(description="Verfasst von (Organisation).", examples=["Hochschule Beispielstadt"])
    findings: str = Field(description="Ergebnisse (HTML).", examples=["<p>Der Stromverbrauch sank um 41 Prozent.</p>"])
    method: str | None = Field(None, description="Nur Evaluationen: Wie evaluiert wurde.")
    goal_attainment: str | None = Field(
        None, description="Nur Evaluationen: Zielerreichung (Code).", examples=["erreicht"]
    )
    goal_attainment_label: str | None = Field(
        None, description="Nur Evaluationen: Zielerreichung.", examples=["Ziele erreicht"]
    )
    goal_attainment_note: str | None = Field(None, description="Nur Evaluationen: Erläuterung zur Zielerreichung.")
    indicators: list[IndicatorOut] = Field(description="Nur Evaluationen: alle Indikatoren; sonst leer.")
    first_published_at: dt.datetime | None = Field(description="Erstmals veröffentlicht.")
    last_published_at: dt.datetime | None = Field(description="Zuletzt veröffentlicht.")


class ReportDetailOut(ReportOut):
    """Ein Bericht mit dem Projekt, zu dem er gehört, und der Lizenz."""

    project: PageRef = Field(description="Das Projekt, über das berichtet wird.")
    licence: LicenceOut = Field(description="Lizenz der Inhalte der Plattform.")


class DatasetOut(Schema):
    """Ein Datensatz, den das Projekt veröffentlicht."""

    title: str = Field(description="Titel.", examples=["Verbrauchsdaten"])
    url: str = Field(description="Adresse.", examples=["https://daten.example.org/laternen"])
    license: str = Field(description="Lizenz, wie die Kommune sie angibt.", examples=["dl-de/by-2-0"])


class PartnerOrganisationOut(Schema):
    """Eine Partnerorganisation außer Kommunen, etwa ein Unternehmen oder eine Hochschule."""

    name: str = Field(description="Name der Organisation.", examples=["Stadtwerke Musterstadt GmbH"])
    type: str = Field(
        description="Art: wirtschaft, wissenschaft, zivilgesellschaft, verwaltung oder verband.",
        examples=["wirtschaft"],
    )
    type_label: str = Field(description="Art, lesbar.", examples=["Wirtschaft"])
    role: str = Field(description="Rolle im Projekt (kann leer sein).", examples=["technischer Betrieb"])


class LineageOut(PageRef):
    """Ein anderes Projekt in der Nachnutzungskette."""

    municipality: MunicipalityRef | None = Field(description="Federführende Kommune dieses Projekts.")
    note: str = Field(description="Was bei der Nachnutzung angepasst wurde.")


class ContactOut(Schema):
    """Ansprechstelle: nur die Funktion, nie Name oder E-Mail-Adresse."""

    role: str = Field(description="Funktion oder Stelle.", examples=["Klimaschutzmanagerin"])
    form_url: str | None = Field(
        description="Kontaktformular, über das die Plattform eine Nachricht weiterleitet; null, wenn keine Adresse "
        "hinterlegt ist."
    )


class ProjectOut(Schema):
    """Ein Projekt-Steckbrief mit allem, was die Seite öffentlich zeigt, und seinen Berichten."""

    id: int = Field(description="Seitenkennung; Pfadparameter von /api/v1/projekte/{project_id}.", examples=[42])
    external_id: str = Field(description="Stabile Kennung aus dem Austauschformat.", examples=["projekt-laternen"])
    url: str = Field(description="Absolute Adresse des Steckbriefs.")
    title: str = Field(description="Titel.", examples=["Fernwartung der Straßenbeleuchtung"])
    demo: bool = Field(description="Erfundene Beispieldaten, keine Aussage der genannten Kommune.")
    summary: str = Field(description="Kurzbeschreibung (Text).")
    problem: str = Field(description="Ausgangslage und Bedarf (HTML).")
    solution: str = Field(description="Lösung (HTML).")
    status: str = Field(description="Projektstatus (Code).", examples=["regelbetrieb"])
    status_label: str = Field(description="Projektstatus.", examples=["Regelbetrieb"])
    start_date: dt.date | None = Field(description="Beginn.", examples=["2021-04-01"])
    end_date: dt.date | None = Field(description="Ende.", examples=["2023-03-31"])
    budget_eur: float | None = Field(description="Gesamtbudget in Euro.", examples=[180000])
    funding_eur: float | None = Field(description="Davon Fördermittel in Euro.", examples=[120000])
    funding_programme: str = Field(description="Förderprogramm.", examples=["Kommunalrichtlinie"])
    running_costs_eur_per_year: float | None = Field(
        description="Laufende Kosten nach der Förderung, Euro pro Jahr.", examples=[4500.5]
    )
    staff_effort_person_months: float | None = Field(description="Personalaufwand in Personenmonaten.", examples=[6.5])
    guidelines: list[Term] = Field(description="Charta-Leitlinien (Unterleitlinien).")
    leitbild: list[Term] = Field(description="Leitbild-Merkmale.")
    recommendations: list[Term] = Field(description="Handlungsempfehlungen der Charta.")
    actors: list[Term] = Field(description="Beteiligte Akteursgruppen.")
    action_fields: list[Term] = Field(description="Handlungsfelder.")
    tags: list[str] = Field(description="Schlagwörter.", examples=[["LoRaWAN"]])
    lead_municipality: MunicipalityRef | None = Field(description="Federführende Kommune.")
    partner_municipalities: list[MunicipalityRef] = Field(description="Partnerkommunen.")
    partner_organisations: list[PartnerOrganisationOut] = Field(
        description="Partnerorganisationen außer Kommunen (Wirtschaft, Wissenschaft, Verbände …)."
    )
    transferability: str = Field(description="Nachnutzbarkeit: Voraussetzungen (Text).")
    lessons_learned: str = Field(description="Erfahrungen und Lehren (Text).")
    adapted_from: list[LineageOut] = Field(description="Projekte, von denen dieses nachgenutzt wurde.")
    adapted_by: list[LineageOut] = Field(description="Projekte, die dieses nachgenutzt haben.")
    open_source_license: str = Field(description="Open-Source-Lizenz (SPDX-Kennung).", examples=["EUPL-1.2"])
    repository_url: str = Field(description="Quellcode-Repository.")
    datasets: list[DatasetOut] = Field(description="Veröffentlichte Datensätze.")
    contact: ContactOut = Field(description="Ansprechstelle (ohne Name und E-Mail-Adresse).")
    reports: list[ReportOut] = Field(description="Alle veröffentlichten Berichte, neueste zuerst.")
    first_published_at: dt.datetime | None = Field(description="Erstmals veröffentlicht.")
    last_published_at: dt.datetime | None = Field(description="Zuletzt veröffentlicht.")
    licence: LicenceOut = Field(description="Lizenz der Inhalte der Plattform.")


class MunicipalityProjectOut(PageRef):
    """Ein Projekt, an dem die Kommune beteiligt ist."""

    role: str = Field(description="lead (federführend) oder partner (Partnerkommune).", examples=["lead"])
    summary: str = Field(description="Kurzbeschreibung.")
    status: str = Field(description="Projektstatus (Code).", examples=["pilot"])
    status_label: str = Field(description="Projektstatus.", examples=["Pilotbetrieb"])
    start_date: dt.date | None = Field(description="Beginn.")


class MunicipalityPageOut(PageRef):
    """Die Profilseite der Kommune auf der Plattform."""

    smart_city_unit: str = Field(description="Zuständige Stelle.", examples=["Stabsstelle Digitalisierung"])
    intro: str = Field(description="Vorstellung (HTML).")


class DataSourceOut(Schema):
    """Herkunft der Gemeindedaten."""

    attribution: str = Field(description="Quellenangabe, wie die Lizenz sie verlangt.")
    licence: LicenceOut = Field(description="Lizenz der Gemeindedaten.")


class MunicipalityOut(MunicipalityRef):
    """Eine Gemeinde: Daten aus dem Gemeindeverzeichnis und ihre veröffentlichten Projekte."""

    name_official: str = Field(description="Amtlicher Name.", examples=["Markt Bad Endorf"])
    municipality_type: str = Field(description="Gemeindetyp laut Verzeichnis.")
    district_ags: str = Field(description="Kreisschlüssel (fünf Ziffern).", examples=["09187"])
    district_name: str = Field(description="Kreis.", examples=["Rosenheim"])
    population: int = Field(description="Einwohnerzahl.", examples=[8300])
    population_date: dt.date = Field(description="Stand der Einwohnerzahl.")
    area_km2: float = Field(description="Fläche in km².", examples=[30.4])
    lat: float = Field(description="Breitengrad des Verwaltungssitzes.", examples=[47.9])
    lon: float = Field(description="Längengrad des Verwaltungssitzes.", examples=[12.3])
    urbanisation: str = Field(description="Verstädterungsgrad (1 dicht, 2 mittel, 3 gering besiedelt).")
    urbanisation_label: str = Field(description="Verstädterungsgrad.", examples=["gering besiedelt"])
    postal_code: str = Field(description="Postleitzahl des Verwaltungssitzes.")
    page: MunicipalityPageOut | None = Field(description="Profilseite auf der Plattform; null, wenn es keine gibt.")
    projects: list[MunicipalityProjectOut] = Field(
        description="Veröffentlichte Projekte der Kommune, federführend oder als Partnerin, nach Titel."
    )
    source: DataSourceOut = Field(description="Herkunft und Lizenz der Gemeindedaten.")
    licence: LicenceOut = Field(description="Lizenz der Inhalte der Plattform (Profil und Projekte).")


# -- records ------------------------------------------------------------------------------------


def _indicator(indicator: Indicator) -> dict:
    return {
        "name": indicator.name,
        "unit": indicator.unit,
        "baseline": number(indicator.baseline),
        "target": number(indicator.target),
        "measured": number(indicator.measured),
        "measured_on": indicator.measured_on,
        "attained": indicator.attained,
    }


def report_record(request: HttpRequest, report: ReportPage) -> dict:
    kind = KEY_OF_MODEL[type(report)]
    record = {
        "id": report.pk,
        "external_id": report.external_id or "",
        "type": kind,
        "type_label": str(LABELS[kind]),
        "title": report.title,
        "url": absolute_url(request, report),
        "demo": report.is_demo,
        "date": report.report_date,
        "author_organisation": report.author_organisation,
        "findings": rich_text(report.findings),
        "indicators": [],
        "first_published_at": report.first_published_at,
        "last_published_at": report.last_published_at,
    }
    if isinstance(report, EvaluationReportPage):
        record |= {
            "method": report.method,
            "goal_attainment": report.goal_attainment,
            "goal_attainment_label": str(GoalAttainment(report.goal_attainment).label)
            if report.goal_attainment in GoalAttainment.values
            else "",
            "goal_attainment_note": report.goal_attainment_note,
            "indicators": [_indicator(i) for i in report.indicators.all()],
        }
    return record


def _reports(project: ProjectPage) -> list[ReportPage]:
    """The project's live, public reports, newest first, indicators loaded with them."""
    evaluations = EvaluationReportPage.objects.child_of(project).live().public().prefetch_related("indicators")
    reports = [*evaluations, *ExperienceReportPage.objects.child_of(project).live().public()]
    reports.sort(key=lambda r: (r.report_date, r.pk), reverse=True)
    return reports


def _lineage(request: HttpRequest, project: ProjectPage, link: ProjectAdaptation) -> dict:
    municipality = project.lead_municipality
    return {
        **page_ref(request, project),
        "municipality": municipality_ref(municipality) if municipality else None,
        "note": link.note,
    }


def project_record(request: HttpRequest, page: ProjectPage) -> dict:
    visible = ProjectAdaptation.objects.visible().order_by("sort_order", "pk")
    sources = visible.filter(page=page).select_related("source__lead_municipality__state")
    adopters = visible.filter(source=page).select_related("page__lead_municipality__state")
    lead = page.lead_municipality
    return {
        **page_ref(request, page),
        "demo": page.is_demo,
        "summary": page.summary,
        "problem": rich_text(page.problem),
        "solution": rich_text(page.solution),
        "status": page.status,
        "status_label": str(ProjectStatus(page.status).label) if page.status in ProjectStatus.values else "",
        "start_date": page.start_date,
        "end_date": page.end_date,
        "budget_eur": number(page.budget_eur),
        "funding_eur": number(page.funding_eur),
        "funding_programme": page.funding_programme,
        "running_costs_eur_per_year": number(page.running_costs_eur_per_year),
        "staff_effort_person_months": number(page.staff_effort_person_months),
        "guidelines": [term(t) for t in page.guidelines.all()],
        "leitbild": [term(t) for t in page.leitbild.all()],
        "recommendations": [term(t) for t in page.recommendations.all()],
        "actors": [term(t) for t in page.actors.all()],
        "action_fields": [term(t) for t in page.action_fields.all()],
        "tags": sorted(item.tag.name for item in page.tagged_items.all()),
        "lead_municipality": municipality_ref(lead) if lead else None,
        "partner_municipalities": [
            municipality_ref(m) for m in sorted(page.partner_municipalities.all(), key=lambda m: m.ags)
        ],
        "partner_organisations": [
            {
                "name": o.name,
                "type": o.type,
                "type_label": str(PartnerType(o.type).label) if o.type in PartnerType.values else "",
                "role": o.role,
            }
            for o in page.partner_organisations.all()
        ],
        "transferability": page.transferability,
        "lessons_learned": page.lessons_learned,
        "adapted_from": [_lineage(request, link.source, link) for link in sources],
        "adapted_by": [_lineage(request, link.page, link) for link in adopters],
        "open_source_license": page.open_source_license,
        "repository_url": page.repository_url,
        "datasets": [{"title": d.title, "url": d.url, "license": d.license} for d in page.datasets.all()],
        "contact": {
            "role": page.contact_role,
            "form_url": request.build_absolute_uri(reverse("contact:project", args=[page.pk]))
            if page.contact_email
            else None,
        },
        "reports": [report_record(request, r) for r in _reports(page)],
        "first_published_at": page.first_published_at,
        "last_published_at": page.last_published_at,
        "licence": licence_out(content_licence()),
    }


def public_projects():
    return ProjectPage.objects.live().public()


# -- endpoints ----------------------------------------------------------------------------------


@router.get(
    "projekte/{id:project_id}",
    response=ProjectOut,
    url_name="project",
    summary="Projekt-Steckbrief",
    description=(
        "Ein veröffentlichter Projekt-Steckbrief mit Kosten, Förderung, laufenden Kosten, Personalaufwand, "
        "Laufzeit, Status, Charta-Begriffen, Kommunen, Nachnutzung, Datensätzen, Open-Source-Angaben, "
        "Ansprechstelle (nur die Funktion) und allen veröffentlichten Berichten mit ihren Indikatoren. "
        "Die Kennung ist die Seitenkennung (id in den Suchergebnissen)."
    ),
)
def project_detail(
    request: HttpRequest,
    project_id: int = Path(..., description="Seitenkennung des Projekts (id eines Suchtreffers).", examples=[42]),
) -> dict:
    page = (
        public_projects()
        .filter(pk=project_id)
        .select_related("lead_municipality__state")
        .prefetch_related(
            *CHARTA_TERM_FIELDS,
            "tagged_items__tag",
            "datasets",
            "partner_organisations",
            Prefetch("partner_municipalities", queryset=Municipality.objects.select_related("state")),
        )
        .first()
    )
    if page is None:
        raise Http404(
            _("Es gibt keinen veröffentlichten Projekt-Steckbrief mit der Kennung %(id)s.") % {"id": project_id}
        )
    return project_record(request, page)


@router.get(
    "berichte/{id:report_id}",
    response=ReportDetailOut,
    url_name="report",
    summary="Bericht",
    description=(
        "Ein veröffentlichter Erfahrungs- oder Evaluationsbericht; Evaluationen mit Methode, Zielerreichung und "
        "allen Indikatoren (Ausgangs-, Ziel- und Messwert)."
    ),
)
def report_detail(
    request: HttpRequest,
    report_id: int = Path(..., description="Seitenkennung des Berichts (id eines Suchtreffers).", examples=[57]),
) -> dict:
    report = (
        EvaluationReportPage.objects.live().public().filter(pk=report_id).prefetch_related("indicators").first()
        or ExperienceReportPage.objects.live().public().filter(pk=report_id).first()
    )
    project = public_projects().filter(pk=report.get_parent().pk).first() if report is not None else None
    if report is None or project is None:
        raise Http404(_("Es gibt keinen veröffentlichten Bericht mit der Kennung %(id)s.") % {"id": report_id})
    return {
        **report_record(request, report),
        "project": page_ref(request, project),
        "licence": licence_out(content_licence()),
    }


def _municipality_project(request: HttpRequest, project: ProjectPage, role: str) -> dict:
    return {
        **page_ref(request, project),
        "role": role,
        "summary": project.summary,
        "status": project.status,
        "status_label": str(ProjectStatus(project.status).label) if project.status in ProjectStatus.values else "",
        "start_date": project.start_date,
    }


@router.get(
    "kommunen/{ags}",
    response=MunicipalityOut,
    url_name="municipality",
    summary="Kommune",
    description=(
        "Eine Gemeinde aus dem Gemeindeverzeichnis (alle Gemeinden Deutschlands, Quelle Destatis) mit ihren "
        "veröffentlichten Projekten, federführend oder als Partnerin. Pfadparameter ist der Amtliche "
        "Gemeindeschlüssel (acht Ziffern)."
    ),
)
def municipality_detail(
    request: HttpRequest,
    ags: Annotated[str, WithJsonSchema({"type": "string", "pattern": "^[0-9]{8}$"})] = Path(
        ..., description="Amtlicher Gemeindeschlüssel (acht Ziffern).", examples=["09187128"]
    ),
) -> dict:
    municipality = None
    if len(ags) == 8 and ags.isascii() and ags.isdigit():
        municipality = Municipality.objects.select_related("state", "district").filter(ags=ags).first()
    if municipality is None:
        raise Http404(
            _("Zum Gemeindeschlüssel „%(ags)s“ gibt es keine Gemeinde im Gemeindeverzeichnis (erwartet: acht Ziffern).")
            % {"ags": ags[:20]}
        )
    page = MunicipalityPage.objects.live().public().filter(municipality=municipality).first()
    lead = list(public_projects().filter(lead_municipality=municipality))
    partner = list(public_projects().filter(partner_municipalities=municipality).exclude(pk__in=[p.pk for p in lead]))
    projects = [_municipality_project(request, p, "lead") for p in lead]
    projects += [_municipality_project(request, p, "partner") for p in partner]
    projects.sort(key=lambda p: (p["title"].casefold(), p["id"]))
    return {
        **municipality_ref(municipality),
        "name_official": municipality.name_official,
        "municipality_type": municipality.municipality_type,
        "district_ags": municipality.district.ags,
        "district_name": municipality.district.name,
        "population": municipality.population,
        "population_date": municipality.population_date,
        "area_km2": float(municipality.area_km2),
        "lat": municipality.lat,
        "lon": municipality.lon,
        "urbanisation": municipality.urbanisation,
        "urbanisation_label": str(Urbanisation(municipality.urbanisation).label)
        if municipality.urbanisation in Urbanisation.values
        else "",
        "postal_code": municipality.postal_code,
        "page": {
            **page_ref(request, page),
            "smart_city_unit": page.smart_city_unit,
            "intro": rich_text(page.intro),
        }
        if page is not None
        else None,
        "projects": projects,
        "source": {"attribution": data_attribution(), "licence": licence_out(REGISTRY_LICENCE)},
        "licence": licence_out(content_licence()),
    }
