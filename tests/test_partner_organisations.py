"""Partner organisations of a project (issue 17): exchange format, project page, search and API.

A project names partners beyond municipalities: companies, universities, associations, state
agencies. They travel in the exchange format, show on the project page and in the API detail,
make the project findable by their names and filterable by their kind (facet ``partner_type``).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from django.conf import settings

from cms.exchange.exporter import export_to
from cms.exchange.importer import ImportFailed, import_files
from cms.projects.models import MunicipalityPage, ProjectPage
from search.documents import document_for
from search.engines.embedded import EmbeddedEngine
from tests.factories import add_grossstadt_project, bundle, write_bundle
from tests.search.contract import hit_ids, run

pytestmark = pytest.mark.django_db

PARTNERS = [
    {"name": "Stadtwerke Nordlichtheim GmbH", "type": "wirtschaft", "role": "technischer Betrieb"},
    {"name": "Hochschule Sternwarte", "type": "wissenschaft", "role": ""},
]
PROJECT_ID = "projekt-test-laternen"


def with_partners(partners: list[dict] | None = None) -> dict:
    """The factory bundle whose project names ``partners`` (by default PARTNERS)."""
    data = bundle()
    data["municipalities"][0]["projects"][0]["partner_organisations"] = copy.deepcopy(
        PARTNERS if partners is None else partners
    )
    return data


def stored(external_id: str = PROJECT_ID) -> list[dict]:
    page = ProjectPage.objects.get(external_id=external_id)
    return [{"name": o.name, "type": o.type, "role": o.role} for o in page.partner_organisations.all()]


def import_errors(exchange_dir, data: dict) -> list[tuple[str, str, str]]:
    with pytest.raises(ImportFailed) as exc:
        import_files([write_bundle(exchange_dir, data)])
    return [(p.record, p.field, p.message) for p in exc.value.problems]


def test_import_sets_a_record_without_the_member_keeps_an_empty_list_clears(site, exchange_dir):
    import_files([write_bundle(exchange_dir, with_partners())])
    assert stored() == PARTNERS

    # A record without the member leaves the stored partners alone (an import never erases what it omits).
    data = bundle()
    assert "partner_organisations" not in data["municipalities"][0]["projects"][0]
    data["municipalities"][0]["projects"][0]["title"] = "Laternen, neu betitelt"
    import_files([write_bundle(exchange_dir, data)])
    assert ProjectPage.objects.get(external_id=PROJECT_ID).title == "Laternen, neu betitelt"
    assert stored() == PARTNERS

    # The member replaces the whole list, in the record's order; an empty list removes every partner.
    replacement = [{"name": "Landkreis-Zweckverband Licht", "type": "verband"}]
    import_files([write_bundle(exchange_dir, with_partners(replacement))])
    assert stored() == [{"name": "Landkreis-Zweckverband Licht", "type": "verband", "role": ""}]
    import_files([write_bundle(exchange_dir, with_partners([]))])
    assert stored() == []


def test_export_then_import_into_an_empty_site_keeps_the_partners(site, exchange_dir, tmp_path):
    import_files([write_bundle(exchange_dir, with_partners())])
    exported = export_to(tmp_path / "export.json")
    assert exported["municipalities"][0]["projects"][0]["partner_organisations"] == PARTNERS
    for page in MunicipalityPage.objects.all():
        page.delete()
    assert not ProjectPage.objects.exists()
    import_files([tmp_path / "export.json"])
    assert stored() == PARTNERS


@pytest.mark.parametrize(
    ("partner", "field", "message"),
    [
        (
            {"name": "x" * 201, "type": "wirtschaft"},
            "partner_organisations.0.name",
            "Der Text ist zu lang (höchstens 200 Zeichen)",
        ),
        (
            {"name": "Ein Verein", "type": "sportverein"},
            "partner_organisations.0.type",
            "Unbekannter Wert „sportverein“",
        ),
        ({"name": "", "type": "verband"}, "partner_organisations.0.name", "Der Wert darf nicht leer sein"),
        ({"name": "Ohne Art"}, "partner_organisations.0", "Pflichtfeld fehlt: type"),
        (
            {"name": "Amt", "type": "verwaltung", "role": "r" * 201},
            "partner_organisations.0.role",
            "Der Text ist zu lang (höchstens 200 Zeichen)",
        ),
    ],
)
def test_invalid_partners_are_rejected_in_german(site, exchange_dir, partner, field, message):
    errors = import_errors(exchange_dir, with_partners([partner]))
    assert any(record == PROJECT_ID and f == field and message in m for record, f, m in errors), errors
    assert not ProjectPage.objects.exists()


def test_more_than_thirty_partners_are_rejected(site, exchange_dir):
    many = [{"name": f"Firma {i}", "type": "wirtschaft"} for i in range(31)]
    errors = import_errors(exchange_dir, with_partners(many))
    assert (PROJECT_ID, "partner_organisations", "Die Liste ist zu lang (höchstens 30 Einträge)") in errors


def test_page_search_facet_and_api_show_the_partners(site, exchange_dir, client, tmp_path):
    data = add_grossstadt_project(
        with_partners(), partner_organisations=[{"name": "Bürgerverein Mondschein", "type": "zivilgesellschaft"}]
    )
    import_files([write_bundle(exchange_dir, data)])
    project = ProjectPage.objects.get(external_id=PROJECT_ID)
    other = ProjectPage.objects.get(external_id="projekt-test-grossstadt")

    # The project page lists them with kind and role.
    html = client.get(project.url).content.decode()
    assert "Partnerorganisationen" in html
    assert "Stadtwerke Nordlichtheim GmbH" in html and "Wirtschaft, technischer Betrieb" in html
    assert "Hochschule Sternwarte" in html and "(Wissenschaft)" in html

    # The index document: names in ``extra``, kinds in the facet field.
    document = document_for(project)
    assert "Stadtwerke Nordlichtheim GmbH" in document["extra"]
    assert document["partner_type"] == ["wirtschaft", "wissenschaft"]
    assert document_for(other)["partner_type"] == ["zivilgesellschaft"]

    documents = [document_for(page) for page in ProjectPage.objects.all()]
    engine = EmbeddedEngine(path=tmp_path / "index")
    engine.rebuild(documents)
    assert hit_ids(engine, "Nordlichtheim") == [str(project.pk)]
    assert hit_ids(engine, "Mondschein") == [str(other.pk)]
    counts = run(engine, "").facet_counts["partner_type"]
    assert counts == {"wirtschaft": 1, "wissenschaft": 1, "zivilgesellschaft": 1}
    filtered = run(engine, "", {"partner_type": ("zivilgesellschaft",)}, page_size=50)
    assert [h.id for h in filtered.hits] == [str(other.pk)]
    # Counted under every other facet's selection but not its own (OR within the facet).
    assert filtered.facet_counts["partner_type"] == counts

    # The API detail carries name, kind, its label and role.
    response = client.get(f"/api/v1/projekte/{project.pk}")
    assert response.status_code == 200
    assert response.json()["partner_organisations"] == [
        {
            "name": "Stadtwerke Nordlichtheim GmbH",
            "type": "wirtschaft",
            "type_label": "Wirtschaft",
            "role": "technischer Betrieb",
        },
        {"name": "Hochschule Sternwarte", "type": "wissenschaft", "type_label": "Wissenschaft", "role": ""},
    ]


def test_demo_content_names_partner_organisations():
    """At least three fictional demo projects show the feature (the demo files are marked ``demo``)."""
    demo = json.loads((Path(settings.FIXTURES_ROOT) / "demo" / "part-a.json").read_text(encoding="utf-8"))
    projects = [p for m in demo["municipalities"] for p in m.get("projects", []) if p.get("partner_organisations")]
    assert len(projects) >= 3 and all(p["demo"] for p in projects)


def test_the_steckbrief_edit_form_adds_a_partner_organisation(site, exchange_dir, client, django_user_model):
    """The inline panel sits in the edit form (at most 30) and saves what the editor typed."""
    from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

    from tests.editor.test_steckbrief_editor import form_data

    import_files([write_bundle(exchange_dir, with_partners(PARTNERS[:1]))])
    project = ProjectPage.objects.get(external_id=PROJECT_ID)
    client.force_login(django_user_model.objects.create_superuser("redaktion", "r@example.org", "geheim"))
    url = f"/admin/pages/{project.pk}/edit/"
    html = client.get(url).content.decode()
    assert "Partnerorganisationen" in html and "Stadtwerke Nordlichtheim GmbH" in html
    data = form_data(html)
    assert data["partner_organisations-MAX_NUM_FORMS"] == "30"
    data.update(nested_form_data({"body": streamfield([])}))
    data.update(problem=rich_text("<p>Problem</p>"), solution=rich_text("<p>Lösung</p>"))
    data.update(
        {
            "partner_organisations-TOTAL_FORMS": "2",
            "partner_organisations-1-name": "Hochschule Sternwarte",
            "partner_organisations-1-type": "wissenschaft",
            "partner_organisations-1-role": "Evaluation",
            "partner_organisations-1-ORDER": "2",
            "partner_organisations-1-id": "",
            "action-publish": "publish",
        }
    )
    assert client.post(url, data).status_code == 302
    assert stored() == [PARTNERS[0], {"name": "Hochschule Sternwarte", "type": "wissenschaft", "role": "Evaluation"}]


def test_the_schema_offers_exactly_the_models_partner_types():
    """The exchange format's enum and the model's choices are one list: a new type needs both."""
    from cms.exchange.validation import schema
    from cms.projects.models import PartnerType, ProjectPartnerOrganisation

    def find(value):
        if isinstance(value, dict):
            if "partner_organisations" in value.get("properties", {}):
                return value["properties"]["partner_organisations"]
            for child in value.values():
                if (found := find(child)) is not None:
                    return found
        elif isinstance(value, list):
            for child in value:
                if (found := find(child)) is not None:
                    return found
        return None

    partner = find(schema())["items"]["properties"]
    assert partner["type"]["enum"] == list(PartnerType.values)
    assert partner["type"]["maxLength"] == ProjectPartnerOrganisation._meta.get_field("type").max_length
    assert partner["name"]["maxLength"] == ProjectPartnerOrganisation._meta.get_field("name").max_length
