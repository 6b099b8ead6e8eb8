"""Contract: every path of /api/v1/openapi.json answers as documented.

Each documented path is called with valid parameters from the data set and its JSON validated
against the documented 200 schema, made strict: an object may carry only documented members,
so a field the schema does not define fails here. A new path fails until it has parameters in
PATH_PARAMETERS or QUERIES.
"""

from __future__ import annotations

import copy
from urllib.parse import urlencode

from jsonschema import Draft202012Validator

from .dataset import CONTACT_SECRETS, ApiTestCase

# Query parameters that make each list endpoint return something (every parameter is optional).
QUERIES: dict[str, list[dict[str, str]]] = {
    "/api/v1/search/": [
        {},
        {"q": "Laternen", "size_class": "kleinstadt", "page_size": "5"},
        {"kommune": "09187128", "sort": "passend"},
    ],
    "/api/v1/projekte/": [{}, {"status": "regelbetrieb", "sort": "neueste"}],
    "/api/v1/suggest/": [{"q": "Later"}],
    "/api/v1/karte/": [{}, {"size_class": "kleinstadt"}],
    "/api/v1/kommunen/": [{"q": "Bad End"}, {"q": "0918"}],
}


def strict(schema: object) -> object:
    """A copy in which every object with properties forbids members it does not list."""
    if isinstance(schema, dict):
        result = {key: strict(value) for key, value in schema.items()}
        if "properties" in result and "additionalProperties" not in result:
            result["additionalProperties"] = False
        return result
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    return schema


class ContractTests(ApiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.path_parameters = {
            "project_id": str(cls.ids.project),
            "report_id": str(cls.ids.evaluation),
            "ags": "09187128",
        }

    def setUp(self) -> None:
        super().setUp()
        self.document = self.get_json("/api/v1/openapi.json")

    def validator(self, schema: dict) -> Draft202012Validator:
        root = {**strict(schema), "components": strict(copy.deepcopy(self.document["components"]))}
        return Draft202012Validator(root)

    def urls(self, path: str) -> list[str]:
        concrete = path
        for name, value in self.path_parameters.items():
            concrete = concrete.replace("{" + name + "}", value)
        self.assertNotIn("{", concrete, f"{path}: add its path parameter to path_parameters")
        return [concrete + ("?" + urlencode(query) if query else "") for query in QUERIES.get(path, [{}])]

    def test_every_documented_path_answers_as_documented(self):
        called = 0
        for path, operations in self.document["paths"].items():
            schema = operations["get"]["responses"]["200"]["content"]["application/json"]["schema"]
            validator = self.validator(schema)
            for url in self.urls(path):
                with self.subTest(url=url):
                    response = self.client.get(url)
                    self.assertEqual(response.status_code, 200, response.content[:300])
                    self.assertEqual(response["Content-Type"], "application/json; charset=utf-8")
                    data = response.json()
                    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
                    self.assertEqual(errors, [], url)
                    body = response.content.decode()
                    for secret in CONTACT_SECRETS:
                        self.assertNotIn(secret, body, url)
                    called += 1
        self.assertGreaterEqual(called, len(self.document["paths"]))

    def test_list_endpoints_return_content(self):
        """The calls above are not vacuous: each list endpoint found something."""
        self.assertEqual(self.get_json("/api/v1/search/?q=Laternen&content_type=projekt")["total"], 2)
        self.assertEqual(self.get_json("/api/v1/projekte/")["total"], 2)
        self.assertTrue(self.get_json("/api/v1/suggest/?q=Later")["suggestions"])
        self.assertEqual(self.get_json("/api/v1/karte/")["total"], 2)
        self.assertEqual([m["ags"] for m in self.get_json("/api/v1/kommunen/?q=Bad End")["results"]], ["09187128"])
        knowledge = self.get_json("/api/v1/wissen/")
        self.assertEqual(len(knowledge["guides"]), 1)
        self.assertEqual(len(knowledge["checklists"]), 1)
        self.assertEqual(len(knowledge["checklists"][0]["items"]), 2)
        taxonomy = self.get_json("/api/v1/taxonomie/")
        self.assertTrue(all(g["children"] for g in taxonomy["guidelines"]))

    def test_search_results_keep_their_members_and_add_external_id(self):
        data = self.get_json("/api/v1/search/?q=Laternen&kommune=09187128")
        self.assertEqual(data["kommune"], {"ags": "09187128", "name": "Bad Endorf"})
        result = next(r for r in data["results"] if r["id"] == str(self.ids.project))
        self.assertEqual(result["external_id"], "projekt-test-laternen")
        self.assertTrue(result["url"].startswith("http://testserver/"))
        self.assertEqual(
            set(result),
            {
                "id",
                "external_id",
                "type",
                "type_label",
                "title",
                "url",
                "snippet",
                "municipality",
                "status",
                "status_label",
                "date",
                "reuse_count",
                "comparable",
                "comparability",
            },
        )
        # Without a municipality the comparison members are absent, as before; reports have no reuse_count.
        plain = self.get_json("/api/v1/search/?q=Evaluation&content_type=evaluationsbericht")
        self.assertNotIn("kommune", plain)
        for result in plain["results"]:
            self.assertFalse({"comparable", "comparability", "reuse_count"} & set(result))
        # A search result's id leads to the detail endpoint.
        detail = self.get_json(f"/api/v1/berichte/{plain['results'][0]['id']}")
        self.assertEqual(detail["id"], int(plain["results"][0]["id"]))

    def test_the_index_lists_every_endpoint(self):
        index = self.get_json("/api/v1/")
        self.assertEqual({e["path"] for e in index["endpoints"]}, set(self.document["paths"]))
        self.assertEqual(index["openapi"], "http://testserver/api/v1/openapi.json")
        self.assertEqual(index["documentation"], "http://testserver/api/v1/docs")
        self.assertEqual(index["licence"]["code"], "cc-by-4.0")
