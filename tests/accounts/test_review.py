"""The editorial team ("Redaktion") and the review workflow "Redaktionelle Prüfung".

Submit → review → publish, or back to the author with a comment; only published content is
public and in the search index; revision history, preview and scheduled publishing keep
working inside the workflow.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from unittest import mock

from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page, TaskState, WorkflowState

from cms.accounts.roles import REVIEW_TASK, REVIEW_WORKFLOW
from cms.projects.models import EvaluationReportPage, ExperienceReportPage, ProjectPage
from registry.models import Guideline
from search.engines import reset_engine
from search.engines.embedded import EmbeddedEngine
from search.query import SearchRequest
from search.sync import drain

from . import forms
from .base import RolesTestCase


class ReviewTestCase(RolesTestCase):
    """Each test gets its own embedded search index; ``drain()`` applies the outbox to it
    (a TestCase never commits, so the on-commit drain of real requests does not run)."""

    def setUp(self):
        self.index_dir = Path(tempfile.mkdtemp(prefix="accounts-index-"))
        self.engine = EmbeddedEngine(path=self.index_dir)
        reset_engine(self.engine)
        drain()

    def tearDown(self):
        reset_engine(None)
        shutil.rmtree(self.index_dir, ignore_errors=True)

    def found(self, text: str) -> list[str]:
        drain()
        return [hit.source["title"] for hit in self.engine.search(SearchRequest(text=text)).hits]

    def submit_new_project(self, title="Bürgerbus Bad Endorf", slug="buergerbus", **overrides) -> ProjectPage:
        self.client.force_login(self.kommune_a)
        create = self.url("add", "projects", "projectpage", self.muni_a.pk)
        response = self.client.post(create, forms.steckbrief(title, slug, **overrides) | forms.SUBMIT)
        self.assertEqual(response.status_code, 302)
        # The slug field is hidden from municipal editors: Wagtail derives the slug from the title.
        return ProjectPage.objects.get(title=title)

    def workflow_action(self, page, action, **data):
        task_state = page.current_workflow_state.current_task_state
        return self.client.post(self.url("workflow_action", page.pk, action, task_state.pk), data)


class WorkflowSetupTests(ReviewTestCase):
    def test_whole_site_is_under_review(self):
        for page in (self.project_a, self.muni_a, self.evaluation_a, self.guide, self.checklist, self.kommunen):
            workflow = page.get_workflow()
            self.assertEqual(workflow.name, REVIEW_WORKFLOW)
        task = workflow.tasks.get().specific
        self.assertEqual(task.name, REVIEW_TASK)
        self.assertEqual([g.name for g in task.groups.all()], ["Redaktion"])


class ModeratorTests(ReviewTestCase):
    def test_approves_a_submitted_page(self):
        project = self.submit_new_project()
        self.client.logout()
        self.assertEqual(self.client.get(f"{self.muni_a.url}{project.slug}/").status_code, 404)
        self.assertNotIn("Bürgerbus Bad Endorf", self.found("Bürgerbus"))

        self.client.force_login(self.redakteur)
        # The dashboard lists what awaits review.
        self.assertContains(self.client.get("/admin/"), "Bürgerbus Bad Endorf")
        self.assertEqual(self.client.get(self.url("edit", project.pk)).status_code, 200)
        response = self.workflow_action(project, "approve")
        self.assertEqual(response.status_code, 302)

        project.refresh_from_db()
        self.assertTrue(project.live)
        self.assertEqual(project.workflow_states.get().status, WorkflowState.STATUS_APPROVED)
        self.client.logout()
        public = self.client.get(project.url)
        self.assertContains(public, "Bürgerbus Bad Endorf")
        self.assertIn("Bürgerbus Bad Endorf", self.found("Bürgerbus"))

    def test_rejects_with_a_comment_the_author_sees(self):
        project = self.submit_new_project()
        self.client.force_login(self.redakteur)
        comment = "Bitte die laufenden Kosten begründen."
        self.assertEqual(self.workflow_action(project, "reject", comment=comment).status_code, 302)

        project.refresh_from_db()
        self.assertFalse(project.live)
        state = project.workflow_states.get()
        self.assertEqual(state.status, WorkflowState.STATUS_NEEDS_CHANGES)
        task_state = TaskState.objects.get(workflow_state=state)
        self.assertEqual(task_state.status, TaskState.STATUS_REJECTED)
        self.assertEqual(task_state.comment, comment)
        self.assertEqual(task_state.finished_by, self.redakteur)
        # The author is told by mail and sees the comment in the editor and the history.
        self.assertTrue(any(self.kommune_a.email in m.to and comment in m.body for m in mail.outbox))
        self.client.force_login(self.kommune_a)
        edit = self.client.get(self.url("edit", project.pk))
        self.assertContains(edit, comment)
        self.assertContains(edit, "Erneut zur Prüfung einreichen")
        history = self.client.get(reverse("wagtailadmin_pages:workflow_history_detail", args=[project.pk, state.pk]))
        self.assertContains(history, comment)

        # Resubmitted, approved, live.
        data = forms.steckbrief("Bürgerbus Bad Endorf", "buergerbus", lessons_learned="Begründet.") | forms.SUBMIT
        self.assertEqual(self.client.post(self.url("edit", project.pk), data).status_code, 302)
        project.refresh_from_db()
        self.assertEqual(project.current_workflow_state.status, WorkflowState.STATUS_IN_PROGRESS)
        self.client.force_login(self.redakteur)
        self.workflow_action(project, "approve")
        project.refresh_from_db()
        self.assertTrue(project.live)
        self.assertEqual(project.lessons_learned, "Begründet.")

    def test_publishes_unpublishes_deletes_and_locks_anywhere(self):
        self.client.force_login(self.redakteur)
        data = forms.steckbrief("Digitales Rathaus Boppard", self.project_b.slug, summary="Korrigiert.") | forms.PUBLISH
        self.assertEqual(self.client.post(self.url("edit", self.project_b.pk), data).status_code, 302)
        self.assertEqual(ProjectPage.objects.get(pk=self.project_b.pk).summary, "Korrigiert.")

        self.assertEqual(self.client.post(self.url("lock", self.project_a.pk)).status_code, 302)
        self.assertTrue(Page.objects.get(pk=self.project_a.pk).locked)

        self.assertEqual(self.client.post(self.url("unpublish", self.experience_b.pk)).status_code, 302)
        self.assertFalse(Page.objects.get(pk=self.experience_b.pk).live)
        self.assertEqual(self.client.post(self.url("delete", self.experience_b.pk)).status_code, 302)
        self.assertFalse(ExperienceReportPage.objects.filter(pk=self.experience_b.pk).exists())

        # Researchers' content too.
        self.assertEqual(self.client.get(self.url("edit", self.evaluation_a.pk)).status_code, 200)

    def test_manages_taxonomy_snippets_and_municipal_editors_cannot(self):
        guideline = Guideline.objects.get(code="1.1")
        edit = reverse("wagtailsnippets_registry_guideline:edit", args=[guideline.pk])
        data = {
            "code": guideline.code,
            "title": guideline.title,
            "scope": guideline.scope,
            "description": "Neu erläutert.",
            "sort_order": str(guideline.sort_order),
            "parent": str(guideline.parent_id),
        }

        self.client.force_login(self.kommune_a)
        self.assertWagtailDenied(self.client.get(edit))
        self.assertWagtailDenied(self.client.post(edit, data))
        self.assertNotEqual(Guideline.objects.get(pk=guideline.pk).description, "Neu erläutert.")
        self.client.force_login(self.forscher)
        self.assertWagtailDenied(self.client.post(edit, data))

        self.client.force_login(self.redakteur)
        self.assertEqual(self.client.get(edit).status_code, 200)
        self.assertEqual(self.client.post(edit, data).status_code, 302)
        self.assertEqual(Guideline.objects.get(pk=guideline.pk).description, "Neu erläutert.")


class VisibilityTests(ReviewTestCase):
    def test_unreviewed_change_is_neither_public_nor_indexed(self):
        old_summary = self.project_a.summary
        self.assertEqual(self.found("Laternenfernsteuerung"), [])
        self.client.force_login(self.kommune_a)
        data = forms.steckbrief(
            "Fernwartung der Straßenbeleuchtung", self.project_a.slug, summary="Jetzt mit Laternenfernsteuerung."
        )
        self.client.post(self.url("edit", self.project_a.pk), data | forms.SUBMIT)
        self.assertTrue(ProjectPage.objects.get(pk=self.project_a.pk).workflow_in_progress)

        self.client.logout()
        public = self.client.get(self.project_a.url)
        self.assertContains(public, old_summary)
        self.assertNotContains(public, "Laternenfernsteuerung")
        self.assertEqual(self.found("Laternenfernsteuerung"), [])

        self.client.force_login(self.redakteur)
        self.workflow_action(ProjectPage.objects.get(pk=self.project_a.pk), "approve")
        self.client.logout()
        self.assertContains(self.client.get(self.project_a.url), "Laternenfernsteuerung")
        self.assertEqual(self.found("Laternenfernsteuerung"), ["Fernwartung der Straßenbeleuchtung"])

    def test_submitted_evaluation_report_is_not_public_until_approved(self):
        self.client.force_login(self.forscher)
        create = self.url("add", "projects", "evaluationreportpage", self.project_b.pk)
        data = forms.evaluation_report("Evaluation Rathaus", "evaluation-rathaus") | forms.SUBMIT
        self.client.post(create, data)
        report = EvaluationReportPage.objects.get(title="Evaluation Rathaus")
        self.client.logout()
        self.assertEqual(self.client.get(f"{self.project_b.url}{report.slug}/").status_code, 404)
        self.assertNotContains(self.client.get(self.project_b.url), "Evaluation Rathaus")
        self.assertEqual(self.found("Evaluation Rathaus"), [])
        self.client.force_login(self.redakteur)
        self.workflow_action(report, "approve")
        self.client.logout()
        self.assertContains(self.client.get(self.project_b.url), "Evaluation Rathaus")

    def test_revisions_and_preview_work_for_the_author(self):
        project = self.submit_new_project()
        history = self.client.get(self.url("history", project.pk))
        self.assertContains(history, "„Redaktionelle Prüfung“ gestartet")
        revision = project.latest_revision
        self.assertContains(
            self.client.get(self.url("revisions_view", project.pk, revision.pk)), "Bürgerbus Bad Endorf"
        )
        preview = self.url("preview_on_edit", project.pk)
        data = forms.steckbrief("Bürgerbus Bad Endorf", "buergerbus")
        self.assertJSONEqual(self.client.post(preview, data).content, {"is_valid": True, "is_available": True})
        response = self.client.get(preview)
        self.assertContains(response, "Bürgerbus Bad Endorf")
        # X_FRAME_OPTIONS is DENY site-wide; Wagtail lets its preview panel frame this view.
        self.assertEqual(response["X-Frame-Options"], "SAMEORIGIN")

    def test_scheduled_publishing_after_approval(self):
        go_live = timezone.localtime() + timedelta(days=2)
        project = self.submit_new_project(go_live_at=go_live.strftime("%Y-%m-%d %H:%M"))
        self.client.force_login(self.redakteur)
        self.workflow_action(project, "approve")
        project.refresh_from_db()
        self.assertFalse(project.live)  # approved, waiting for its date
        revision = project.scheduled_revision
        self.assertIsNotNone(revision.approved_go_live_at)
        self.assertNotIn("Bürgerbus Bad Endorf", self.found("Bürgerbus"))

        three_days_later = timezone.now() + timedelta(days=3)
        with mock.patch("django.utils.timezone.now", return_value=three_days_later):
            call_command("publish_scheduled")
        project.refresh_from_db()
        self.assertTrue(project.live)
        self.assertIn("Bürgerbus Bad Endorf", self.found("Bürgerbus"))
