"""Dashboards by role (cms/accounts/dashboards.py): what each role sees on the admin's start page.

The pages under review are built with Wagtail's workflow API (start, reject) rather than the
edit form: these tests are about the dashboard, ``test_review`` drives the same workflow
through the editor.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from unittest import mock

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import RequestFactory, SimpleTestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import Page, TaskState

from cms.accounts import dashboards
from cms.knowledge.models import ChecklistPage, GuidePage
from cms.projects.completeness import completeness
from cms.projects.models import EvaluationReportPage, ExperienceReportPage, ProjectPage

from .base import ADMIN_HOME, RolesTestCase

KOMMUNE_HEADING = "Meine Steckbriefe und Berichte"
FORSCHUNG_HEADING = "Meine Evaluationen, Leitfäden und Checklisten"
REDAKTION_HEADING = "Prüfschlange: älteste Einreichung zuerst"
COMMENT = "Bitte die laufenden Kosten ergänzen."


def new_project(parent: Page, title: str, slug: str, owner, **fields) -> ProjectPage:
    """A Steckbrief as the create view leaves it: an unpublished page with one revision."""
    page = ProjectPage(title=title, slug=slug, summary=f"{title}: Kurzbeschreibung.", owner=owner, live=False, **fields)
    parent.add_child(instance=page)
    page.save_revision(user=owner)
    return page


def new_evaluation(parent: Page, title: str, slug: str, owner) -> EvaluationReportPage:
    page = EvaluationReportPage(
        title=title,
        slug=slug,
        report_date=date(2025, 5, 1),
        author_organisation="Hochschule Beispielstadt",
        findings="<p>Die Wartezeiten sanken.</p>",
        owner=owner,
        live=False,
    )
    parent.add_child(instance=page)
    page.save_revision(user=owner)
    return page


def submit(page: Page, user, days_ago: int) -> TaskState:
    """Start the review workflow for the page's latest revision, ``days_ago`` days back."""
    page.get_workflow().start(page, user)
    task_state = Page.objects.get(pk=page.pk).current_workflow_state.current_task_state
    TaskState.objects.filter(pk=task_state.pk).update(started_at=timezone.now() - timedelta(days=days_ago))
    return task_state


def panel_headings(html: str) -> set[str]:
    return {h for h in (KOMMUNE_HEADING, FORSCHUNG_HEADING, REDAKTION_HEADING) if h in html}


class DashboardTestCase(RolesTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.draft = new_project(cls.muni_a, "Entwurf Bürgerbus", "entwurf-buergerbus", cls.kommune_a)
        cls.submitted = new_project(
            cls.muni_a, "Eingereicht Radwege", "eingereicht-radwege", cls.kommune_a, problem="<p>Unsichere Wege.</p>"
        )
        submit(cls.submitted, cls.kommune_a, days_ago=5)
        cls.rejected = new_project(cls.muni_a, "Zurückgegeben Wärmeplan", "zurueckgegeben-waermeplan", cls.kommune_a)
        submit(cls.rejected, cls.kommune_a, days_ago=1)
        task_state = Page.objects.get(pk=cls.rejected.pk).current_workflow_state.current_task_state
        task_state.reject(user=cls.redakteur, comment=COMMENT)
        cls.oldest = new_project(cls.muni_b, "Ältester Antrag Boppard", "aeltester-antrag", cls.kommune_b)
        submit(cls.oldest, cls.kommune_b, days_ago=10)

        cls.evaluation = new_evaluation(cls.project_b, "Evaluation Rathaus Frieda", "evaluation-frieda", cls.forscher)
        submit(cls.evaluation, cls.forscher, days_ago=2)
        ChecklistPage.objects.filter(pk=cls.checklist.pk).update(is_pruefraster=True)

        User = get_user_model()
        cls.admin = User.objects.create_superuser("admin", "admin@example.org", "geheim-123")

    def dashboard(self, user) -> str:
        self.login(user)
        response = self.client.get(ADMIN_HOME)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def panel_html(self, panel_class, user) -> tuple[str, int]:
        """The panel rendered on its own for a freshly loaded user (as in a new request: nothing
        cached on the user object), and the number of queries that took."""
        user = get_user_model().objects.get(pk=user.pk)
        request = RequestFactory().get(ADMIN_HOME)
        request.user = user
        with CaptureQueriesContext(connection) as queries:
            html = panel_class(user).render_html({"request": request, "csrf_token": ""})
        return html, len(queries)


class DashboardTests(DashboardTestCase):
    """One class, so that the shared data is built once."""

    # -- who sees what ------------------------------------------------------------------------
    def test_each_role_sees_its_panel_and_not_the_others(self):
        self.assertEqual(panel_headings(self.dashboard(self.kommune_a)), {KOMMUNE_HEADING})
        self.assertEqual(panel_headings(self.dashboard(self.forscher)), {FORSCHUNG_HEADING})
        self.assertEqual(panel_headings(self.dashboard(self.redakteur)), {REDAKTION_HEADING})

    def test_administrator_without_role_gets_no_role_panel(self):
        html = self.dashboard(self.admin)
        self.assertEqual(panel_headings(html), set())
        self.assertEqual(dashboards.panels_for(self.admin), [])

    def test_existing_panels_stay(self):
        self.assertIn('id="first-steps-section"', self.dashboard(self.kommune_a))

    # -- Kommune ----------------------------------------------------------------------------
    def test_new_steckbrief_link_opens_the_create_form_under_own_municipality(self):
        html = self.dashboard(self.kommune_a)
        create = self.url("add", "projects", "projectpage", self.muni_a.pk)
        self.assertIn(f'href="{create}"', html)
        self.assertNotIn(self.url("add", "projects", "projectpage", self.muni_b.pk), html)
        self.assertEqual(self.client.get(create).status_code, 200)

    def test_experience_report_link_per_project_opens_the_create_form(self):
        html = self.dashboard(self.kommune_a)
        create = self.url("add", "projects", "experiencereportpage", self.project_a.pk)
        self.assertIn(f'href="{create}"', html)
        self.assertEqual(self.client.get(create).status_code, 200)
        # No evaluation reports for municipalities: that is research's work.
        self.assertNotIn("evaluationreportpage", html)

    def test_single_project_gets_a_direct_report_button(self):
        html = self.dashboard(self.kommune_b)
        # Boppard has one submitted project of its own plus the imported one: two, so one link per row.
        self.assertIn(self.url("add", "projects", "experiencereportpage", self.project_b.pk), html)
        Page.objects.filter(pk=self.oldest.pk).delete()
        html = self.dashboard(self.kommune_b)
        self.assertIn("Erfahrungsbericht schreiben", html)
        self.assertEqual(html.count(self.url("add", "projects", "experiencereportpage", self.project_b.pk)), 2)

    def test_lists_own_pages_with_status_completeness_and_the_reviewers_comment(self):
        html = self.dashboard(self.kommune_a)
        for title in ("Entwurf Bürgerbus", "Eingereicht Radwege", "Zurückgegeben Wärmeplan", self.project_a.title):
            self.assertIn(title, html)
        self.assertNotIn(self.project_b.title, html)
        self.assertNotIn("Ältester Antrag Boppard", html)
        self.assertNotIn(self.evaluation_a.title, html)  # research's report under their project

        def row(title: str) -> str:
            match = re.search(rf"<tr>(?:(?!</tr>).)*{re.escape(title)}(?:(?!</tr>).)*</tr>", html, re.S)
            self.assertIsNotNone(match, title)
            return match.group(0)

        self.assertIn("Entwurf", row("Entwurf Bürgerbus"))
        self.assertIn("in Prüfung", row("Eingereicht Radwege"))
        self.assertIn("Änderungen erbeten", row("Zurückgegeben Wärmeplan"))
        self.assertIn(COMMENT, row("Zurückgegeben Wärmeplan"))
        self.assertIn("Überarbeiten", row("Zurückgegeben Wärmeplan"))
        self.assertIn("veröffentlicht", row(self.project_a.title))
        # A bare draft has its summary and the default project status: 2 of 15.
        self.assertIn("13 % (2 von 15 Angaben)", row("Entwurf Bürgerbus"))
        self.assertIn("20 % (3 von 15 Angaben)", row("Eingereicht Radwege"))
        self.assertIn("100 % (15 von 15 Angaben)", row(self.project_a.title))
        # What the author must act on comes first.
        self.assertLess(html.index("Zurückgegeben Wärmeplan"), html.index("Entwurf Bürgerbus"))

    def test_other_municipality_does_not_see_the_comment(self):
        self.assertNotIn(COMMENT, self.dashboard(self.kommune_b))

    def test_completeness_follows_the_latest_revision(self):
        page = ProjectPage.objects.get(pk=self.draft.pk)
        page.contact_role = "Digitallotsin"
        page.save_revision(user=self.kommune_a)
        html, _queries = self.panel_html(dashboards.KommunePanel, self.kommune_a)
        self.assertIn("20 % (3 von 15 Angaben)", html)

    def test_kommune_query_count_does_not_grow_with_rows(self):
        _html, before = self.panel_html(dashboards.KommunePanel, self.kommune_a)
        for number in range(5):
            page = new_project(self.muni_a, f"Weiteres Projekt {number}", f"weiteres-{number}", self.kommune_a)
            submit(page, self.kommune_a, days_ago=number)
        html, after = self.panel_html(dashboards.KommunePanel, self.kommune_a)
        self.assertIn("Weiteres Projekt 4", html)
        self.assertEqual(after, before)
        self.assertLessEqual(after, 15)

    def test_long_list_is_cut_with_a_link_to_the_page_tree(self):
        with mock.patch.object(dashboards, "MAX_ROWS", 3):
            html, _queries = self.panel_html(dashboards.KommunePanel, self.kommune_a)
        total = Page.objects.descendant_of(self.muni_a, inclusive=True).not_type(EvaluationReportPage).count()
        self.assertIn(f"Angezeigt werden 3 von {total}.", html)
        self.assertEqual(html.count("<tr>"), 4)  # the header and three rows
        self.assertIn(f'href="/admin/pages/{self.muni_a.pk}/"', html)

    def test_whole_dashboard_query_count_does_not_grow_with_rows(self):
        """The Kommune's whole start page, Wagtail's own panels included."""

        def queries() -> int:
            self.login(get_user_model().objects.get(pk=self.kommune_a.pk))
            with CaptureQueriesContext(connection) as captured:
                self.assertEqual(self.client.get(ADMIN_HOME).status_code, 200)
            return len(captured)

        before = queries()
        for number in range(4):
            new_project(self.muni_a, f"Noch ein Projekt {number}", f"noch-{number}", self.kommune_a)
        self.assertEqual(queries(), before)

    # -- Forschung --------------------------------------------------------------------------
    def test_lists_own_evaluations_and_knowledge_pages(self):
        html = self.dashboard(self.forscher)
        for title in (self.evaluation.title, self.guide.title, self.checklist.title):
            self.assertIn(title, html)
        self.assertIn("Prüfraster", html)
        self.assertIn("in Prüfung", html)
        # Someone else's evaluation and municipal pages are not the researcher's.
        self.assertNotIn(self.evaluation_a.title, html)
        self.assertNotIn("Entwurf Bürgerbus", html)
        self.assertNotIn(self.evaluation.title, self.dashboard(self.forscher2))

    def test_create_links_where_policy_allows(self):
        html = self.dashboard(self.forscher)
        for model in (GuidePage, ChecklistPage):
            create = self.url("add", "knowledge", model._meta.model_name, self.wissen.pk)
            self.assertIn(f'href="{create}"', html)
            self.assertEqual(self.client.get(create).status_code, 200)
        self.assertIn(self.url("add", "projects", "projectpage", self.muni_a.pk), self.dashboard(self.kommune_a))
        self.assertNotIn("projectpage", self.dashboard(self.forscher))

    def test_forschung_query_count_does_not_grow_with_rows(self):
        _html, before = self.panel_html(dashboards.ForschungPanel, self.forscher)
        for number in range(4):
            new_evaluation(self.project_a, f"Evaluation {number}", f"evaluation-{number}", self.forscher)
        html, after = self.panel_html(dashboards.ForschungPanel, self.forscher)
        self.assertIn("Evaluation 3", html)
        self.assertEqual(after, before)
        self.assertLessEqual(after, 12)

    # -- Redaktion --------------------------------------------------------------------------
    def test_queue_is_oldest_first_with_completeness_and_age(self):
        html = self.dashboard(self.redakteur)
        start = html.index(REDAKTION_HEADING)
        queue = html[start : html.index("</table>", start)]
        titles = ["Ältester Antrag Boppard", "Eingereicht Radwege", self.evaluation.title]
        positions = [queue.index(title) for title in titles]
        self.assertEqual(positions, sorted(positions))
        self.assertNotIn("Zurückgegeben Wärmeplan", queue)  # sent back: not waiting for review
        self.assertNotIn("Entwurf Bürgerbus", queue)
        self.assertIn("seit 10 Tagen", queue)
        self.assertIn("seit 5 Tagen", queue)
        self.assertIn("20 % (3 von 15 Angaben)", queue)
        self.assertIn(f'href="{self.url("edit", self.oldest.pk)}"', queue)

    def test_queue_shows_the_revision_under_review(self):
        """A draft saved after submitting does not change what the reviewer decides on."""
        page = ProjectPage.objects.get(pk=self.submitted.pk)
        page.contact_role = "Digitallotsin"
        page.contact_email = "lotsin@example.org"
        page.save_revision(user=self.kommune_a)
        html, _queries = self.panel_html(dashboards.RedaktionPanel, self.redakteur)
        self.assertIn("20 % (3 von 15 Angaben)", html)
        self.assertNotIn("33 % (5 von 15 Angaben)", html)

    def test_redaktion_query_count_does_not_grow_with_rows(self):
        _html, before = self.panel_html(dashboards.RedaktionPanel, self.redakteur)
        for number in range(4):
            page = new_project(self.muni_a, f"Neu eingereicht {number}", f"neu-{number}", self.kommune_a)
            submit(page, self.kommune_a, days_ago=0)
        html, after = self.panel_html(dashboards.RedaktionPanel, self.redakteur)
        self.assertIn("Neu eingereicht 3", html)
        self.assertIn("seit heute", html)
        self.assertEqual(after, before)
        self.assertLessEqual(after, 10)

    # -- completeness from a revision's content ----------------------------------------------
    def test_matches_completeness_of_the_revision_as_page(self):
        page = ProjectPage.objects.get(pk=self.project_a.pk)
        revision = page.latest_revision
        expected = completeness(revision.as_object())
        has_reports = ExperienceReportPage.objects.child_of(page).live().exists()
        self.assertEqual(dashboards.content_completeness(revision.content, has_reports), expected)
        self.assertEqual(dashboards.pages_with_reports([page, self.draft]), {page.pk})


class WaitingSinceTests(SimpleTestCase):
    def test_waiting_since_in_german(self):
        now = timezone.now()
        self.assertEqual(dashboards.waiting_since(now - timedelta(hours=3), now), "seit heute")
        self.assertEqual(dashboards.waiting_since(now - timedelta(days=1, hours=1), now), "seit 1 Tag")
        self.assertEqual(dashboards.waiting_since(now - timedelta(days=3), now), "seit 3 Tagen")
