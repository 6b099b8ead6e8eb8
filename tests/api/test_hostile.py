"""Hostile input never makes the API answer 500, and every refusal is a German problem document.

Every documented path is requested with each of its path parameters replaced by hostile values,
and with hostile values in every parameter it documents, in parameters it does not know, and
repeated. tests/test_hostile_urls.py covers the whole site the same way; this covers what is
particular to the API (its documented parameters, problem documents for every error).
"""

from __future__ import annotations

from collections import Counter

from django.core.cache import cache
from django.test import Client

from .dataset import ApiTestCase

# Already percent-encoded, as they appear in a URL.
HOSTILE = (
    "%C2%B2",  # "²": isdigit() but not int()
    "%D9%A3",  # an Arabic-Indic digit
    "9223372036854775808",  # beyond a signed 64-bit column
    "9" * 5_000,  # beyond Python's int-string conversion limit
    "-1",
    "0",
    "1.5",
    "%ff",  # invalid UTF-8
    "%00",  # NUL
    "%ED%A0%80",  # a lone surrogate
    "",
    "x" * 10_000,
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "%22%27%3B--",
)
UNKNOWN = ("format", "callback", "id", "__proto__", "limit", "offset", "page%5B%5D")
TITLES = {400: "Ungültige Anfrage", 404: "Nicht gefunden", 405: "Methode nicht erlaubt", 429: "Zu viele Anfragen"}


class HostileInputTests(ApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client = Client(raise_request_exception=False)  # an exception is the 500 it would be
        self.statuses: Counter[int] = Counter()
        self.failures: list[str] = []

    def request(self, url: str) -> None:
        response = self.client.get(url)
        self.statuses[response.status_code] += 1
        if response.status_code >= 500:
            self.failures.append(f"{response.status_code} {url[:200]}")
        elif response.status_code >= 400:
            if response["Content-Type"] != "application/problem+json":
                self.failures.append(f"{response.status_code} without a problem document: {url[:200]}")
            elif response.json()["title"] != TITLES[response.status_code]:
                self.failures.append(f"{response.status_code} with title {response.json()['title']}: {url[:200]}")

    def test_no_hostile_value_causes_a_server_error(self):
        cache.clear()
        document = self.client.get("/api/v1/openapi.json").json()
        valid = {"project_id": str(self.ids.project), "report_id": str(self.ids.evaluation), "ags": "09187128"}
        for path, operations in document["paths"].items():
            parameters = operations["get"]["parameters"]
            path_names = [p["name"] for p in parameters if p["in"] == "path"]
            query_names = [p["name"] for p in parameters if p["in"] == "query"]

            def fill(values: dict[str, str], path: str = path) -> str:
                for name, value in values.items():
                    path = path.replace("{" + name + "}", value)
                return path

            base = fill(valid)
            for name in path_names:
                for hostile in HOSTILE:
                    if hostile:  # an empty path segment is another address, covered by the catch-all
                        self.request(fill({**valid, name: hostile}))
            for hostile in HOSTILE:
                self.request(base + "?" + "&".join(f"{name}={hostile}" for name in (*query_names, *UNKNOWN)))
                for name in query_names:
                    self.request(f"{base}?{name}={hostile}")
                    self.request(f"{base}?{name}={hostile}&{name}={hostile}&{name}=1")
            self.request(base + "?" + "&".join(f"guideline={n}" for n in range(100)))
            self.request(base + "?page=500&page_size=100")
        self.assertEqual(self.failures, [], f"{len(self.failures)} failures")
        # The requests got past the 404s: parameters were read and refused, and some passed.
        self.assertGreater(self.statuses[400], 50)
        self.assertGreater(self.statuses[200], 50)
        self.assertGreater(self.statuses[404], 10)

    def test_a_huge_page_number_is_a_400_and_the_last_page_is_empty(self):
        problem = self.client.get("/api/v1/search/?page=99999999999999999999").json()
        self.assertEqual(problem["errors"]["page"], "Erlaubt sind Werte von 1 bis 500.")
        self.assertEqual(self.client.get("/api/v1/search/?page=500").json()["results"], [])

    def test_unknown_parameters_are_ignored(self):
        plain = self.client.get("/api/v1/search/?q=Laternen").json()
        extra = self.client.get("/api/v1/search/?q=Laternen&format=xml&callback=x&limit=1").json()
        self.assertEqual(plain["total"], extra["total"])

    def test_too_many_parameters_are_a_400_problem(self):
        """More than DATA_UPLOAD_MAX_NUMBER_FIELDS parameters: Django refuses, the API says so in its format."""
        response = self.client.get("/api/v1/search/?" + "&".join(f"p{n}=1" for n in range(10_500)))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response["Content-Type"], "application/problem+json")
        self.assertEqual(response.json()["title"], "Ungültige Anfrage")
