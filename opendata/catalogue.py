"""The DCAT-AP.de catalogue of the platform's open data, in the form GovData's harvester takes.

What it describes
    The platform as ``dcat:Catalog``; each entry of ``opendata.datasets.DATASETS`` as a
    ``dcat:Dataset`` with one ``dcat:Distribution`` per format (the downloads at
    ``/daten/<slug>.<fmt>``); the read API (``/api/v1/``) as ``dcat:DataService``; and the datasets
    that live, public projects name in their Steckbrief, each published by its municipality (not by
    the platform, which only points to them). Demo projects are left out: their datasets are
    invented, and GovData would list them under real municipalities.

Which properties
    Every property the DCAT-AP.de 2.0 specification marks "Pflicht" for Catalog, Dataset,
    Distribution, DataService and the publisher (foaf:Agent), the conventions GovData checks as
    violations (Konventionenhandbuch 2.0: a publisher for each dataset, K36; a licence from
    http://dcat-ap.de/def/licenses/ for each distribution and the service, K32; the format from the
    EU file-type list, K31; the attribution text where the licence asks for one, K35; the contact
    with an e-mail address or a form, K01; the political geocoding, K08/K09) and the recommended
    ones the platform knows (themes, keywords, dates, spatial coverage, language, landing pages).
    ``dcatde:contributorID`` (K12) is assigned by GovData: it is written when the operator has set
    GOVDATA_CONTRIBUTOR_ID, and otherwise the catalogue says in an ``rdfs:comment`` that it is
    missing (``opendata.checks`` reminds the operator as well).

The platform's content and the registry
    Downloads and the API carry the content licence (CONTENT_LICENCE). The municipality data in
    them (names, Gemeindeschlüssel and the other registry facts from Destatis' Gemeindeverzeichnis)
    keep dl-de/by-2-0; such distributions name that in a ``dct:rights`` statement and repeat the
    attribution the Destatis licence requires in ``dcatde:licenseAttributionByText``.

Cost
    A fixed number of queries, whatever the number of pages: the view restrictions once, one
    aggregate over the publication dates, one for the projects' datasets with their projects and
    municipalities, one for those projects' tags, and Wagtail's site root paths (usually cached).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Max, Min
from django.http import HttpRequest
from django.urls import reverse
from django.utils.encoding import iri_to_uri
from django.utils.translation import gettext as _
from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, ClosedNamespace
from rdflib.term import Node
from wagtail.models import Page

from cms.core.licence import content_licence
from cms.knowledge.models import ChecklistPage, GuidePage
from cms.projects.models import EvaluationReportPage, ExperienceReportPage, ProjectDataset, ProjectPage
from registry.loaders import data_attribution
from registry.models import Municipality

from .datasets import DATASETS, FORMATS, Dataset, Format
from .dcat_licences import dcat_licence_uri, needs_attribution

# Closed namespaces: a misspelt term is an error, not a silently wrong URI (and a plain rdflib
# Namespace is a str, whose methods shadow terms such as dct:title and dct:format).
DCT = DCTERMS
DCAT = ClosedNamespace(
    "http://www.w3.org/ns/dcat#",
    [
        "Catalog",
        "DataService",
        "Dataset",
        "Distribution",
        "accessURL",
        "contactPoint",
        "dataset",
        "distribution",
        "downloadURL",
        "endpointDescription",
        "endpointURL",
        "keyword",
        "landingPage",
        "mediaType",
        "servesDataset",
        "service",
        "theme",
        "themeTaxonomy",
    ],
)
DCATDE = ClosedNamespace(
    "http://dcat-ap.de/def/dcatde/",
    ["contributorID", "licenseAttributionByText", "politicalGeocodingLevelURI", "politicalGeocodingURI"],
)
DCATAP = ClosedNamespace("http://data.europa.eu/r5r/", ["availability"])
VCARD = ClosedNamespace("http://www.w3.org/2006/vcard/ns#", ["Kind", "Organization", "fn", "hasEmail", "hasURL"])

PREFIXES: dict[str, str] = {
    "dcat": str(DCAT),
    "dct": str(DCT),
    "dcatde": str(DCATDE),
    "dcatap": str(DCATAP),
    "foaf": str(FOAF),
    "vcard": str(VCARD),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
}

# Controlled vocabularies DCAT-AP.de prescribes (Konventionenhandbuch 2.0, "Kontrollierte Vokabulare").
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
DATA_THEME = Namespace(EU_AUTHORITY + "data-theme/")
DATA_THEME_SCHEME = URIRef(EU_AUTHORITY + "data-theme")
LANGUAGE_GERMAN = URIRef(EU_AUTHORITY + "language/DEU")
COUNTRY_GERMANY = URIRef(EU_AUTHORITY + "country/DEU")
UPDATED_CONTINUOUSLY = URIRef(EU_AUTHORITY + "frequency/UPDATE_CONT")
ACCESS_PUBLIC = URIRef(EU_AUTHORITY + "access-right/PUBLIC")
AVAILABILITY_STABLE = URIRef(EU_AUTHORITY + "planned-availability/STABLE")
POLITICAL_GEOCODING = "http://dcat-ap.de/def/politicalGeocoding/"
LEVEL_FEDERAL = URIRef(POLITICAL_GEOCODING + "Level/federal")
LEVEL_MUNICIPALITY = URIRef(POLITICAL_GEOCODING + "Level/municipality")
CONTRIBUTORS = "http://dcat-ap.de/def/contributors/"
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"

API_PATH = "/api/v1/"
API_DESCRIPTION_PATH = "/api/v1/openapi.json"
API_DOCS_PATH = "/api/v1/docs"

PLATFORM_THEMES = ("GOVE", "REGI", "TECH")

# First and last publication (dct:issued, dct:modified); None where nothing is published.
DateRange = tuple[datetime | None, datetime | None]


@dataclass(frozen=True)
class DatasetProfile:
    """What the catalogue says about a download beyond opendata.datasets: its sources and subject.

    ``models``: the page types whose publication dates are the dataset's issue and modification
    dates. ``includes_registry``: whether its rows carry municipality data from the registry
    (then the Destatis licence and attribution are named with it).
    """

    models: tuple[type[Page], ...]
    keywords: tuple[str, ...]
    themes: tuple[str, ...] = PLATFORM_THEMES
    includes_registry: bool = False


CONTENT_MODELS: tuple[type[Page], ...] = (
    ProjectPage,
    ExperienceReportPage,
    EvaluationReportPage,
    GuidePage,
    ChecklistPage,
)


def dataset_profiles() -> dict[str, DatasetProfile]:
    """One profile per dataset slug; a function so that the keywords are translated when it runs."""
    return {
        "inhalte": DatasetProfile(
            CONTENT_MODELS,
            (_("Projekte"), _("Erfahrungsberichte"), _("Evaluation"), _("Leitfäden"), _("Checklisten")),
            includes_registry=True,
        ),
        "projekte": DatasetProfile(
            (ProjectPage,), (_("Projekte"), _("Kosten"), _("Förderung"), _("Nachnutzung")), includes_registry=True
        ),
        # Every row of the reports and indicators names its municipality with the Gemeindeschlüssel
        # (cms.exchange.tables), so the registry's licence applies to them as well.
        "berichte": DatasetProfile(
            (ExperienceReportPage, EvaluationReportPage),
            (_("Erfahrungsberichte"), _("Evaluation")),
            includes_registry=True,
        ),
        "indikatoren": DatasetProfile(
            (EvaluationReportPage,), (_("Evaluation"), _("Indikatoren"), _("Wirkung")), includes_registry=True
        ),
    }


def common_keywords() -> tuple[str, ...]:
    return (_("Smart City"), _("Smart City Charta"), _("Kommunen"), _("Digitalisierung"))


def ref(url: str) -> URIRef:
    """A URI node for an address that came from an editor, an import or a setting.

    Characters a URI cannot hold (quotes, angle brackets, blanks, non-ASCII) are percent-encoded, so
    that one odd dataset address can neither break the Turtle nor be refused by a harvester.
    """
    return URIRef(iri_to_uri(url))


# --------------------------------------------------------------------------- settings


def contributor_uri() -> str:
    """GOVDATA_CONTRIBUTOR_ID as the URI GovData's list uses, or "" when the operator has not set it."""
    value = settings.GOVDATA_CONTRIBUTOR_ID.strip()
    if not value:
        return ""
    return value if value.startswith(("http://", "https://")) else CONTRIBUTORS + value


def publisher_name() -> str:
    return settings.CATALOGUE_PUBLISHER_NAME.strip() or settings.WAGTAIL_SITE_NAME


def contact_email() -> str:
    """CATALOGUE_CONTACT_EMAIL, else the address in DEFAULT_FROM_EMAIL (which may read "Name <address>")."""
    return (settings.CATALOGUE_CONTACT_EMAIL.strip() or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]).strip()


def base_url(request: HttpRequest | None) -> str:
    """Scheme and host every URI of the catalogue starts with: the request's, else WAGTAILADMIN_BASE_URL."""
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def download_path(slug: str, fmt: str) -> str:
    return reverse("download", kwargs={"slug": slug, "fmt": fmt})


def open_data_path() -> str:
    return reverse("open_data")


# --------------------------------------------------------------------------- the graph


class CatalogueBuilder:
    """Builds the catalogue graph for one base URL; see the module docstring for what goes in."""

    def __init__(self, base: str, cache_object: Any = None) -> None:
        self.base = base
        # Wagtail caches the site root paths on this object, so page URLs cost no query each.
        self.cache_object = cache_object if cache_object is not None else SimpleNamespace()
        self.graph = Graph(bind_namespaces="none")
        for prefix, namespace in PREFIXES.items():
            self.graph.bind(prefix, Namespace(namespace))
        self.licence = content_licence()
        self.contributor = contributor_uri()
        self.open_data_url = self.absolute(open_data_path())
        # A page inside a private section, or below one, is never described.
        self.private_q = Page.objects.all().private_q()

    # -- helpers -----------------------------------------------------------------------------

    def absolute(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base}{path}"

    def add(self, subject: Node, predicate: URIRef, obj: Node | str | None, lang: str | None = "de") -> None:
        """Add a triple; strings become literals (German unless ``lang`` is None), None adds nothing."""
        if obj is None or obj == "":
            return
        if isinstance(obj, str):
            obj = Literal(obj, lang=lang)
        self.graph.add((subject, predicate, obj))

    def add_date(self, subject: Node, predicate: URIRef, value: datetime | None) -> None:
        if value is not None:
            self.graph.add((subject, predicate, Literal(value.isoformat(), datatype=XSD.dateTime)))

    def add_contact_types(self, node: Node) -> None:
        # vcard:Kind spelt out beside its subclass: the range DCAT-AP.de checks, without reasoning.
        self.graph.add((node, RDF.type, VCARD.Kind))
        self.graph.add((node, RDF.type, VCARD.Organization))

    def add_contributor(self, subject: Node) -> None:
        if self.contributor:
            self.graph.add((subject, DCATDE.contributorID, ref(self.contributor)))

    # -- the parts ---------------------------------------------------------------------------

    def build(self) -> Graph:
        catalogue = URIRef(f"{self.base}/")
        publisher = self.platform_publisher()
        contact = self.platform_contact()
        dates = self.publication_dates()

        g = self.graph
        g.add((catalogue, RDF.type, DCAT.Catalog))
        self.add(catalogue, DCT.title, settings.WAGTAIL_SITE_NAME)
        self.add(
            catalogue,
            DCT.description,
            _(
                "Offene Daten der %(site)s: Projekt-Steckbriefe von Kommunen mit Kosten, Förderung und "
                "Ergebnissen, Erfahrungs- und Evaluationsberichte mit ihren Indikatoren, Leitfäden und "
                "Checklisten, als Downloads und über eine Lese-API."
            )
            % {"site": settings.WAGTAIL_SITE_NAME},
        )
        g.add((catalogue, DCT.publisher, publisher))
        g.add((catalogue, FOAF.homepage, URIRef(f"{self.base}/")))
        g.add((catalogue, DCT.language, LANGUAGE_GERMAN))
        g.add((catalogue, DCT.license, URIRef(self.licence.dcat_uri)))
        g.add((catalogue, DCAT.themeTaxonomy, DATA_THEME_SCHEME))
        g.add((catalogue, DCT.spatial, COUNTRY_GERMANY))
        issued, modified = self.dates_for(DatasetProfile(CONTENT_MODELS, ()), dates)
        self.add_date(catalogue, DCT.issued, issued)
        self.add_date(catalogue, DCT.modified, modified)
        if not self.contributor:
            self.add(
                catalogue,
                RDFS.comment,
                _(
                    "Hinweis: Die Datenbereitsteller-ID von GovData (dcatde:contributorID) ist für diese "
                    "Plattform noch nicht eingetragen; die Datensätze und der Datenservice führen sie deshalb "
                    "nicht. Der Betreiber trägt sie in der Einstellung GOVDATA_CONTRIBUTOR_ID ein, sobald "
                    "GovData sie vergeben hat."
                ),
            )

        platform_datasets = []
        profiles = dataset_profiles()
        for dataset in DATASETS.values():
            profile = profiles.get(dataset.slug) or DatasetProfile(CONTENT_MODELS, (), includes_registry=True)
            issued, modified = self.dates_for(profile, dates)
            node = self.platform_dataset(dataset, profile, publisher, contact, issued, modified)
            g.add((catalogue, DCAT.dataset, node))
            platform_datasets.append(node)

        g.add((catalogue, DCAT.service, self.data_service(platform_datasets, publisher, contact)))

        for node in self.project_datasets():
            g.add((catalogue, DCAT.dataset, node))
        return g

    def platform_publisher(self) -> URIRef:
        node = URIRef(f"{self.base}/#herausgeber")
        g = self.graph
        g.add((node, RDF.type, FOAF.Agent))
        g.add((node, RDF.type, FOAF.Organization))
        self.add(node, FOAF.name, publisher_name())
        homepage = settings.CATALOGUE_PUBLISHER_URL.strip() or f"{self.base}/"
        g.add((node, FOAF.homepage, ref(homepage)))
        return node

    def platform_contact(self) -> URIRef:
        node = URIRef(f"{self.base}/#kontakt")
        self.add_contact_types(node)
        self.add(node, VCARD.fn, publisher_name())
        email = contact_email()
        if email:
            self.graph.add((node, VCARD.hasEmail, ref(f"mailto:{email}")))
        return node

    def publication_dates(self) -> dict[type[Page], DateRange]:
        """First and last publication per page type of the public content, in one query."""
        content_types = ContentType.objects.get_for_models(*CONTENT_MODELS)
        rows = (
            Page.objects.live()
            .exclude(self.private_q)
            .filter(content_type__in=content_types.values())
            .values("content_type")
            .annotate(issued=Min("first_published_at"), modified=Max("last_published_at"))
            .order_by()
        )
        by_id = {row["content_type"]: (row["issued"], row["modified"]) for row in rows}
        return {model: by_id.get(content_types[model].pk, (None, None)) for model in CONTENT_MODELS}

    @staticmethod
    def dates_for(profile: DatasetProfile, dates: dict[type[Page], DateRange]) -> DateRange:
        issued = [dates[model][0] for model in profile.models if dates.get(model, (None, None))[0]]
        modified = [dates[model][1] for model in profile.models if dates.get(model, (None, None))[1]]
        return min(issued, default=None), max(modified, default=None)

    def add_coverage_germany(self, node: Node) -> None:
        g = self.graph
        g.add((node, DCT.spatial, COUNTRY_GERMANY))
        # Konvention 09: the federal level. No dcatde:politicalGeocodingURI: its vocabularies
        # (DCAT-AP.de 2.0, "kv-political-geocoding-uri") have keys for states, districts and
        # municipalities only, and GovData's SHACL shapes flag the level URI there.
        g.add((node, DCATDE.politicalGeocodingLevelURI, LEVEL_FEDERAL))

    def platform_dataset(
        self,
        dataset: Dataset,
        profile: DatasetProfile,
        publisher: URIRef,
        contact: URIRef,
        issued: datetime | None,
        modified: datetime | None,
    ) -> URIRef:
        node = URIRef(f"{self.open_data_url}#{dataset.slug}")
        g = self.graph
        g.add((node, RDF.type, DCAT.Dataset))
        self.add(node, DCT.title, str(dataset.title))
        self.add(node, DCT.description, str(dataset.description))
        self.add(node, DCT.identifier, str(node), lang=None)
        g.add((node, DCT.publisher, publisher))
        g.add((node, DCAT.contactPoint, contact))
        self.add_contributor(node)
        for theme in profile.themes:
            g.add((node, DCAT.theme, DATA_THEME[theme]))
        for keyword in (*common_keywords(), *profile.keywords):
            self.add(node, DCAT.keyword, keyword)
        self.add_coverage_germany(node)
        g.add((node, DCT.language, LANGUAGE_GERMAN))
        g.add((node, DCT.accessRights, ACCESS_PUBLIC))
        g.add((node, DCT.accrualPeriodicity, UPDATED_CONTINUOUSLY))
        g.add((node, DCAT.landingPage, URIRef(self.open_data_url)))
        self.add_date(node, DCT.issued, issued)
        self.add_date(node, DCT.modified, modified)
        for code in dataset.formats:
            g.add((node, DCAT.distribution, self.distribution(node, dataset, FORMATS[code], profile, modified)))
        return node

    def distribution(
        self, dataset_node: URIRef, dataset: Dataset, fmt: Format, profile: DatasetProfile, modified: datetime | None
    ) -> URIRef:
        node = URIRef(f"{dataset_node}-{fmt.code}")
        url = URIRef(self.absolute(download_path(dataset.slug, fmt.code)))
        g = self.graph
        g.add((node, RDF.type, DCAT.Distribution))
        self.add(node, DCT.title, f"{dataset.title} ({fmt.label})")
        self.add(node, DCT.description, _("Download im Format %(format)s.") % {"format": fmt.label})
        # Konvention 39: a plain download is both the access and the download URL.
        g.add((node, DCAT.accessURL, url))
        g.add((node, DCAT.downloadURL, url))
        g.add((node, DCT.format, URIRef(fmt.file_type_uri)))
        g.add((node, DCAT.mediaType, URIRef(IANA_MEDIA_TYPES + fmt.media_type)))
        g.add((node, DCATAP.availability, AVAILABILITY_STABLE))
        self.add_date(node, DCT.modified, modified)
        self.add_licence(node, profile.includes_registry)
        return node

    def content_attribution(self) -> str:
        """Who to name for the content: the publisher and, where that is another name, the platform."""
        publisher, site = publisher_name(), settings.WAGTAIL_SITE_NAME
        if publisher == site:
            return f"{site} ({self.base}/)"
        return _("%(publisher)s, %(site)s (%(url)s)") % {"publisher": publisher, "site": site, "url": f"{self.base}/"}

    def add_licence(self, node: Node, includes_registry: bool, attribution: bool = True) -> None:
        """The content licence, its attribution text, and the registry's licence where its data is part."""
        g = self.graph
        g.add((node, DCT.license, URIRef(self.licence.dcat_uri)))
        if attribution and needs_attribution(self.licence.dcat_uri):
            self.add(node, DCATDE.licenseAttributionByText, self.content_attribution())
        if includes_registry:
            if attribution:
                self.add(node, DCATDE.licenseAttributionByText, data_attribution())
            g.add((node, DCT.rights, self.registry_rights()))

    def registry_rights(self) -> URIRef:
        node = URIRef(f"{self.open_data_url}#gemeindedaten")
        if (node, RDF.type, DCT.RightsStatement) not in self.graph:
            self.graph.add((node, RDF.type, DCT.RightsStatement))
            self.add(
                node,
                RDFS.label,
                _(
                    "Die Angaben zu den Gemeinden (Name, Amtlicher Gemeindeschlüssel und weitere Angaben aus dem "
                    "Gemeindeverzeichnis) stammen vom Statistischen Bundesamt (Destatis) und stehen unter der "
                    "Datenlizenz Deutschland – Namensnennung – Version 2.0 (dl-de/by-2-0): %(attribution)s"
                )
                % {"attribution": data_attribution()},
            )
        return node

    def data_service(self, datasets: list[URIRef], publisher: URIRef, contact: URIRef) -> URIRef:
        node = URIRef(self.absolute(API_PATH))
        g = self.graph
        g.add((node, RDF.type, DCAT.DataService))
        self.add(node, DCT.title, _("Lese-API der %(site)s") % {"site": settings.WAGTAIL_SITE_NAME})
        self.add(
            node,
            DCT.description,
            _(
                "Versionierte JSON-API (OpenAPI 3) mit allen veröffentlichten Projekten, Berichten und ihren "
                "Indikatoren, Kommunen, Leitfäden, Checklisten und der Charta-Taxonomie."
            ),
        )
        g.add((node, DCAT.endpointURL, URIRef(self.absolute(API_PATH))))
        g.add((node, DCAT.endpointDescription, URIRef(self.absolute(API_DESCRIPTION_PATH))))
        g.add((node, FOAF.page, URIRef(self.absolute(API_DOCS_PATH))))
        g.add((node, DCAT.landingPage, URIRef(self.absolute(API_DOCS_PATH))))
        g.add((node, DCT.publisher, publisher))
        g.add((node, DCAT.contactPoint, contact))
        self.add_contributor(node)
        for theme in PLATFORM_THEMES:
            g.add((node, DCAT.theme, DATA_THEME[theme]))
        for keyword in (*common_keywords(), "API", "OpenAPI"):
            self.add(node, DCAT.keyword, keyword)
        self.add_coverage_germany(node)
        g.add((node, DCT.accessRights, ACCESS_PUBLIC))
        g.add((node, DCATAP.availability, AVAILABILITY_STABLE))
        # Konvention 32: a service that serves licensed data carries the licence; its municipality
        # endpoints serve the registry, whose licence the rights statement names.
        self.add_licence(node, includes_registry=True, attribution=False)
        for dataset in datasets:
            g.add((node, DCAT.servesDataset, dataset))
        return node

    # -- what projects publish -----------------------------------------------------------------

    def project_dataset_rows(self) -> list[ProjectDataset]:
        """The datasets of live, public, non-demo projects with a known licence, in two queries."""
        projects = ProjectPage.objects.live().exclude(self.private_q).filter(is_demo=False)
        rows = (
            ProjectDataset.objects.filter(page__in=projects.values("pk"))
            .select_related("page__lead_municipality")
            .only(
                "title",
                "url",
                "license",
                "page__title",
                "page__summary",
                "page__url_path",
                "page__path",
                "page__depth",
                "page__last_published_at",
                "page__first_published_at",
                "page__contact_email",
                "page__lead_municipality__ags",
                "page__lead_municipality__name",
            )
            .prefetch_related("page__tags")
            .order_by("page__title", "page_id", "sort_order", "pk")
        )
        return [row for row in rows if dcat_licence_uri(row.license) and row.page.lead_municipality_id]

    def project_datasets(self) -> list[URIRef]:
        nodes = []
        municipalities: dict[str, Node] = {}
        for row in self.project_dataset_rows():
            project, municipality = row.page, row.page.lead_municipality
            # The page's path on its site, under this catalogue's host like every other URI in it.
            parts = project.get_url_parts(request=self.cache_object)
            if parts is None or parts[2] is None:
                continue
            project_url = self.absolute(parts[2])
            if municipality.ags not in municipalities:
                municipalities[municipality.ags] = self.municipality_agent(municipality)
            nodes.append(self.project_dataset(row, project_url, municipalities[municipality.ags]))
        return nodes

    def municipality_agent(self, municipality: Municipality) -> URIRef:
        # The municipality's entry in the API: a stable address for the agent, with its registry facts.
        node = URIRef(self.absolute(f"{API_PATH}kommunen/{municipality.ags}"))
        self.graph.add((node, RDF.type, FOAF.Agent))
        self.graph.add((node, RDF.type, FOAF.Organization))
        self.add(node, FOAF.name, municipality.name)
        return node

    def project_dataset(self, row: ProjectDataset, project_url: str, publisher: Node) -> URIRef:
        project, municipality = row.page, row.page.lead_municipality
        digest = hashlib.sha256(row.url.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        node = ref(f"{project_url}#datensatz-{digest}")
        place = URIRef(f"{POLITICAL_GEOCODING}municipalityKey/{municipality.ags}")
        g = self.graph
        g.add((node, RDF.type, DCAT.Dataset))
        self.add(node, DCT.title, row.title)
        self.add(
            node,
            DCT.description,
            _("Datensatz der Kommune %(municipality)s aus dem Smart-City-Projekt „%(project)s“. %(summary)s")
            % {"municipality": municipality.name, "project": project.title, "summary": project.summary},
        )
        # The address where the municipality publishes it: the original identifier (Konventionenhandbuch
        # "Identifikatoren"), so that GovData recognises the same dataset from the municipality's portal.
        self.add(node, DCT.identifier, row.url, lang=None)
        g.add((node, DCT.publisher, publisher))
        g.add((node, DCAT.contactPoint, self.project_contact(project, project_url, municipality)))
        self.add_contributor(node)
        g.add((node, DCAT.theme, DATA_THEME.REGI))
        for keyword in (_("Smart City"), municipality.name, *sorted(tag.name for tag in project.tags.all())):
            self.add(node, DCAT.keyword, keyword)
        g.add((node, DCT.spatial, place))
        g.add((node, DCATDE.politicalGeocodingURI, place))
        g.add((node, DCATDE.politicalGeocodingLevelURI, LEVEL_MUNICIPALITY))
        g.add((node, DCAT.landingPage, ref(row.url)))
        g.add((node, FOAF.page, ref(project_url)))
        self.add_date(node, DCT.issued, project.first_published_at)
        self.add_date(node, DCT.modified, project.last_published_at)

        distribution = URIRef(f"{node}-zugang")
        licence = dcat_licence_uri(row.license)
        g.add((node, DCAT.distribution, distribution))
        g.add((distribution, RDF.type, DCAT.Distribution))
        self.add(distribution, DCT.title, row.title)
        g.add((distribution, DCAT.accessURL, ref(row.url)))
        g.add((distribution, DCT.license, URIRef(licence)))
        if needs_attribution(licence):
            self.add(distribution, DCATDE.licenseAttributionByText, municipality.name)
        return node

    def project_contact(self, project: ProjectPage, project_url: str, municipality: Municipality) -> URIRef:
        """The municipality, reached through the platform's contact relay (never the address itself).

        A URI rather than a blank node: blank nodes get new names on every build, which would change
        the JSON-LD, and with it the ETag, on every request.
        """
        node = ref(f"{project_url}#kontakt")
        if (node, RDF.type, VCARD.Kind) in self.graph:
            return node
        self.add_contact_types(node)
        self.add(node, VCARD.fn, municipality.name)
        url = self.absolute(reverse("contact:project", args=[project.pk])) if project.contact_email else project_url
        self.graph.add((node, VCARD.hasURL, ref(url)))
        return node


def build_catalogue(request: HttpRequest | None = None) -> Graph:
    """The catalogue graph, with URIs on the request's host (or WAGTAILADMIN_BASE_URL without one)."""
    return CatalogueBuilder(base_url(request), cache_object=request).build()


JSON_LD_CONTEXT = dict(PREFIXES)


def serialise(graph: Graph, fmt: str) -> bytes:
    """``fmt`` is "turtle" or "json-ld"; JSON-LD is compacted with the catalogue's prefixes."""
    if fmt == "json-ld":
        return graph.serialize(format="json-ld", context=JSON_LD_CONTEXT, indent=2, encoding="utf-8")
    return graph.serialize(format="turtle", encoding="utf-8")
