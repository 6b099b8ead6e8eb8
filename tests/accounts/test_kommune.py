"""Municipality editors ("Kommune <Name>"), through the admin views over HTTP.

Two kinds of refusal, asserted precisely:
- Wagtail's own permission check fails (no rights on the subtree): Wagtail 8 redirects to the
  dashboard with "Sie haben leider keinen Zugang zu diesem Bereich." (``assertWagtailDenied``).
- Wagtail would allow it, a role rule forbids it (evaluation reports, structure pages): the
  hooks answer 403 with the reason (``assertHookDenied``).
In both cases nothing in the database changes.
"""

from __future__ import annotations

from wagtail.models import Page, WorkflowState

from cms.accounts import policy
from cms.accounts.roles import REVIEW_TASK
from cms.projects.models import EvaluationReportPage, ExperienceReportPage, MunicipalityPage, ProjectPage
from registry.models import Municipality

from . import forms
from .base import RolesTestCase


def snapshot(page: Page) -> tuple:
    page = Page.objects.get(pk=page.pk)
    return (page.title, page.live, page.path, page.has_unpublished_changes, page.latest_revision_id, page.locked)


class OtherMunicipalityTests(RolesTestCase):
    """Kommune A's editor against Kommune B's pages: every route is refused, nothing changes."""

    def setUp(self):
        self.login(self.kommune_a)
        self.pages_before = Page.objects.count()
        self.before = {p.pk: snapshot(p) for p in (self.muni_b, self.project_b, self.experience_b)}

    def tearDown(self):
        self.assertEqual(Page.objects.count(), self.pages_before)
        for pk, state in self.before.items():
            self.assertEqual(snapshot(Page.objects.get(pk=pk)), state)

    def test_edit_is_refused(self):
        self.assertWagtailDenied(self.client.get(self.url("edit", self.project_b.pk)))
        self.assertWagtailDenied(self.client.get(self.url("edit", self.muni_b.pk)))
        self.assertWagtailDenied(self.client.get(self.url("edit", self.experience_b.pk)))

    def test_edit_post_and_publish_are_refused(self):
        data = forms.steckbrief("Übernommen von A", "digitales-rathaus") | forms.PUBLISH
        self.assertWagtailDenied(self.client.post(self.url("edit", self.project_b.pk), data))
        self.assertNotEqual(ProjectPage.objects.get(pk=self.project_b.pk).title, "Übernommen von A")

    def test_bulk_publish_is_refused(self):
        """Wagtail's bulk actions skip pages without permission and report what they did."""
        response = self.client.post(f"/admin/bulk/wagtailcore/page/publish/?id={self.project_b.pk}", follow=True)
        self.assertIn("0 Seiten wurden veröffentlicht", [str(m).strip() for m in response.context["messages"]])

    def test_delete_is_refused(self):
        self.assertWagtailDenied(self.client.get(self.url("delete", self.experience_b.pk)))
        self.assertWagtailDenied(self.client.post(self.url("delete", self.experience_b.pk)))

    def test_unpublish_and_lock_are_refused(self):
        self.assertWagtailDenied(self.client.post(self.url("unpublish", self.project_b.pk)))
        self.assertWagtailDenied(self.client.post(self.url("lock", self.project_b.pk)))

    def test_move_is_refused(self):
        self.assertWagtailDenied(self.client.get(self.url("move", self.project_b.pk)))
        # The confirmation step has no permission check of its own in Wagtail; the hook refuses.
        self.assertHookDenied(
            self.client.get(self.url("move_confirm", self.project_b.pk, self.muni_a.pk)), policy.NOT_YOUR_AREA
        )
        self.assertHookDenied(
            self.client.post(self.url("move_confirm", self.project_b.pk, self.muni_a.pk)), policy.NOT_YOUR_AREA
        )

    def test_copy_is_refused(self):
        self.assertWagtailDenied(self.client.get(self.url("copy", self.project_b.pk)))
        data = {"new_title": "Kopie", "new_slug": "kopie", "new_parent_page": str(self.muni_a.pk)}
        self.assertWagtailDenied(self.client.post(self.url("copy", self.project_b.pk), data))

    def test_add_child_is_refused(self):
        self.assertWagtailDenied(self.client.get(self.url("add_subpage", self.muni_b.pk)))
        create = self.url("add", "projects", "projectpage", self.muni_b.pk)
        self.assertWagtailDenied(self.client.get(create))
        self.assertWagtailDenied(self.client.post(create, forms.steckbrief("Fremdes Projekt", "fremd") | forms.SUBMIT))
        report = self.url("add", "projects", "experiencereportpage", self.project_b.pk)
        self.assertWagtailDenied(self.client.post(report, forms.experience_report("Fremd", "fremd") | forms.SUBMIT))


class OwnMunicipalityTests(RolesTestCase):
    def setUp(self):
        self.login(self.kommune_a)

    def test_creates_a_project_and_submits_it_for_review(self):
        create = self.url("add", "projects", "projectpage", self.muni_a.pk)
        form = self.client.get(create)
        self.assertEqual(form.status_code, 200)
        self.assertContains(form, 'name="action-submit"')
        self.assertContains(form, "Zur Prüfung einreichen")
        self.assertNotContains(form, 'name="action-publish"')  # no publish permission, no button

        response = self.client.post(create, forms.steckbrief("Bürgerbus Bad Endorf", "buergerbus") | forms.SUBMIT)
        self.assertEqual(response.status_code, 302)

        project = ProjectPage.objects.get(title="Bürgerbus Bad Endorf")
        self.assertEqual(project.get_parent().pk, self.muni_a.pk)
        self.assertEqual(project.owner, self.kommune_a)
        self.assertEqual(project.lead_municipality.ags, self.muni_a.municipality.ags)
        self.assertFalse(project.live)
        self.assertIsNone(project.live_revision)
        state = project.current_workflow_state
        self.assertEqual(state.status, WorkflowState.STATUS_IN_PROGRESS)
        self.assertEqual(state.requested_by, self.kommune_a)
        self.assertEqual(project.current_workflow_task.name, REVIEW_TASK)
        # The Steckbrief arrived whole: fields from several tabs, formsets, StreamField, tags.
        draft = project.get_latest_revision_as_object()
        self.assertEqual(draft.funding_programme, "Modellprojekte Smart Cities")
        self.assertEqual(str(draft.staff_effort_person_months), "4.5")
        self.assertEqual([d.title for d in draft.datasets.all()], ["Fahrplan"])
        self.assertEqual(sorted(t.name for t in draft.tags.all()), ["Bürgerbus", "Verwaltung"])
        self.assertEqual(draft.body[0].block_type, "paragraph")
        self.assertEqual(len(draft.guidelines.all()), 2)

    def test_publish_button_only_saves_a_draft(self):
        """Posting "action-publish" without publish permission: Wagtail saves a draft instead."""
        create = self.url("add", "projects", "projectpage", self.muni_a.pk)
        self.client.post(create, forms.steckbrief("Direkt veröffentlichen?", "direkt") | forms.PUBLISH)
        project = ProjectPage.objects.get(title="Direkt veröffentlichen?")
        self.assertFalse(project.live)
        self.assertFalse(project.workflow_in_progress)

        live_before = ProjectPage.objects.get(pk=self.project_a.pk)
        data = forms.steckbrief("Fernwartung der Straßenbeleuchtung", self.project_a.slug, summary="Neu.")
        response = self.client.post(self.url("edit", self.project_a.pk), data | forms.PUBLISH)
        self.assertEqual(response.status_code, 302)
        after = ProjectPage.objects.get(pk=self.project_a.pk)
        self.assertEqual(after.summary, live_before.summary)  # the live row is untouched
        self.assertEqual(after.live_revision_id, live_before.live_revision_id)
        self.assertTrue(after.has_unpublished_changes)
        self.assertEqual(after.get_latest_revision_as_object().summary, "Neu.")

    def test_edits_own_profile_but_cannot_repoint_it(self):
        edit = self.url("edit", self.muni_a.pk)
        self.assertEqual(self.client.get(edit).status_code, 200)
        response = self.client.post(edit, forms.profile(self.muni_a, smart_city_unit="Stabsstelle Digitales"))
        self.assertEqual(response.status_code, 302)
        draft = MunicipalityPage.objects.get(pk=self.muni_a.pk).get_latest_revision_as_object()
        self.assertEqual(draft.smart_city_unit, "Stabsstelle Digitales")

        before = snapshot(self.muni_a)
        free = Municipality.objects.exclude(page__isnull=False).first()
        response = self.client.post(edit, forms.profile(self.muni_a, municipality=str(free.pk)))
        self.assertHookDenied(response, policy.MUNICIPALITY_BINDING)
        self.assertEqual(snapshot(self.muni_a), before)

    def test_creates_experience_reports_under_own_projects(self):
        create = self.url("add", "projects", "experiencereportpage", self.project_a.pk)
        response = self.client.post(create, forms.experience_report("Zwei Jahre Betrieb", "zwei-jahre") | forms.SUBMIT)
        self.assertEqual(response.status_code, 302)
        report = ExperienceReportPage.objects.get(title="Zwei Jahre Betrieb")
        self.assertEqual(report.get_parent().pk, self.project_a.pk)
        self.assertTrue(report.workflow_in_progress)

    def test_cannot_create_evaluation_reports(self):
        create = self.url("add", "projects", "evaluationreportpage", self.project_a.pk)
        self.assertHookDenied(self.client.get(create), policy.EVALUATION_ONLY_RESEARCH)
        data = forms.evaluation_report("Eigene Evaluation", "eigene-evaluation") | forms.SUBMIT
        self.assertHookDenied(self.client.post(create, data), policy.EVALUATION_ONLY_RESEARCH)
        self.assertFalse(EvaluationReportPage.objects.filter(slug="eigene-evaluation").exists())

    def test_cannot_edit_delete_or_copy_evaluation_reports_under_own_project(self):
        before = snapshot(self.evaluation_a)
        self.assertHookDenied(self.client.get(self.url("edit", self.evaluation_a.pk)), policy.EVALUATION_ONLY_RESEARCH)
        data = forms.evaluation_report("Geschönt", self.evaluation_a.slug)
        self.assertHookDenied(self.client.post(self.url("edit", self.evaluation_a.pk), data))
        self.assertHookDenied(self.client.get(self.url("copy", self.evaluation_a.pk)))
        self.assertEqual(snapshot(self.evaluation_a), before)

        # A researcher's unpublished draft: Wagtail would let the municipality delete it (edit
        # rights on the subtree, nothing live), the hook does not.
        draft = EvaluationReportPage(
            title="Entwurf der Forschung",
            slug="entwurf",
            report_date="2025-01-01",
            author_organisation="Uni",
            findings="<p>Noch offen.</p>",
            owner=self.forscher,
            live=False,
        )
        self.project_a.add_child(instance=draft)
        self.assertHookDenied(self.client.get(self.url("delete", draft.pk)), policy.EVALUATION_ONLY_RESEARCH)
        self.assertHookDenied(self.client.post(self.url("delete", draft.pk)), policy.EVALUATION_ONLY_RESEARCH)
        bulk = self.client.post(f"/admin/bulk/wagtailcore/page/delete/?id={draft.pk}")
        self.assertHookDenied(bulk, policy.EVALUATION_ONLY_RESEARCH)
        self.assertTrue(EvaluationReportPage.objects.filter(pk=draft.pk).exists())

    def test_cannot_approve_own_submission(self):
        create = self.url("add", "projects", "projectpage", self.muni_a.pk)
        self.client.post(create, forms.steckbrief("Selbst freigeben?", "selbst") | forms.SUBMIT)
        project = ProjectPage.objects.get(title="Selbst freigeben?")
        task_state = project.current_workflow_state.current_task_state
        url = self.url("workflow_action", project.pk, "approve", task_state.pk)
        self.assertWagtailDenied(self.client.post(url))
        project.refresh_from_db()
        self.assertFalse(project.live)
        self.assertTrue(project.workflow_in_progress)

    def test_uploads_go_to_own_collection_only(self):
        from wagtail.images import get_image_model
        from wagtail.permissions import policy_registry

        permission_policy = policy_registry.get_by_type(get_image_model())
        collections = permission_policy.collections_user_has_permission_for(self.kommune_a, "add")
        self.assertEqual([c.name for c in collections], ["Kommune Bad Endorf"])
        self.assertEqual(self.client.get("/admin/images/add/").status_code, 200)
