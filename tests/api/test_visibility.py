"""Drafts and pages behind a view restriction never appear in the API: not as detail, not in any list."""

from __future__ import annotations

import json

from .dataset import ApiTestCase

LISTS = [
    "/api/v1/search/?page_size=100",
    "/api/v1/search/?q=Laternen&page_size=100",
    "/api/v1/projekte/?page_size=100",
    "/api/v1/karte/",
    "/api/v1/wissen/",
    "/api/v1/kommunen/09187128",
    "/api/v1/kommunen/09162000",
    "/api/v1/kommunen/07140501",
]


class VisibilityTests(ApiTestCase):
    def hidden(self) -> dict[str, int]:
        return {
            "draft project": self.ids.draft_project,
            "restricted project": self.ids.restricted_project,
            "draft report": self.ids.draft_report,
            "restricted report": self.ids.restricted_report,
            "draft guide": self.ids.draft_guide,
        }

    def test_hidden_pages_are_not_found(self):
        for kind, page_id in self.hidden().items():
            endpoint = "projekte" if "project" in kind else "berichte"
            with self.subTest(kind):
                problem = self.get_json(f"/api/v1/{endpoint}/{page_id}", status=404)
                self.assertEqual(problem["status"], 404)
                self.assertEqual(problem["title"], "Nicht gefunden")
                self.assertIn(str(page_id), problem["detail"])
        # A report is not a project and a project is not a report.
        self.get_json(f"/api/v1/projekte/{self.ids.evaluation}", status=404)
        self.get_json(f"/api/v1/berichte/{self.ids.project}", status=404)
        self.get_json("/api/v1/projekte/2147483647", status=404)

    def test_hidden_pages_are_in_no_list(self):
        hidden = self.hidden()
        public = {self.ids.project, self.ids.grossstadt, self.ids.evaluation, self.ids.experience}
        seen: set[int] = set()
        for url in LISTS:
            with self.subTest(url=url):
                data = self.get_json(url)
                ids = set(collect_ids(data))
                seen |= ids
                self.assertFalse(ids & set(hidden.values()), url)
                body = json.dumps(data, ensure_ascii=False)
                for title in (
                    "Entwurf eines Projekts",
                    "Geschütztes Projekt",
                    "Evaluation im Entwurf",
                    "Leitfaden im Entwurf",
                ):
                    self.assertNotIn(title, body, url)
        self.assertLessEqual(public, seen)  # the lists did list the public pages

    def test_hidden_projects_are_not_in_the_lineage_or_counts(self):
        data = self.get_json(f"/api/v1/projekte/{self.ids.project}")
        self.assertEqual([p["id"] for p in data["adapted_by"]], [self.ids.grossstadt])
        search = self.get_json("/api/v1/search/?content_type=projekt")
        self.assertEqual(search["total"], 2)
        self.assertEqual({int(r["id"]) for r in search["results"]}, {self.ids.project, self.ids.grossstadt})
        laternen = next(r for r in search["results"] if int(r["id"]) == self.ids.project)
        self.assertEqual(laternen["reuse_count"], 1)


def collect_ids(value) -> list[int]:
    """Every page id in an answer: ``id`` members, as numbers or (search, map) numeric strings."""
    found: list[int] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "id" and str(item).isdigit():
                found.append(int(item))
            else:
                found += collect_ids(item)
    elif isinstance(value, list):
        for item in value:
            found += collect_ids(item)
    return found
