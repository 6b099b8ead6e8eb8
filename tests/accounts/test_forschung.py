"""Researchers ("Forschung"), through the admin views over HTTP.

They hold Wagtail's add permission on "Kommunen" (to add evaluation reports under any
project) and add/edit on "Wissen"; the hooks narrow the former to evaluation reports.
"""

from __future__ import annotations

from wagtail.models import Page

from cms.accounts import policy
from cms.knowledge.models import ChecklistPage, GuidePage
from cms.projects.models import EvaluationReportPage, ProjectPage

from . import forms
from .base import RolesTestCase
from .test_kommune import snapshot


class ResearchTests(RolesTestCase):
    def setUp(self):
        self.login(self.forscher)

    def create_evaluation(self, project, slug):
        create = self.url("add", "projects", "evaluationreportpage", project.pk)
        return self.client.post(create, forms.evaluation_report(f"Evaluation {slug}", slug) | forms.SUBMIT)

    def test_creates_evaluation_reports_under_any_project(self):
        for project, slug in ((self.project_a, "evaluation-a"), (self.project_b, "evaluation-b")):
            self.assertEqual(self.create_evaluation(project, slug).status_code, 302)
            report = EvaluationReportPage.objects.get(title=f"Evaluation {slug}")
            self.assertEqual(report.get_parent().pk, project.pk)
            self.assertEqual(report.owner, self.forscher)
            self.assertFalse(report.live)
            self.assertTrue(report.workflow_in_progress)
            self.assertEqual([i.name for i in report.get_latest_revision_as_object().indicators.all()], ["Wartezeit"])

    def test_edits_own_evaluation_reports_only(self):
        self.create_evaluation(self.project_a, "eigene")
        own = EvaluationReportPage.objects.get(title="Evaluation eigene")
        self.assertEqual(self.client.get(self.url("edit", own.pk)).status_code, 200)
        # Someone else's (imported, or another researcher's): Wagtail's "add" only covers own pages.
        self.assertWagtailDenied(self.client.get(self.url("edit", self.evaluation_a.pk)))
        self.client.force_login(self.forscher2)
        self.assertWagtailDenied(self.client.get(self.url("edit", own.pk)))

    def test_creates_guides_under_wissen(self):
        create = self.url("add", "knowledge", "guidepage", self.wissen.pk)
        self.assertEqual(
            self.client.post(create, forms.guide("Leitfaden Bürgerbus", "buergerbus") | forms.SUBMIT).status_code, 302
        )
        guide = GuidePage.objects.get(title="Leitfaden Bürgerbus")
        self.assertEqual(guide.get_parent().pk, self.wissen.pk)
        self.assertTrue(guide.workflow_in_progress)
        self.assertEqual(guide.get_latest_revision_as_object().sections[0].value["heading"], "Vorbereitung")

    def test_creates_a_pruefraster_under_wissen(self):
        create = self.url("add", "knowledge", "checklistpage", self.wissen.pk)
        data = forms.checklist("Prüfraster Bürgerbus", "pruefraster-buergerbus") | forms.SUBMIT
        self.assertEqual(self.client.post(create, data).status_code, 302)
        checklist = ChecklistPage.objects.get(title="Prüfraster Bürgerbus")
        draft = checklist.get_latest_revision_as_object()
        self.assertTrue(draft.is_pruefraster)
        self.assertEqual(draft.items[0].value["text"], "Bedarf belegt?")
        self.assertTrue(checklist.workflow_in_progress)

    def test_edits_existing_guides_and_checklists_but_cannot_publish(self):
        for page in (self.guide, self.checklist):
            self.assertEqual(self.client.get(self.url("edit", page.pk)).status_code, 200)
        data = forms.guide("Leitfaden Laternen (überarbeitet)", self.guide.slug) | forms.PUBLISH
        self.assertEqual(self.client.post(self.url("edit", self.guide.pk), data).status_code, 302)
        guide = GuidePage.objects.get(pk=self.guide.pk)
        self.assertEqual(guide.title, "Leitfaden Laternen")  # live version unchanged
        self.assertTrue(guide.has_unpublished_changes)

    def test_cannot_edit_project_descriptions_profiles_or_experience_reports(self):
        before = [snapshot(p) for p in (self.project_a, self.muni_a, self.experience_a)]
        for page in (self.project_a, self.muni_a, self.experience_a):
            self.assertWagtailDenied(self.client.get(self.url("edit", page.pk)))
        data = forms.steckbrief("Umgeschrieben", self.project_a.slug) | forms.SUBMIT
        self.assertWagtailDenied(self.client.post(self.url("edit", self.project_a.pk), data))
        self.assertEqual([snapshot(p) for p in (self.project_a, self.muni_a, self.experience_a)], before)

    def test_cannot_create_projects_or_experience_reports(self):
        count = Page.objects.count()
        create_project = self.url("add", "projects", "projectpage", self.muni_a.pk)
        self.assertHookDenied(self.client.get(create_project), policy.NOT_YOUR_AREA)
        data = forms.steckbrief("Forschungsprojekt", "forschungsprojekt") | forms.SUBMIT
        self.assertHookDenied(self.client.post(create_project, data), policy.NOT_YOUR_AREA)
        create_report = self.url("add", "projects", "experiencereportpage", self.project_a.pk)
        data = forms.experience_report("Erfahrung", "erfahrung") | forms.SUBMIT
        self.assertHookDenied(self.client.post(create_report, data), policy.NOT_YOUR_AREA)
        self.assertEqual(Page.objects.count(), count)
        self.assertFalse(ProjectPage.objects.filter(slug="forschungsprojekt").exists())

    def test_cannot_create_municipalities_or_misplace_page_types(self):
        self.assertHookDenied(
            self.client.get(self.url("add", "projects", "municipalitypage", self.kommunen.pk)),
            policy.NEW_MUNICIPALITY_ONLY_EDITORIAL,
        )
        self.assertHookDenied(
            self.client.get(self.url("add", "projects", "municipalitypage", self.wissen.pk)),
            policy.MUNICIPAL_IN_KOMMUNEN,
        )
        self.assertHookDenied(
            self.client.get(self.url("add", "knowledge", "guidepage", self.kommunen.pk)), policy.KNOWLEDGE_IN_WISSEN
        )

    def test_cannot_edit_the_section_page_itself(self):
        before = snapshot(self.wissen)
        self.assertHookDenied(self.client.get(self.url("edit", self.wissen.pk)), policy.STRUCTURE_ONLY_EDITORIAL)
        self.assertHookDenied(
            self.client.post(self.url("edit", self.wissen.pk), {"title": "Forschung", "slug": "wissen", "intro": ""}),
            policy.STRUCTURE_ONLY_EDITORIAL,
        )
        self.assertEqual(snapshot(self.wissen), before)

    def test_moves_own_report_between_projects_but_cannot_copy_projects(self):
        self.create_evaluation(self.project_a, "wandernd")
        report = EvaluationReportPage.objects.get(title="Evaluation wandernd")
        # Moving an own draft to another project is fine (add rights there, still under a project) …
        self.assertEqual(self.client.get(self.url("move_confirm", report.pk, self.project_b.pk)).status_code, 200)
        # … copying a municipality's project is not: Wagtail's can_copy is can_edit.
        self.assertWagtailDenied(self.client.get(self.url("copy", self.project_a.pk)))
