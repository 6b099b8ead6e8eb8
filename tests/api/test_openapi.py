"""/api/v1/openapi.json is a valid OpenAPI 3 document, and the docs page shows everything in it."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

EXPECTED_PATHS = {
    "/api/v1/",
    "/api/v1/search/",
    "/api/v1/projekte/",
    "/api/v1/suggest/",
    "/api/v1/karte/",
    "/api/v1/kommunen/",
    "/api/v1/projekte/{project_id}",
    "/api/v1/berichte/{report_id}",
    "/api/v1/kommunen/{ags}",
    "/api/v1/wissen/",
    "/api/v1/taxonomie/",
}


@pytest.fixture(scope="module")
def document(django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def test_the_document_validates_as_openapi_3(document):
    validate(document)
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == EXPECTED_PATHS


def test_every_operation_is_a_documented_get_with_problem_documents(document):
    for path, operations in document["paths"].items():
        assert set(operations) == {"get"}, path
        operation = operations["get"]
        assert operation["summary"] and operation["description"] and operation["tags"], path
        responses = operation["responses"]
        assert "application/json" in responses["200"]["content"], path
        assert responses["429"] == {"$ref": "#/components/responses/TooManyRequests"}, path
        if "{" in path:
            assert responses["404"] == {"$ref": "#/components/responses/NotFound"}, path
        for parameter in operation["parameters"]:
            assert parameter.get("description"), (path, parameter["name"])
    problem = document["components"]["responses"]["BadRequest"]["content"]
    assert problem == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    assert "errors" in document["components"]["schemas"]["Problem"]["properties"]


def test_the_search_parameters_describe_the_filters(document):
    parameters = {p["name"]: p for p in document["paths"]["/api/v1/search/"]["get"]["parameters"]}
    assert {"q", "content_type", "guideline", "size_class", "state", "sort", "page", "page_size", "kommune"} <= set(
        parameters
    )
    assert parameters["page"]["schema"]["type"] == "integer" and parameters["page"]["schema"]["maximum"] == 500
    assert parameters["size_class"]["schema"]["items"]["enum"] == [
        "grossstadt",
        "mittelstadt",
        "kleinstadt",
        "landgemeinde",
    ]
    assert "content_type" not in {p["name"] for p in document["paths"]["/api/v1/projekte/"]["get"]["parameters"]}


def test_docs_page_shows_every_endpoint_parameter_and_field(client, document):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert '<html lang="de">' in html and "Programmierschnittstelle (API)" in html
    assert "<script" not in html.split("</footer>")[0].split("<main")[1]  # no script in the content
    for path, operations in document["paths"].items():
        operation = operations["get"]
        assert f'id="{operation["operationId"]}"' in html, path
        assert f"GET {path}" in html, path
        for parameter in operation["parameters"]:
            assert f"<code>{parameter['name']}</code>" in html
    # Nested response fields are listed with their path, e.g. a project's indicators.
    assert "<code>reports[].indicators[].measured</code>" in html
    assert "<code>results[].external_id</code>" in html
    assert "<code>errors</code>" in html  # the problem document's fields


def test_footer_links_to_the_docs(client):
    html = client.get("/api/v1/docs").content.decode()
    footer = html.split('<footer class="site-footer">')[1]
    assert '<a href="/api/v1/docs">Programmierschnittstelle (API)</a>' in footer
