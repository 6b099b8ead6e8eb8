"""A project's detail carries everything public in its Steckbrief, its reports and every indicator.

And nothing private: never the contact person's name or e-mail address. The last tests keep the
API and the exchange format from drifting apart: a field the exporter writes must be in the
API's schema or in the commented exclusion list of cms/projects/api.py.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from cms.exchange.exporter import Exporter
from cms.projects.api import (
    EXCHANGE_FIELDS_NOT_IN_API,
    EXCHANGE_FIELDS_RENAMED,
    EXCHANGE_REPORT_FIELDS_NOT_IN_API,
    ProjectOut,
    ReportOut,
)
from cms.projects.models import EvaluationReportPage, ProjectPage

from .dataset import CONTACT_SECRETS, INDICATORS, ApiTestCase


def missing_fields(record: dict, schema, excluded: dict[str, str]) -> list[str]:
    """Fields of an exchange record (one level into objects) neither in ``schema`` nor in ``excluded``."""
    fields = schema.model_fields
    missing = []
    for key, value in record.items():
        name = EXCHANGE_FIELDS_RENAMED.get(key, key)
        if isinstance(value, dict):
            for sub in value:
                dotted = f"{key}.{sub}"
                nested = fields[name].annotation if name in fields else None
                if dotted not in excluded and not (nested is not None and sub in nested.model_fields):
                    missing.append(dotted)
        elif name not in fields and key not in excluded:
            missing.append(key)
    return missing


class ProjectDetailTests(ApiTestCase):
    def test_detail_carries_costs_dates_status_and_every_indicator(self):
        data = self.get_json(f"/api/v1/projekte/{self.ids.project}")
        self.assertEqual(data["id"], self.ids.project)
        self.assertEqual(data["external_id"], "projekt-test-laternen")
        self.assertEqual(data["budget_eur"], 180000)
        self.assertEqual(data["funding_eur"], 120000)
        self.assertEqual(data["funding_programme"], "Kommunalrichtlinie")
        self.assertEqual(data["running_costs_eur_per_year"], 4500.5)
        self.assertEqual(data["staff_effort_person_months"], 6.5)
        for key in ("budget_eur", "funding_eur", "running_costs_eur_per_year", "staff_effort_person_months"):
            self.assertIsInstance(data[key], float, key)  # numbers, never strings
        self.assertEqual((data["start_date"], data["end_date"]), ("2021-04-01", "2023-03-31"))
        self.assertEqual((data["status"], data["status_label"]), ("regelbetrieb", "Regelbetrieb"))

        evaluations = [r for r in data["reports"] if r["type"] == "evaluationsbericht"]
        self.assertEqual([r["id"] for r in evaluations], [self.ids.evaluation])  # not the draft evaluation
        evaluation = evaluations[0]
        self.assertEqual(evaluation["goal_attainment"], "erreicht")
        self.assertEqual(evaluation["goal_attainment_label"], "Ziele erreicht")
        expected = [
            {key: item.get(key) for key in ("name", "unit", "baseline", "target", "measured", "measured_on")}
            for item in INDICATORS
        ]
        actual = [
            {key: item[key] for key in ("name", "unit", "baseline", "target", "measured", "measured_on")}
            for item in evaluation["indicators"]
        ]
        self.assertEqual(actual, expected)
        self.assertEqual([i["attained"] for i in evaluation["indicators"]], [True, False, None])
        self.assertEqual([r["id"] for r in data["reports"]], [self.ids.experience, self.ids.evaluation])  # newest first

    def test_detail_names_terms_municipalities_and_lineage(self):
        data = self.get_json(f"/api/v1/projekte/{self.ids.project}")
        self.assertEqual([t["code"] for t in data["guidelines"]], ["1.2", "3.3"])
        self.assertTrue(
            all(
                t["title"]
                for key in ("guidelines", "leitbild", "recommendations", "actors", "action_fields")
                for t in data[key]
            )
        )
        self.assertEqual(data["recommendations"][0]["code"], "f")
        self.assertEqual(data["tags"], ["LoRaWAN", "Straßenbeleuchtung"])
        self.assertEqual(data["lead_municipality"]["ags"], "09187128")
        self.assertEqual(data["lead_municipality"]["name"], "Bad Endorf")
        self.assertEqual([m["ags"] for m in data["partner_municipalities"]], ["07140501"])
        # Adapted by the public München project only: not by the draft nor the restricted one.
        self.assertEqual([p["id"] for p in data["adapted_by"]], [self.ids.grossstadt])
        self.assertEqual(data["adapted_by"][0]["note"], "Größer, mit Betriebshof.")
        adapted = self.get_json(f"/api/v1/projekte/{self.ids.grossstadt}")
        self.assertEqual([p["external_id"] for p in adapted["adapted_from"]], ["projekt-test-laternen"])
        self.assertEqual(data["datasets"][0]["url"], "https://daten.example.org/laternen")
        self.assertEqual((data["open_source_license"], data["repository_url"][:8]), ("EUPL-1.2", "https://"))
        self.assertEqual(data["licence"]["short_name"], "CC BY 4.0")
        self.assertEqual(data["url"], "http://testserver" + ProjectPage.objects.get(pk=self.ids.project).url)

    def test_contact_role_but_never_the_person(self):
        response = self.client.get(f"/api/v1/projekte/{self.ids.project}")
        data = response.json()
        self.assertEqual(data["contact"]["role"], "Klimaschutzmanagerin")
        self.assertEqual(data["contact"]["form_url"], f"http://testserver/kontakt/projekt/{self.ids.project}/")
        self.assertEqual(set(data["contact"]), {"role", "form_url"})
        for secret in CONTACT_SECRETS:
            self.assertNotIn(secret, response.content.decode())

    def test_report_detail_names_its_project(self):
        data = self.get_json(f"/api/v1/berichte/{self.ids.evaluation}")
        self.assertEqual((data["id"], data["external_id"]), (self.ids.evaluation, "bericht-test-evaluation"))
        self.assertEqual(data["project"]["id"], self.ids.project)
        self.assertEqual(len(data["indicators"]), len(INDICATORS))
        self.assertEqual(data["licence"]["code"], "cc-by-4.0")
        experience = self.get_json(f"/api/v1/berichte/{self.ids.experience}")
        self.assertEqual((experience["type"], experience["indicators"]), ("erfahrungsbericht", []))

    def test_municipality_detail_lists_its_public_projects(self):
        data = self.get_json("/api/v1/kommunen/09187128")
        self.assertEqual((data["name"], data["population"] > 0, data["district_ags"]), ("Bad Endorf", True, "09187"))
        self.assertEqual([(p["id"], p["role"]) for p in data["projects"]], [(self.ids.project, "lead")])
        self.assertEqual(data["page"]["external_id"], "kommune-09187128")
        self.assertEqual(data["source"]["licence"]["short_name"], "dl-de/by-2-0")
        self.assertIn("Destatis", data["source"]["attribution"])
        partner = self.get_json("/api/v1/kommunen/07140501")
        self.assertEqual([(p["id"], p["role"]) for p in partner["projects"]], [(self.ids.project, "partner")])
        # Every municipality of the registry answers, with or without projects.
        self.assertEqual(self.get_json("/api/v1/kommunen/12073069")["projects"], [])

    def test_every_public_exchange_field_is_in_the_api_or_excluded_on_purpose(self):
        with tempfile.TemporaryDirectory() as tmp:
            exporter = Exporter(Path(tmp) / "export.json")
            record = exporter.project(ProjectPage.objects.get(pk=self.ids.project))
            report = exporter.report(EvaluationReportPage.objects.get(pk=self.ids.evaluation))
        self.assertEqual(missing_fields(record, ProjectOut, EXCHANGE_FIELDS_NOT_IN_API), [])
        self.assertEqual(missing_fields(report, ReportOut, EXCHANGE_REPORT_FIELDS_NOT_IN_API), [])
        # The exclusions name real exchange fields (a renamed or dropped field must leave the list too).
        for name in EXCHANGE_FIELDS_NOT_IN_API:
            key, _, sub = name.partition(".")
            self.assertIn(key, record)
            if sub:
                self.assertIn(sub, record[key])
        self.assertLessEqual(set(EXCHANGE_REPORT_FIELDS_NOT_IN_API), set(report))

    def test_the_drift_check_notices_a_new_exchange_field(self):
        record = {"id": "x", "title": "t", "new_cost_field": 1, "contact": {"role": "r", "phone": "0"}}
        self.assertEqual(
            missing_fields(record, ProjectOut, EXCHANGE_FIELDS_NOT_IN_API), ["new_cost_field", "contact.phone"]
        )
