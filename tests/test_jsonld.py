"""schema.org JSON-LD on project pages (cms/projects/jsonld.py): valid JSON, the expected members,
no way out of the data block, and never the contact person.

The content is imported once for the class (the exchange import takes seconds).
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

from django.test import TestCase

from cms.core.licence import content_licence
from cms.core.site_setup import ensure_site_structure
from cms.exchange.importer import import_files
from cms.projects.jsonld import jsonld_script, project_jsonld
from cms.projects.models import ProjectPage
from registry.loaders import load_taxonomy
from tests import factories

HOSTILE_TITLE = "</script><script>alert(1)</script>"
BLOCK = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


class ProjectJsonLdTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        """Bad Endorf's project (with partner, funding, tags, contact) and München's, adapted from it."""
        load_taxonomy()
        factories.sample_municipalities()
        ensure_site_structure()
        data = factories.add_grossstadt_project(
            factories.bundle(), adapted_from=[{"project": "projekt-test-laternen", "note": "Größer."}]
        )
        with tempfile.TemporaryDirectory() as tmp:
            directory = Path(tmp)
            (directory / "files").mkdir()
            (directory / "files" / "foto.png").write_bytes(factories.png_bytes())
            for item in data["municipalities"][0]["projects"]:
                item["documents"] = []
                for report in item["reports"]:
                    report.pop("pdf", None)
            import_files([factories.write_bundle(directory, data)])
        cls.source = ProjectPage.objects.get(external_id="projekt-test-laternen")
        cls.adapted = ProjectPage.objects.get(external_id="projekt-test-grossstadt")

    def jsonld(self, page: ProjectPage) -> tuple[dict, str]:
        html = self.client.get(page.url).content.decode()
        blocks = BLOCK.findall(html)
        self.assertEqual(len(blocks), 1, blocks)
        return json.loads(blocks[0]), html

    def test_project_page_carries_schema_org_json_ld(self):
        source = self.source
        data, _ = self.jsonld(source)
        url = f"http://localhost{source.url}"
        assert data["@context"] == "https://schema.org" and data["@type"] == "WebPage"
        assert data["url"] == data["@id"] == url
        assert data["name"] == "Fernwartung der Straßenbeleuchtung"
        assert data["description"].startswith("Die Gemeinde steuert ihre LED-Laternen")
        assert data["inLanguage"] == "de"
        assert data["license"] == content_licence().url
        assert data["keywords"] == ["LoRaWAN", "Straßenbeleuchtung"]
        assert data["datePublished"] and data["dateModified"]
        publisher = data["publisher"]
        assert publisher["@type"] == "GovernmentOrganization" and publisher["name"] == "Bad Endorf"
        assert publisher["identifier"] == {
            "@type": "PropertyValue",
            "propertyID": "AGS",
            "name": "Amtlicher Gemeindeschlüssel",
            "value": "09187128",
        }
        assert publisher["url"] == f"http://localhost{source.get_parent().url}"
        assert "isBasedOn" not in data  # adapted from nothing

        project = data["mainEntity"]
        assert project["@type"] == "Project" and project["@id"] == url + "#projekt"
        assert project["name"] == data["name"] and project["url"] == url
        assert project["identifier"] == "projekt-test-laternen"
        assert project["foundingDate"] == "2021-04-01" and project["dissolutionDate"] == "2023-03-31"
        assert project["funder"] == {"@type": "FundingScheme", "name": "Kommunalrichtlinie"}
        assert project["keywords"] == data["keywords"]
        lead, partner = project["areaServed"]
        assert project["location"] == lead
        assert lead["@type"] == "AdministrativeArea" and lead["name"] == "Bad Endorf"
        assert lead["identifier"]["value"] == "09187128"
        assert lead["containedInPlace"] == {"@type": "AdministrativeArea", "name": "Bayern"}
        assert set(lead["geo"]) == {"@type", "latitude", "longitude"}
        assert partner["name"] == "Boppard" and partner["identifier"]["value"] == "07140501"

        adapted_data, _ = self.jsonld(self.adapted)
        assert adapted_data["isBasedOn"] == [url]
        assert adapted_data["publisher"]["name"] == "München"

    def test_no_contact_person_or_email(self):
        source = self.source
        assert source.contact_email and source.contact_name  # the page has them; the block must not
        data, _ = self.jsonld(source)
        text = json.dumps(data, ensure_ascii=False)
        for secret in (source.contact_email, source.contact_name, "@example.org", "email", "contactPoint"):
            assert secret not in text

    def test_content_cannot_break_out_of_the_block(self):
        ProjectPage.objects.filter(pk=self.source.pk).update(
            title=HOSTILE_TITLE, summary="<!-- a & b --> ]]> <script>alert(2)</script>"
        )
        html = self.client.get(self.source.url).content.decode()
        head = html[: html.index("</head>")]
        # One data block, and no second script element started by the content.
        assert head.count("<script") == 1 and "alert(1)</script>" not in head
        block = BLOCK.search(head).group(1)
        assert "<" not in block and ">" not in block and "&" not in block
        assert "\\u003C/script\\u003E\\u003Cscript\\u003Ealert(1)" in block
        data = json.loads(block)
        assert data["name"] == data["mainEntity"]["name"] == HOSTILE_TITLE
        assert data["description"] == "<!-- a & b --> ]]> <script>alert(2)</script>"

    def test_a_lineage_source_that_is_not_public_is_not_named(self):
        ProjectPage.objects.get(pk=self.source.pk).unpublish()
        data, _ = self.jsonld(self.adapted)
        assert "isBasedOn" not in data

    def test_a_new_page_in_preview_has_no_addresses_yet(self):
        """The editor's preview of a page never saved: no URL, no parent, no lineage, and no error."""
        page = ProjectPage(title="Neu", summary="Noch nicht gespeichert.", funding_programme="EFRE")
        data = project_jsonld(page, None)
        assert data["name"] == "Neu" and data["mainEntity"]["funder"]["name"] == "EFRE"
        assert not {"url", "@id", "publisher", "isBasedOn", "datePublished"} & set(data)
        assert json.loads(BLOCK.search(jsonld_script(data)).group(1)) == data
