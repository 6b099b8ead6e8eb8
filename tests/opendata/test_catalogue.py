"""The DCAT-AP.de catalogue (/katalog.ttl, /katalog.jsonld): what GovData's harvester needs from it.

Both serialisations are parsed with rdflib and checked against the properties DCAT-AP.de 2.0 marks
mandatory and the conventions GovData checks as violations; the URLs in it are absolute and answer;
drafts, restricted and demo projects stay out; building it costs a fixed number of queries.
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core import checks
from django.db import connection
from django.test import RequestFactory, TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from wagtail.models import PageViewRestriction

from cms.core.licence import REGISTRY_LICENCE, content_licence
from cms.core.site_setup import ensure_site_structure
from cms.exchange.importer import import_files
from cms.projects.models import ProjectDataset, ProjectPage
from opendata.catalogue import (
    DCAT,
    DCATDE,
    DCT,
    FOAF,
    VCARD,
    build_catalogue,
    dataset_profiles,
)
from opendata.checks import check_catalogue_for_govdata, check_catalogue_settings
from opendata.datasets import DATASETS, FORMATS
from opendata.dcat_licences import dcat_licence_uri, needs_attribution
from registry.loaders import data_attribution, load_taxonomy
from tests import factories

# rdflib's own JSON-LD parser still builds a ConjunctiveGraph internally.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

# The properties DCAT-AP.de 2.0 marks "Pflicht", per class: the tables at the head of each class in
# the specification, https://www.dcat-ap.de/def/dcatde/2.0/spec/#klasse-katalog, #klasse-datensatz,
# #klasse-distribution, #klasse-datenservice and #klasse-verantwortliche-stelle (foaf:Agent).
MANDATORY = {
    DCAT.Catalog: (DCT.title, DCT.description, DCAT.dataset, DCT.publisher),
    DCAT.Dataset: (DCT.title, DCT.description),
    DCAT.Distribution: (DCAT.accessURL,),
    DCAT.DataService: (DCAT.endpointURL, DCT.title),
    FOAF.Agent: (FOAF.name,),
}
# What GovData's validation treats as a violation on top of that (Konventionenhandbuch 2.0,
# https://www.dcat-ap.de/def/dcatde/2.0/implRules/#konvention-36 for the dataset's publisher,
# #konvention-32 for the licences of distributions and data services).
CONVENTIONS = {
    DCAT.Dataset: (DCT.publisher,),
    DCAT.Distribution: (DCT.license,),
    DCAT.DataService: (DCT.license,),
}
DCATDE_LICENCES = "http://dcat-ap.de/def/licenses/"
FILE_TYPES = "http://publications.europa.eu/resource/authority/file-type/"
MUNICIPALITY_KEY = "http://dcat-ap.de/def/politicalGeocoding/municipalityKey/"

AGS_LIVE = "09187128"  # Bad Endorf: the published, public project
AGS_DRAFT = "09162000"  # München: a draft
AGS_RESTRICTED = "07140501"  # Boppard: a password-protected project
AGS_DEMO = "03359010"  # Buxtehude: demo content

PUBLISHED_DATASETS = [
    {"title": "Verbrauchsdaten Laternen", "url": "https://daten.example.org/laternen", "license": "dl-de/by-2-0"},
    {"title": "Standorte der Knoten", "url": "https://daten.example.org/knoten", "license": "CC-BY-4.0"},
    {"title": "Messreihen gemeinfrei", "url": "https://daten.example.org/messreihen", "license": "dl-de/zero-2-0"},
    {"title": "Unklare Lizenz", "url": "https://daten.example.org/unklar", "license": "Eigene Nutzungsbedingungen"},
]


def project_record(ags: str, title: str, datasets: list[dict], demo: bool = False, **changes) -> dict:
    record = copy.deepcopy(factories.PROJECT)
    record.update(
        id=f"projekt-katalog-{ags}-{len(title)}",
        slug=f"projekt-{ags}-{len(title)}",
        title=title,
        demo=demo,
        partner_municipalities=[],
        images=[],
        documents=[],
        reports=[],
        datasets=datasets,
        **changes,
    )
    return record


def catalogue_bundle() -> dict:
    data = factories.bundle()
    live = data["municipalities"][0]
    live["demo"] = False
    project = live["projects"][0]
    project.update(demo=False, images=[], documents=[], datasets=PUBLISHED_DATASETS)
    for report in project["reports"]:
        report.pop("pdf", None)
    for ags, title, demo in (
        (AGS_DRAFT, "Entwurf mit Daten", False),
        (AGS_RESTRICTED, "Geschütztes Projekt", False),
        (AGS_DEMO, "Erfundenes Projekt", True),
    ):
        datasets = [{"title": f"Geheim {title}", "url": f"https://daten.example.org/{ags}", "license": "CC-BY-4.0"}]
        project = project_record(ags, title, datasets, demo=demo)
        data["municipalities"].append({"id": f"kommune-{ags}", "ags": ags, "demo": demo, "projects": [project]})
    return data


def import_bundle(data: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        import_files([factories.write_bundle(Path(tmp), data)])


def parse(content: bytes, fmt: str) -> Graph:
    graph = Graph()
    graph.parse(data=content, format=fmt)
    return graph


class CatalogueTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_taxonomy()
        factories.sample_municipalities()
        ensure_site_structure()
        import_bundle(catalogue_bundle())
        cls.live = ProjectPage.objects.get(lead_municipality__ags=AGS_LIVE)
        ProjectPage.objects.get(lead_municipality__ags=AGS_DRAFT).unpublish()
        restricted = ProjectPage.objects.get(lead_municipality__ags=AGS_RESTRICTED)
        PageViewRestriction.objects.create(page=restricted, restriction_type="password", password="geheim")

    def get_graph(self, path: str = "/katalog.ttl", fmt: str = "turtle") -> Graph:
        response = self.client.get(path)
        self.assertEqual(response.status_code, 200)
        return parse(response.content, fmt)

    def subjects(self, graph: Graph, rdf_class: URIRef) -> list:
        return list(graph.subjects(RDF.type, rdf_class))


class CatalogueTests(CatalogueTestCase):
    """One class, so that the content is imported once (setUpTestData) for all of them."""

    # -- serialisations and HTTP --------------------------------------------------------------
    def test_turtle_and_json_ld_parse_with_rdflib_to_the_same_graph(self):
        turtle = self.client.get(reverse("catalogue_ttl"))
        json_ld = self.client.get(reverse("catalogue_jsonld"))
        self.assertEqual(turtle["Content-Type"], "text/turtle; charset=utf-8")
        self.assertEqual(json_ld["Content-Type"], "application/ld+json")
        self.assertEqual((reverse("catalogue_ttl"), reverse("catalogue_jsonld")), ("/katalog.ttl", "/katalog.jsonld"))
        from_turtle, from_json_ld = parse(turtle.content, "turtle"), parse(json_ld.content, "json-ld")
        self.assertGreater(len(from_turtle), 100)
        self.assertTrue(isomorphic(from_turtle, from_json_ld))

    def test_only_get_and_head_with_cache_headers_and_etag(self):
        response = self.client.get("/katalog.ttl")
        self.assertIn("max-age=3600", response["Cache-Control"])
        self.assertIn("public", response["Cache-Control"])
        self.assertEqual(response["Access-Control-Allow-Origin"], "*")
        self.assertEqual(self.client.head("/katalog.jsonld").status_code, 200)
        self.assertEqual(self.client.post("/katalog.ttl").status_code, 405)
        self.assertEqual(self.client.put("/katalog.jsonld").status_code, 405)
        # The same content gives the same bytes, so the ETag holds from one request to the next.
        self.assertEqual(self.client.get("/katalog.jsonld")["ETag"], self.client.get("/katalog.jsonld")["ETag"])
        again = self.client.get("/katalog.ttl", HTTP_IF_NONE_MATCH=response["ETag"])
        self.assertEqual(again.status_code, 304)
        self.assertEqual(again.content, b"")

    # -- mandatory properties and GovData's conventions ----------------------------------------
    def test_every_mandatory_property_of_every_class_is_present(self):
        for path, fmt in (("/katalog.ttl", "turtle"), ("/katalog.jsonld", "json-ld")):
            graph = self.get_graph(path, fmt)
            for rdf_class, properties in MANDATORY.items():
                instances = self.subjects(graph, rdf_class)
                self.assertTrue(instances, f"no {rdf_class} in {path}")
                for instance in instances:
                    for prop in properties:
                        with self.subTest(path=path, instance=str(instance), prop=str(prop)):
                            self.assertIsNotNone(graph.value(instance, prop))

    def test_the_conventions_govdata_enforces_hold(self):
        graph = self.get_graph()
        for rdf_class, properties in CONVENTIONS.items():
            for instance in self.subjects(graph, rdf_class):
                for prop in properties:
                    with self.subTest(instance=str(instance), prop=str(prop)):
                        self.assertIsNotNone(graph.value(instance, prop))
        # Every publisher is an agent with a name; every contact has an address or a form (K01).
        for publisher in graph.objects(None, DCT.publisher):
            self.assertIn((publisher, RDF.type, FOAF.Agent), graph)
        for contact in graph.objects(None, DCAT.contactPoint):
            self.assertIsNotNone(graph.value(contact, VCARD.fn))
            self.assertTrue(graph.value(contact, VCARD.hasEmail) or graph.value(contact, VCARD.hasURL))
        # Formats from the EU file-type list (K31), themes from the EU data themes (K30).
        for fmt in graph.objects(None, DCT.format):
            self.assertTrue(str(fmt).startswith(FILE_TYPES), fmt)
        for theme in graph.objects(None, DCAT.theme):
            self.assertTrue(str(theme).startswith("http://publications.europa.eu/resource/authority/data-theme/"))

    def test_catalogue_has_publisher_language_licence_and_dates(self):
        graph = self.get_graph()
        (catalogue,) = self.subjects(graph, DCAT.Catalog)
        publisher = graph.value(catalogue, DCT.publisher)
        self.assertEqual(str(graph.value(publisher, FOAF.name)), "Smart-City-Erfahrungsplattform")
        self.assertIsNotNone(graph.value(publisher, FOAF.homepage))
        self.assertEqual(
            graph.value(catalogue, DCT.language),
            URIRef("http://publications.europa.eu/resource/authority/language/DEU"),
        )
        self.assertEqual(graph.value(catalogue, DCT.license), URIRef(content_licence().dcat_uri))
        self.assertIsNotNone(graph.value(catalogue, DCT.modified))
        self.assertIsNotNone(graph.value(catalogue, DCT.issued))
        self.assertEqual(graph.value(catalogue, FOAF.homepage), URIRef("http://testserver/"))

    # -- the downloads and the API -------------------------------------------------------------
    def test_each_dataset_of_the_table_with_one_distribution_per_format(self):
        graph = self.get_graph()
        (catalogue,) = self.subjects(graph, DCAT.Catalog)
        listed = set(graph.objects(catalogue, DCAT.dataset))
        for slug, dataset in DATASETS.items():
            node = URIRef(f"http://testserver{reverse('open_data')}#{slug}")
            self.assertIn(node, listed)
            self.assertEqual(str(graph.value(node, DCT.title)), str(dataset.title))
            self.assertEqual(graph.value(node, DCT.title).language, "de")
            self.assertIsNotNone(graph.value(node, DCT.modified))
            self.assertIsNotNone(graph.value(node, DCATDE.politicalGeocodingLevelURI))
            self.assertTrue(set(graph.objects(node, DCAT.keyword)))
            distributions = list(graph.objects(node, DCAT.distribution))
            self.assertEqual(len(distributions), len(dataset.formats))
            by_format = {str(graph.value(d, DCT.format)): d for d in distributions}
            for code in dataset.formats:
                fmt = FORMATS[code]
                distribution = by_format[fmt.file_type_uri]
                url = URIRef(f"http://testserver{reverse('download', kwargs={'slug': slug, 'fmt': code})}")
                self.assertEqual(graph.value(distribution, DCAT.downloadURL), url)
                self.assertEqual(graph.value(distribution, DCAT.accessURL), url)
                self.assertEqual(
                    graph.value(distribution, DCAT.mediaType),
                    URIRef(f"https://www.iana.org/assignments/media-types/{fmt.media_type}"),
                )

    def test_every_dataset_of_the_table_has_a_profile(self):
        self.assertEqual(set(dataset_profiles()), set(DATASETS))

    def test_the_api_is_a_data_service_serving_the_platform_datasets(self):
        graph = self.get_graph()
        (service,) = self.subjects(graph, DCAT.DataService)
        self.assertEqual(graph.value(service, DCAT.endpointURL), URIRef("http://testserver/api/v1/"))
        self.assertEqual(
            graph.value(service, DCAT.endpointDescription), URIRef("http://testserver/api/v1/openapi.json")
        )
        self.assertEqual(graph.value(service, DCT.license), URIRef(content_licence().dcat_uri))
        served = set(graph.objects(service, DCAT.servesDataset))
        self.assertEqual(served, {URIRef(f"http://testserver/daten/#{slug}") for slug in DATASETS})
        (catalogue,) = self.subjects(graph, DCAT.Catalog)
        self.assertIn((catalogue, DCAT.service, service), graph)

    # -- licences ------------------------------------------------------------------------------
    def test_licence_uris_are_the_dcat_ap_de_ones(self):
        graph = self.get_graph()
        licences = set(graph.objects(None, DCT.license))
        self.assertTrue(licences)
        for licence in licences:
            self.assertTrue(str(licence).startswith(DCATDE_LICENCES), licence)
        content = URIRef(content_licence().dcat_uri)
        for slug in DATASETS:
            for distribution in graph.objects(URIRef(f"http://testserver/daten/#{slug}"), DCAT.distribution):
                self.assertEqual(graph.value(distribution, DCT.license), content)

    def test_attribution_texts_and_the_registry_licence_where_its_data_is_part(self):
        graph = self.get_graph()
        attribution = data_attribution()
        for slug, profile in dataset_profiles().items():
            for distribution in graph.objects(URIRef(f"http://testserver/daten/#{slug}"), DCAT.distribution):
                texts = {str(text) for text in graph.objects(distribution, DCATDE.licenseAttributionByText)}
                # CC BY 4.0 asks for attribution: the platform's publisher is named.
                self.assertTrue(any("Smart-City-Erfahrungsplattform" in text for text in texts))
                rights = graph.value(distribution, DCT.rights)
                if profile.includes_registry:
                    self.assertIn(attribution, texts)
                    self.assertIn(REGISTRY_LICENCE.short_name, str(graph.value(rights, RDFS.label)))
                else:
                    self.assertNotIn(attribution, texts)
                    self.assertIsNone(rights)
        self.assertTrue(any(profile.includes_registry for profile in dataset_profiles().values()))

    @override_settings(CONTENT_LICENCE="cc0-1.0")
    def test_a_licence_without_attribution_gets_no_attribution_text_for_the_content(self):
        graph = self.get_graph()
        distribution = URIRef("http://testserver/daten/#berichte-csv")
        self.assertEqual(graph.value(distribution, DCT.license), URIRef("http://dcat-ap.de/def/licenses/cc-zero"))
        # Only the registry's attribution is left: dl-de/by-2-0 asks for it whatever the content's licence.
        texts = [str(text) for text in graph.objects(distribution, DCATDE.licenseAttributionByText)]
        self.assertEqual(texts, [data_attribution()])

    def test_free_text_licences_map_to_dcat_ap_de_uris(self):
        cases = {
            "dl-de/by-2-0": "dl-by-de/2.0",
            "DL-DE-BY-2.0": "dl-by-de/2.0",
            "dl-de/zero-2-0": "dl-zero-de/2.0",
            "CC-BY-4.0": "cc-by/4.0",
            "CC BY 4.0": "cc-by/4.0",
            "https://creativecommons.org/licenses/by/4.0/deed.de": "cc-by/4.0",
            "CC0-1.0": "cc-zero",
            "ODbL-1.0": "odbl",
            "http://dcat-ap.de/def/licenses/cc-by-sa/4.0": "cc-by-sa/4.0",
            "https://www.govdata.de/dl-de/by-2-0": "dl-by-de/2.0",
        }
        for text, licence_id in cases.items():
            with self.subTest(text=text):
                self.assertEqual(dcat_licence_uri(text), DCATDE_LICENCES + licence_id)
        for unknown in ("", "Eigene Nutzungsbedingungen", "alle Rechte vorbehalten", "x" * 500):
            self.assertIsNone(dcat_licence_uri(unknown))
        self.assertTrue(needs_attribution(DCATDE_LICENCES + "dl-by-de/2.0"))
        self.assertFalse(needs_attribution(DCATDE_LICENCES + "dl-zero-de/2.0"))

    # -- access URLs ---------------------------------------------------------------------------
    def test_urls_are_absolute_and_those_on_this_site_answer_200(self):
        graph = self.get_graph()
        links = set()
        for prop in (
            DCAT.accessURL,
            DCAT.downloadURL,
            DCAT.endpointURL,
            DCAT.endpointDescription,
            DCAT.landingPage,
            FOAF.page,
            FOAF.homepage,
            VCARD.hasURL,
        ):
            links |= {str(url) for url in graph.objects(None, prop)}
        own = sorted(url for url in links if urlsplit(url).netloc == "testserver")
        self.assertTrue(all(urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc for url in links))
        self.assertIn("http://testserver/api/v1/openapi.json", own)
        self.assertTrue(any("/daten/" in url for url in own))
        for url in own:
            with self.subTest(url=url):
                parts = urlsplit(url)
                self.assertEqual(self.client.get(parts.path, {}).status_code, 200)

    # -- settings: contributor ID, publisher, contact ------------------------------------------
    @override_settings(GOVDATA_CONTRIBUTOR_ID="smartCityPlattform")
    def test_contributor_id_on_every_dataset_and_the_service_when_set(self):
        graph = self.get_graph()
        expected = URIRef("http://dcat-ap.de/def/contributors/smartCityPlattform")
        for node in [*self.subjects(graph, DCAT.Dataset), *self.subjects(graph, DCAT.DataService)]:
            self.assertEqual(list(graph.objects(node, DCATDE.contributorID)), [expected])
        (catalogue,) = self.subjects(graph, DCAT.Catalog)
        self.assertIsNone(graph.value(catalogue, RDFS.comment))

    @override_settings(GOVDATA_CONTRIBUTOR_ID="http://dcat-ap.de/def/contributors/smartCityPlattform")
    def test_contributor_id_may_be_given_as_the_whole_uri(self):
        graph = self.get_graph()
        ids = set(graph.objects(None, DCATDE.contributorID))
        self.assertEqual(ids, {URIRef("http://dcat-ap.de/def/contributors/smartCityPlattform")})

    @override_settings(GOVDATA_CONTRIBUTOR_ID="")
    def test_without_contributor_id_the_catalogue_says_so(self):
        graph = self.get_graph("/katalog.jsonld", "json-ld")
        self.assertFalse(set(graph.objects(None, DCATDE.contributorID)))
        (catalogue,) = self.subjects(graph, DCAT.Catalog)
        note = graph.value(catalogue, RDFS.comment)
        self.assertIn("dcatde:contributorID", str(note))
        self.assertIn("GOVDATA_CONTRIBUTOR_ID", str(note))

    @override_settings(
        CATALOGUE_PUBLISHER_NAME="Stadt Beispielstadt",
        CATALOGUE_PUBLISHER_URL="https://www.beispielstadt.de/",
        CATALOGUE_CONTACT_EMAIL="opendata@beispielstadt.de",
    )
    def test_publisher_and_contact_come_from_the_settings(self):
        graph = self.get_graph()
        (catalogue,) = self.subjects(graph, DCAT.Catalog)
        publisher = graph.value(catalogue, DCT.publisher)
        self.assertEqual(graph.value(publisher, FOAF.name), Literal("Stadt Beispielstadt", lang="de"))
        self.assertEqual(graph.value(publisher, FOAF.homepage), URIRef("https://www.beispielstadt.de/"))
        contact = graph.value(URIRef("http://testserver/daten/#projekte"), DCAT.contactPoint)
        self.assertEqual(graph.value(contact, VCARD.hasEmail), URIRef("mailto:opendata@beispielstadt.de"))

    @override_settings(CATALOGUE_CONTACT_EMAIL="", DEFAULT_FROM_EMAIL="Plattform <post@beispielstadt.de>")
    def test_the_contact_defaults_to_the_address_of_default_from_email(self):
        graph = self.get_graph()
        contact = graph.value(URIRef("http://testserver/daten/#projekte"), DCAT.contactPoint)
        self.assertEqual(graph.value(contact, VCARD.hasEmail), URIRef("mailto:post@beispielstadt.de"))

    @override_settings(WAGTAILADMIN_BASE_URL="https://plattform.example.de")
    def test_outside_a_request_the_urls_start_with_the_admin_base_url(self):
        graph = build_catalogue()
        (catalogue,) = self.subjects(graph, DCAT.Catalog)
        self.assertEqual(catalogue, URIRef("https://plattform.example.de/"))
        for url in graph.objects(None, DCAT.downloadURL):
            self.assertTrue(str(url).startswith("https://plattform.example.de/daten/"))

    # -- what projects publish, and the cost ---------------------------------------------------
    def project_datasets(self, graph: Graph) -> dict[str, URIRef]:
        return {
            str(graph.value(node, DCT.title)): node
            for node in self.subjects(graph, DCAT.Dataset)
            if not str(node).startswith("http://testserver/daten/")
        }

    def test_published_project_datasets_are_attributed_to_their_municipality(self):
        graph = self.get_graph()
        datasets = self.project_datasets(graph)
        # The dataset with an unknown licence stays out: GovData wants a licence from its list.
        self.assertEqual(set(datasets), {"Verbrauchsdaten Laternen", "Standorte der Knoten", "Messreihen gemeinfrei"})
        project_url = f"http://testserver{self.live.url}"
        place = URIRef(MUNICIPALITY_KEY + AGS_LIVE)
        for node in datasets.values():
            publisher = graph.value(node, DCT.publisher)
            self.assertEqual(str(graph.value(publisher, FOAF.name)), "Bad Endorf")
            self.assertEqual(graph.value(node, DCT.spatial), place)
            self.assertEqual(graph.value(node, DCATDE.politicalGeocodingURI), place)
            self.assertEqual(graph.value(node, FOAF.page), URIRef(project_url))
            self.assertIn("Bad Endorf", str(graph.value(node, DCT.description)))
        node = datasets["Verbrauchsdaten Laternen"]
        self.assertEqual(graph.value(node, DCT.identifier), Literal("https://daten.example.org/laternen"))
        distribution = graph.value(node, DCAT.distribution)
        self.assertEqual(graph.value(distribution, DCAT.accessURL), URIRef("https://daten.example.org/laternen"))
        self.assertEqual(graph.value(distribution, DCT.license), URIRef(DCATDE_LICENCES + "dl-by-de/2.0"))
        self.assertEqual(str(graph.value(distribution, DCATDE.licenseAttributionByText)), "Bad Endorf")
        free = graph.value(datasets["Messreihen gemeinfrei"], DCAT.distribution)
        self.assertEqual(graph.value(free, DCT.license), URIRef(DCATDE_LICENCES + "dl-zero-de/2.0"))
        self.assertIsNone(graph.value(free, DCATDE.licenseAttributionByText))
        # The contact is the platform's relay form, never the contact person's address.
        contact = graph.value(node, DCAT.contactPoint)
        self.assertEqual(
            graph.value(contact, VCARD.hasURL),
            URIRef(f"http://testserver{reverse('contact:project', args=[self.live.pk])}"),
        )

    def test_odd_addresses_and_texts_from_a_steckbrief_cannot_break_the_catalogue(self):
        title = 'Daten "mit" <b>Zeichen</b> \\ und\nZeilenumbruch'
        ProjectDataset.objects.create(
            page=self.live, title=title, url='https://daten.example.org/a"b<c>{d}|e^f`g\\h ü', license="CC-BY-4.0"
        )
        for path, fmt in (("/katalog.ttl", "turtle"), ("/katalog.jsonld", "json-ld")):
            graph = self.get_graph(path, fmt)
            node = self.project_datasets(graph)[title]
            self.assertEqual(
                graph.value(graph.value(node, DCAT.distribution), DCAT.accessURL),
                URIRef("https://daten.example.org/a%22b%3Cc%3E%7Bd%7D%7Ce%5Ef%60g%5Ch%20%C3%BC"),
            )

    def test_drafts_restricted_and_demo_projects_never_appear(self):
        for path, fmt in (("/katalog.ttl", "turtle"), ("/katalog.jsonld", "json-ld")):
            response = self.client.get(path)
            text = response.content.decode()
            for ags in (AGS_DRAFT, AGS_RESTRICTED, AGS_DEMO):
                self.assertNotIn(f"daten.example.org/{ags}", text)
                self.assertNotIn(MUNICIPALITY_KEY + ags, text)
            self.assertNotIn("Geheim", text)
            self.assertNotIn("erika.beispiel@example.org", text)
            self.assertEqual(len(self.project_datasets(parse(response.content, fmt))), 3)

    def test_building_costs_a_fixed_number_of_queries_however_many_projects(self):
        request = RequestFactory().get("/katalog.ttl")
        with CaptureQueriesContext(connection) as before:
            build_catalogue(request)
        more = catalogue_bundle()
        more["municipalities"] = [
            {
                "id": "kommune-12073069",
                "ags": "12073069",
                "demo": False,
                "projects": [
                    project_record(
                        "12073069",
                        "Noch ein Projekt" + "!" * n,
                        [{"title": f"Daten {n}", "url": f"https://daten.example.org/mehr-{n}", "license": "CC0-1.0"}],
                        tags=[f"Schlagwort {n}"],
                    )
                    for n in range(3)
                ],
            }
        ]
        more.pop("guides")
        more.pop("checklists")
        import_bundle(more)
        request = RequestFactory().get("/katalog.ttl")
        with CaptureQueriesContext(connection) as after:
            graph = build_catalogue(request)
        self.assertEqual(len(self.project_datasets(graph)), 6)
        self.assertEqual(len(after.captured_queries), len(before.captured_queries))
        self.assertLessEqual(len(after.captured_queries), 8)


class SystemCheckTests(TestCase):
    def test_malformed_settings_are_errors(self):
        with override_settings(GOVDATA_CONTRIBUTOR_ID="kein gültiger Wert"):
            self.assertEqual([e.id for e in check_catalogue_settings()], ["opendata.E001"])
        with override_settings(GOVDATA_CONTRIBUTOR_ID="https://example.org/contributors/x"):
            self.assertEqual([e.id for e in check_catalogue_settings()], ["opendata.E001"])
        with override_settings(CATALOGUE_PUBLISHER_URL="javascript:alert(1)"):
            self.assertEqual([e.id for e in check_catalogue_settings()], ["opendata.E002"])
        with override_settings(CATALOGUE_CONTACT_EMAIL="keine Adresse"):
            self.assertEqual([e.id for e in check_catalogue_settings()], ["opendata.E003"])
        with override_settings(
            GOVDATA_CONTRIBUTOR_ID="smartCityPlattform",
            CATALOGUE_PUBLISHER_URL="https://www.beispielstadt.de/",
            CATALOGUE_CONTACT_EMAIL="opendata@beispielstadt.de",
        ):
            self.assertEqual(check_catalogue_settings(), [])

    def test_the_default_settings_pass_every_check(self):
        self.assertEqual(check_catalogue_settings(), [])

    @override_settings(GOVDATA_CONTRIBUTOR_ID="", CATALOGUE_PUBLISHER_NAME="")
    def test_the_deploy_check_reminds_of_the_missing_contributor_id_without_failing(self):
        notes = check_catalogue_for_govdata()
        self.assertEqual([n.id for n in notes], ["opendata.I001", "opendata.I002"])
        # Below WARNING, so `check --deploy --fail-level WARNING` still passes (tests/test_deploy_check.py).
        self.assertTrue(all(n.level < checks.WARNING for n in notes))
        self.assertIn("Datenbereitsteller-ID", notes[0].msg)
        self.assertIn("GOVDATA_CONTRIBUTOR_ID", notes[0].hint)
        # Registered for the deploy check only.
        self.assertNotIn("opendata.I001", [m.id for m in checks.run_checks(include_deployment_checks=False)])
        self.assertIn("opendata.I001", [m.id for m in checks.run_checks(include_deployment_checks=True)])

    @override_settings(GOVDATA_CONTRIBUTOR_ID="smartCityPlattform", CATALOGUE_PUBLISHER_NAME="Stadt Beispielstadt")
    def test_nothing_to_remind_once_both_are_set(self):
        self.assertEqual(check_catalogue_for_govdata(), [])
