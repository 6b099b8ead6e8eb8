"""The page editor as municipal and research editors see it ("a form for the job").

Slug, SEO fields, "In Menüs anzeigen", external id and demo flag are gone from their create and
edit forms (administrators and the editorial team keep them); the slug follows the title;
"Zur Prüfung einreichen" is their main button; submitting, approving and asking for changes end
in a German message that says what happens next, in one set of verbs; every field they see has
a help text. Also checked here: the compiled German catalogue matches its source, and the
accessibility allow-list matches docs/accessibility.md.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.utils import translation
from wagtail.admin.panels import FieldPanel, InlinePanel, PanelGroup
from wagtail.models import WorkflowState

from cms.accounts.review_messages import approved_message, changes_requested_message
from cms.core.panels import METADATA_FIELDS, METADATA_PERMISSION, SchedulePanel
from cms.knowledge.models import ChecklistPage, GuidePage
from cms.projects.models import EvaluationReportPage, ExperienceReportPage, ProjectPage
from tests.a11y_known import KNOWN_EDITOR_VIOLATIONS

from . import forms
from .base import RolesTestCase

ROOT = Path(settings.BASE_DIR)
SAVE_DRAFT = 'class="button action-save'  # Wagtail's "Entwurf speichern" button has no name
NEXT_STEP = "Sie erhalten eine Nachricht, sobald sie freigegeben ist oder Änderungen erbeten werden."


def input_names(html: str) -> set[str]:
    return set(re.findall(r'<(?:input|textarea|select)\b[^>]*\bname="([^"]+)"', html))


def hidden_fields_in(html: str) -> set[str]:
    return input_names(html) & set(METADATA_FIELDS)


def action_footer(html: str) -> str:
    """The editor's footer with the action menu; its first button is the main one."""
    return html[html.index('<footer class="footer') :]


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


class EditorFormTests(RolesTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.admin = get_user_model().objects.create_superuser("admin", "admin@example.org", "geheim-123")
        # Researchers edit their own evaluation reports: this one is hers.
        cls.evaluation_a.owner = cls.forscher
        cls.evaluation_a.save(update_fields=["owner"])

    def forms_of(self, user) -> dict[str, str]:
        """Create and edit forms of each page type the user works on, by name."""
        if user == self.kommune_a:
            urls = {
                "Steckbrief anlegen": self.url("add", "projects", "projectpage", self.muni_a.pk),
                "Steckbrief bearbeiten": self.url("edit", self.project_a.pk),
                "Erfahrungsbericht anlegen": self.url("add", "projects", "experiencereportpage", self.project_a.pk),
                "Erfahrungsbericht bearbeiten": self.url("edit", self.experience_a.pk),
            }
        else:
            urls = {
                "Evaluationsbericht anlegen": self.url("add", "projects", "evaluationreportpage", self.project_a.pk),
                "Evaluationsbericht bearbeiten": self.url("edit", self.evaluation_a.pk),
                "Leitfaden anlegen": self.url("add", "knowledge", "guidepage", self.wissen.pk),
                "Leitfaden bearbeiten": self.url("edit", self.guide.pk),
                "Checkliste anlegen": self.url("add", "knowledge", "checklistpage", self.wissen.pk),
                "Checkliste bearbeiten": self.url("edit", self.checklist.pk),
            }
        self.login(user)
        result = {}
        for name, url in urls.items():
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200, name)
            result[name] = response.content.decode()
        return result

    def test_municipality_and_research_editors_do_not_see_the_housekeeping_fields(self):
        for user in (self.kommune_a, self.forscher):
            for name, html in self.forms_of(user).items():
                with self.subTest(user=user.username, form=name):
                    self.assertEqual(hidden_fields_in(html), set())
                    self.assertIn('name="title"', html)
                    self.assertNotIn("Kurztitel", html)
                    self.assertNotIn("Externe Kennung", html)
                    # The publishing schedule stays, with German help for its dates.
                    self.assertIn('name="go_live_at"', html)
                    self.assertIn(str(SchedulePanel.HELP["go_live_at"]), html)

    def test_administrators_and_the_editorial_team_still_do(self):
        pages = {
            "Steckbrief anlegen": self.url("add", "projects", "projectpage", self.muni_a.pk),
            "Steckbrief bearbeiten": self.url("edit", self.project_a.pk),
            "Erfahrungsbericht bearbeiten": self.url("edit", self.experience_a.pk),
            "Evaluationsbericht anlegen": self.url("add", "projects", "evaluationreportpage", self.project_a.pk),
            "Leitfaden bearbeiten": self.url("edit", self.guide.pk),
            "Checkliste anlegen": self.url("add", "knowledge", "checklistpage", self.wissen.pk),
        }
        for user in (self.admin, self.redakteur):
            self.login(user)
            for name, url in pages.items():
                with self.subTest(user=user.username, form=name):
                    html = self.client.get(url).content.decode()
                    self.assertEqual(hidden_fields_in(html), set(METADATA_FIELDS))
        self.assertTrue(self.redakteur.has_perm(METADATA_PERMISSION))
        self.assertFalse(self.kommune_a.has_perm(METADATA_PERMISSION))
        self.assertFalse(self.forscher.has_perm(METADATA_PERMISSION))

    def test_the_slug_follows_the_title_even_when_one_is_posted(self):
        self.login(self.kommune_a)
        create = self.url("add", "projects", "projectpage", self.muni_a.pk)
        data = forms.steckbrief("Bürgerbus Bad Endorf", "") | forms.SUBMIT
        for field in METADATA_FIELDS:
            data.pop(field, None)
        self.assertEqual(self.client.post(create, data).status_code, 302)
        self.assertEqual(ProjectPage.objects.get(title="Bürgerbus Bad Endorf").slug, "bürgerbus-bad-endorf")

        # A slug, an external id and the demo flag posted by hand are ignored, not applied.
        data = forms.steckbrief("Bürgerbus Bad Endorf", "eigener-kurztitel", external_id="fremd", is_demo="on")
        self.assertEqual(self.client.post(create, data | forms.SUBMIT).status_code, 302)
        second = ProjectPage.objects.filter(title="Bürgerbus Bad Endorf").order_by("-pk").first()
        self.assertEqual(second.slug, "bürgerbus-bad-endorf-2")
        self.assertNotEqual(second.external_id, "fremd")
        self.assertFalse(second.is_demo)

    def test_editing_keeps_the_slug_and_the_external_id(self):
        self.login(self.kommune_a)
        slug, external_id = self.project_a.slug, self.project_a.external_id
        data = forms.steckbrief("Neuer Titel für die Laternen", "anderer-kurztitel", external_id="fremd") | forms.SUBMIT
        self.assertEqual(self.client.post(self.url("edit", self.project_a.pk), data).status_code, 302)
        self.project_a.refresh_from_db()
        self.assertEqual((self.project_a.slug, self.project_a.external_id), (slug, external_id))

    def test_submit_for_review_is_the_main_button_for_those_who_cannot_publish(self):
        for user in (self.kommune_a, self.forscher):
            for name, html in self.forms_of(user).items():
                with self.subTest(user=user.username, form=name):
                    footer = action_footer(html)
                    self.assertLess(footer.index('name="action-submit"'), footer.index(SAVE_DRAFT))
        self.login(self.redakteur)
        html = self.client.get(self.url("edit", self.project_a.pk)).content.decode()
        footer = action_footer(html)
        self.assertLess(footer.index(SAVE_DRAFT), footer.index('name="action-publish"'))

    def test_every_field_the_editors_see_has_a_help_text(self):
        for model in (ProjectPage, ExperienceReportPage, EvaluationReportPage, GuidePage, ChecklistPage):
            with self.subTest(model=model.__name__):
                self.assertEqual(fields_without_help(model.get_edit_handler(), model), [])


def fields_without_help(panel, model) -> list[str]:
    """Field panels shown without a permission and with no help text, here or on the model field."""
    if isinstance(panel, InlinePanel):
        related = panel.db_field.related_model
        return [name for child in related.panels for name in fields_without_help(child.bind_to_model(related), related)]
    if isinstance(panel, PanelGroup):
        return [name for child in panel.children for name in fields_without_help(child, model)]
    if not isinstance(panel, FieldPanel) or panel.permission:
        return []
    field_help = getattr(model._meta.get_field(panel.field_name), "help_text", "")
    return [] if (panel.help_text or field_help) else [f"{model.__name__}.{panel.field_name}"]


class ReviewMessageTests(RolesTestCase):
    def submit(self, title: str) -> tuple[ProjectPage, list[str]]:
        self.login(self.kommune_a)
        create = self.url("add", "projects", "projectpage", self.muni_a.pk)
        response = self.client.post(create, forms.steckbrief(title, "") | forms.SUBMIT)
        self.assertEqual(response.status_code, 302)
        return ProjectPage.objects.get(title=title), texts(response)

    def workflow_action(self, page, action, **data):
        self.login(self.redakteur)
        task_state = page.current_workflow_state.current_task_state
        return self.client.post(self.url("workflow_action", page.pk, action, task_state.pk), data)

    def test_submitting_a_new_page_says_what_happens_next(self):
        _project, messages = self.submit("Bürgerbus Bad Endorf")
        self.assertEqual(len(messages), 1)
        self.assertIn("„Bürgerbus Bad Endorf“ wurde angelegt und zur Prüfung eingereicht.", messages[0])
        self.assertIn(NEXT_STEP, messages[0])
        self.assertNotIn("Moderation", messages[0])

    def test_submitting_changes_says_what_happens_next(self):
        self.login(self.kommune_a)
        data = forms.steckbrief(self.project_a.title, self.project_a.slug, summary="Neu.") | forms.SUBMIT
        response = self.client.post(self.url("edit", self.project_a.pk), data)
        self.assertEqual(response.status_code, 302)
        messages = texts(response)
        self.assertEqual(len(messages), 1)
        self.assertIn(f"„{self.project_a.title}“ wurde zur Prüfung eingereicht.", messages[0])
        self.assertIn(NEXT_STEP, messages[0])

    def test_approving_says_what_happens_next(self):
        project, _messages = self.submit("Bürgerbus Bad Endorf")
        response = self.workflow_action(project, "approve")
        self.assertEqual(response.status_code, 302)
        project.refresh_from_db()
        self.assertTrue(project.live)
        self.assertIn(approved_message("Bürgerbus Bad Endorf", live=True), texts(response))
        self.assertIn("freigegeben und veröffentlicht", approved_message("X", live=True))

    def test_asking_for_changes_says_what_happens_next(self):
        project, _messages = self.submit("Bürgerbus Bad Endorf")
        response = self.workflow_action(project, "reject", comment="Bitte die Kosten begründen.")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(project.workflow_states.get().status, WorkflowState.STATUS_NEEDS_CHANGES)
        self.assertIn(changes_requested_message("Bürgerbus Bad Endorf"), texts(response))
        self.assertIn("Änderungen erbeten", changes_requested_message("X"))

    def test_the_review_buttons_use_the_same_verbs(self):
        project, _messages = self.submit("Bürgerbus Bad Endorf")
        self.login(self.redakteur)
        html = self.client.get(self.url("edit", project.pk)).content.decode()
        self.assertIn("Freigeben und veröffentlichen", html)
        self.assertIn("Änderungen erbitten", html)
        self.assertNotIn("Änderungen anfordern", html)
        self.assertNotIn("genehmigen", html)


# -- catalogue and documentation --------------------------------------------------------------------
def po_entries(path: Path) -> dict[str, str]:
    """msgid → msgstr of a simple .po file (no plurals, no contexts); the header is left out."""
    entries: dict[str, str] = {}
    msgid, msgstr, target = "", "", ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("msgid "):
            if msgid:
                entries[msgid] = msgstr
            msgid, msgstr, target, line = "", "", "msgid", line[len("msgid ") :]
        elif line.startswith("msgstr "):
            target, line = "msgstr", line[len("msgstr ") :]
        if target and line.startswith('"'):
            value = line[1:-1].replace('\\"', '"')
            if target == "msgid":
                msgid += value
            else:
                msgstr += value
    if msgid:
        entries[msgid] = msgstr
    return entries


def test_compiled_catalogue_matches_its_source():
    entries = po_entries(ROOT / "locale" / "de" / "LC_MESSAGES" / "django.po")
    assert "Request changes" in entries and len(entries) >= 10
    with translation.override("de"):
        for msgid, msgstr in entries.items():
            assert translation.gettext(msgid) == msgstr, f"{msgid!r}: run msgfmt (see the .po header)"


def documented_exceptions() -> set[tuple[str, str]]:
    """(rule, page) rows of the allow-list table in docs/accessibility.md."""
    text = (ROOT / "docs" / "accessibility.md").read_text(encoding="utf-8")
    section = text.split("## Ausnahmeliste", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")][2:]  # header and separator
    return {tuple(cell.strip().strip("`") for cell in row.strip("|").split("|")[:2]) for row in rows}


def test_accessibility_allow_list_matches_the_documentation():
    assert documented_exceptions() == set(KNOWN_EDITOR_VIOLATIONS)
