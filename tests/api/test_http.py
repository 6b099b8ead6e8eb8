"""HTTP around the API: ETag and 304, Cache-Control, CORS, methods, problem documents, rate limit."""

from __future__ import annotations

from django.core.cache import cache
from django.test import override_settings
from django.utils.html import escape

from cms.projects.models import ProjectPage

from .dataset import ApiTestCase

PROBLEM = "application/problem+json"


class CachingTests(ApiTestCase):
    def test_etag_and_304(self):
        for url in (f"/api/v1/projekte/{self.ids.project}", "/api/v1/taxonomie/", "/api/v1/search/?q=Laternen"):
            with self.subTest(url=url):
                first = self.client.get(url)
                self.assertEqual(first.status_code, 200)
                etag = first["ETag"]
                self.assertRegex(etag, r'^(W/)?"[0-9a-f]{32}"$')
                self.assertEqual(first["Cache-Control"], "public, max-age=60")
                # The same answer for everyone: no cookie set and none that it depends on.
                self.assertNotIn("cookie", first.get("Vary", "").lower())
                self.assertFalse(first.cookies)
                again = self.client.get(url, headers={"If-None-Match": etag})
                self.assertEqual(again.status_code, 304)
                self.assertEqual(again.content, b"")
                self.assertEqual(again["ETag"], etag)
                self.assertEqual(again["Access-Control-Allow-Origin"], "*")
                other = self.client.get(url, headers={"If-None-Match": '"0123"'})
                self.assertEqual(other.status_code, 200)

    def test_search_etag_ignores_the_duration_but_not_the_results(self):
        """``took_ms`` changes with every request; the ETag follows the results alone."""
        one = self.client.get("/api/v1/search/?q=Laternen")
        two = self.client.get("/api/v1/search/?q=Laternen")
        self.assertTrue(one["ETag"].startswith('W/"'))
        self.assertEqual(one["ETag"], two["ETag"])
        self.assertNotEqual(one["ETag"], self.client.get("/api/v1/search/?q=Laternen&page_size=1")["ETag"])

    def test_a_change_changes_the_etag(self):
        url = f"/api/v1/projekte/{self.ids.project}"
        before = self.client.get(url)["ETag"]
        ProjectPage.objects.filter(pk=self.ids.project).update(funding_programme="Anderes Programm")
        after = self.client.get(url, headers={"If-None-Match": before})
        self.assertEqual(after.status_code, 200)
        self.assertEqual(after.json()["funding_programme"], "Anderes Programm")

    @override_settings(PAGE_CACHE_ENABLED=True)
    def test_the_page_cache_never_answers_for_the_api(self):
        """The anonymous page cache (cms.core.pagecache) skips /api/: a change shows at once."""
        url = f"/api/v1/projekte/{self.ids.project}"
        self.assertEqual(self.client.get(url).json()["budget_eur"], 180000)
        ProjectPage.objects.filter(pk=self.ids.project).update(budget_eur=99)
        self.assertEqual(self.client.get(url).json()["budget_eur"], 99)

    def test_errors_are_not_cached(self):
        response = self.client.get("/api/v1/projekte/2147483647")
        self.assertEqual(response["Cache-Control"], "no-store")
        self.assertFalse(response.has_header("ETag"))


class CorsAndMethodTests(ApiTestCase):
    def test_get_allows_any_origin(self):
        response = self.client.get("/api/v1/taxonomie/", headers={"Origin": "https://kommune.example"})
        self.assertEqual(response["Access-Control-Allow-Origin"], "*")
        self.assertIn("ETag", response["Access-Control-Expose-Headers"])
        self.assertIn("Retry-After", response["Access-Control-Expose-Headers"])
        self.assertFalse(response.has_header("Access-Control-Allow-Credentials"))
        self.assertFalse(response.cookies)

    def test_preflight_is_answered(self):
        for url in ("/api/v1/search/", f"/api/v1/projekte/{self.ids.project}", "/api/v1/openapi.json"):
            response = self.client.options(
                url,
                headers={
                    "Origin": "https://kommune.example",
                    "Access-Control-Request-Method": "GET",
                    "Access-Control-Request-Headers": "if-none-match",
                },
            )
            self.assertEqual(response.status_code, 204, url)
            self.assertEqual(response["Access-Control-Allow-Origin"], "*")
            self.assertEqual(response["Access-Control-Allow-Methods"], "GET, HEAD, OPTIONS")
            self.assertIn("If-None-Match", response["Access-Control-Allow-Headers"])
            self.assertEqual(response["Access-Control-Max-Age"], "86400")

    def test_head_is_get_without_a_body(self):
        get = self.client.get("/api/v1/taxonomie/")
        head = self.client.head("/api/v1/taxonomie/")
        self.assertEqual(head.status_code, 200)
        self.assertEqual(head.content, b"")
        self.assertEqual(head["ETag"], get["ETag"])

    def test_writing_methods_are_405_problems(self):
        for method in ("post", "put", "patch", "delete"):
            for url in ("/api/v1/search/", f"/api/v1/projekte/{self.ids.project}", "/api/v1/openapi.json", "/api/v1/x"):
                with self.subTest(method=method, url=url):
                    response = getattr(self.client, method)(url, data="{}", content_type="application/json")
                    self.assertEqual(response.status_code, 405)
                    self.assertEqual(response["Content-Type"], PROBLEM)
                    self.assertEqual(response["Allow"], "GET, HEAD, OPTIONS")
                    problem = response.json()
                    self.assertEqual((problem["status"], problem["title"]), (405, "Methode nicht erlaubt"))
                    self.assertIn(method.upper(), problem["detail"])


class ProblemTests(ApiTestCase):
    def test_invalid_parameters_are_a_400_problem_with_errors(self):
        problem = self.get_json("/api/v1/search/?page=zwei&size_class=riesig&sort=x", status=400)
        self.assertEqual(problem["title"], "Ungültige Anfrage")
        self.assertEqual(problem["status"], 400)
        self.assertEqual(problem["instance"], "/api/v1/search/")
        self.assertEqual(problem["message"], "Ungültige Anfrage.")  # the member the old endpoints sent
        self.assertEqual(set(problem["errors"]), {"page", "size_class", "sort"})
        self.assertEqual(problem["errors"]["page"], "„zwei“ ist keine ganze Zahl.")
        self.assertIn("page", problem["detail"])

    def test_the_same_messages_as_the_search_page(self):
        for query in ("page=0", "page_size=5000", "kommune=123", "sort=passend", "q=" + "x" * 501):
            with self.subTest(query):
                problem = self.get_json(f"/api/v1/projekte/?{query}", status=400)
                page = self.client.get(f"/suche/?{query}").content.decode()
                self.assertTrue(problem["errors"])
                for message in problem["errors"].values():
                    self.assertIn(escape(message), page)

    def test_unknown_addresses_are_404_problems(self):
        for url in ("/api/v1/gibt-es-nicht", "/api/v1/projekte/abc", "/api/v1/projekte/-1", "/api/v1/v2/search/"):
            with self.subTest(url=url):
                problem = self.get_json(url, status=404)
                self.assertEqual(problem["title"], "Nicht gefunden")
                self.assertTrue(problem["detail"])

    def test_a_missing_slash_redirects(self):
        response = self.client.get("/api/v1/search?q=Laternen")
        self.assertEqual(response.status_code, 301)
        self.assertEqual(response["Location"], "/api/v1/search/?q=Laternen")

    def test_unknown_municipality_is_a_404_problem(self):
        for ags in ("99999999", "123", "x" * 5000):
            problem = self.get_json(f"/api/v1/kommunen/{ags}", status=404)
            self.assertIn("Gemeindeschlüssel", problem["detail"])
            self.assertLess(len(problem["detail"]), 300)


class RateLimitTests(ApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        self.addCleanup(cache.clear)

    @override_settings(API_RATE_LIMIT="3/m")
    def test_a_client_over_the_limit_gets_429_with_retry_after(self):
        for _ in range(3):
            self.assertEqual(self.client.get("/api/v1/taxonomie/").status_code, 200)
        response = self.client.get(f"/api/v1/projekte/{self.ids.project}")
        self.assertEqual(response.status_code, 429)
        self.assertEqual(response["Content-Type"], PROBLEM)
        self.assertTrue(1 <= int(response["Retry-After"]) <= 60, response["Retry-After"])
        self.assertEqual(response["Access-Control-Allow-Origin"], "*")
        problem = response.json()
        self.assertEqual((problem["status"], problem["title"]), (429, "Zu viele Anfragen"))
        self.assertIn(response["Retry-After"], problem["detail"])
        # Another client is not affected.
        self.assertEqual(self.client.get("/api/v1/taxonomie/", REMOTE_ADDR="192.0.2.7").status_code, 200)

    @override_settings(API_RATE_LIMIT="2/m", TRUSTED_PROXY_COUNT=0)
    def test_a_forged_forwarded_for_does_not_reset_the_limit(self):
        for number in range(2):
            self.client.get("/api/v1/taxonomie/", headers={"X-Forwarded-For": f"203.0.113.{number}"})
        response = self.client.get("/api/v1/taxonomie/", headers={"X-Forwarded-For": "203.0.113.99"})
        self.assertEqual(response.status_code, 429)

    @override_settings(API_RATE_LIMIT="2/m", TRUSTED_PROXY_COUNT=1)
    def test_behind_a_proxy_the_address_it_appended_counts(self):
        # The client wrote the left entries; the proxy appended the right one.
        for forged in ("198.51.100.1", "198.51.100.2"):
            self.client.get("/api/v1/taxonomie/", headers={"X-Forwarded-For": f"{forged}, 203.0.113.5"})
        limited = self.client.get("/api/v1/taxonomie/", headers={"X-Forwarded-For": "198.51.100.3, 203.0.113.5"})
        self.assertEqual(limited.status_code, 429)
        other = self.client.get("/api/v1/taxonomie/", headers={"X-Forwarded-For": "203.0.113.6"})
        self.assertEqual(other.status_code, 200)

    @override_settings(API_RATE_LIMIT="1/m")
    def test_the_limit_stores_no_address(self):
        self.client.get("/api/v1/taxonomie/", REMOTE_ADDR="192.0.2.44")
        keys = list(cache._cache.keys())  # LocMemCache, as in the test settings
        self.assertTrue(any("api-throttle" in key for key in keys), keys)
        self.assertFalse(any("192.0.2.44" in key for key in keys), keys)
