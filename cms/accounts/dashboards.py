"""Dashboards by role: what each platform role works on, on the admin's start page.

Wagtail's dashboard shows the same generic panels to everyone ("your locked pages", "awaiting
your review"). A municipal clerk wants to know which of the municipality's pages wait for what
(and what the editorial team asked to change), a researcher where their evaluations and guides
stand, the editorial team which submissions have waited longest. Each role gets one panel with
exactly that, plus one-click links to the create forms policy allows (``cms.accounts.policy``).

Queries stay bounded: every panel lists at most ``MAX_ROWS`` rows, reads their workflow states,
latest revisions and report counts in a few batched queries, and computes the completeness of
a Steckbrief from the revision's stored content instead of rebuilding each revision as a page
(which would cost a query per relation and row).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import CharField, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.admin.ui.components import Component
from wagtail.models import Page, TaskState, WorkflowState, get_default_page_content_type
from wagtail.permissions import page_permission_policy

from cms.knowledge.models import ChecklistPage, GuidePage
from cms.projects.completeness import (
    REPORTS,
    Completeness,
    completeness,
    is_empty,
    tally,
)
from cms.projects.models import EvaluationReportPage, ExperienceReportPage, ProjectPage

from . import first_steps, policy, roles

MAX_ROWS = 20


# -- who gets which panel ---------------------------------------------------------------------
def platform_roles(user: AbstractBaseUser) -> list[str]:
    """The user's platform roles from their groups only.

    Unlike ``first_steps.user_roles`` a superuser gets no role here: an administrator without a
    role has no municipality, no research work and no review task of their own to list.
    """
    if not user.is_active:
        return []
    names = set(
        user.groups.filter(
            Q(name__startswith=roles.MUNICIPALITY_GROUP_PREFIX)
            | Q(name__in=[roles.RESEARCH_GROUP, roles.EDITORIAL_GROUP])
        ).values_list("name", flat=True)
    )
    found = []
    if any(name.startswith(roles.MUNICIPALITY_GROUP_PREFIX) for name in names):
        found.append(roles.ROLE_KOMMUNE)
    if roles.RESEARCH_GROUP in names:
        found.append(roles.ROLE_FORSCHUNG)
    if roles.EDITORIAL_GROUP in names:
        found.append(first_steps.ROLE_REDAKTION)
    return found


def panels_for(user: AbstractBaseUser) -> list[Component]:
    """The role panels for the user's dashboard, in the order of their roles."""
    panel_classes = {
        roles.ROLE_KOMMUNE: KommunePanel,
        roles.ROLE_FORSCHUNG: ForschungPanel,
        first_steps.ROLE_REDAKTION: RedaktionPanel,
    }
    return [panel_classes[role](user) for role in platform_roles(user)]


# -- status, completeness, age ----------------------------------------------------------------
@dataclass(frozen=True)
class Status:
    key: str
    label: Promise
    classname: str = ""


DRAFT = Status("draft", _("Entwurf"))
IN_REVIEW = Status("in_review", _("in Prüfung"), "w-status--primary")
NEEDS_CHANGES = Status("needs_changes", _("Änderungen erbeten"), "w-status--primary")
LIVE = Status("live", _("veröffentlicht"), "w-status--primary")
LIVE_WITH_DRAFT = Status("live_draft", _("veröffentlicht, Entwurf in Arbeit"), "w-status--primary")


def page_status(page: Page) -> Status:
    """Where the page stands for its author: the workflow first, then whether it is live."""
    state = page.current_workflow_state
    if state is not None and state.status == WorkflowState.STATUS_NEEDS_CHANGES:
        return NEEDS_CHANGES
    if state is not None and state.status == WorkflowState.STATUS_IN_PROGRESS:
        return IN_REVIEW
    if page.live:
        return LIVE_WITH_DRAFT if page.has_unpublished_changes else LIVE
    return DRAFT


def with_review_states(queryset: QuerySet) -> QuerySet:
    """Wagtail's ``prefetch_workflow_states`` plus who finished the current task (the reviewer
    who asked for changes), in the attribute ``Page.current_workflow_state`` reads."""
    states = WorkflowState.objects.active().select_related(
        "current_task_state__task", "current_task_state__finished_by"
    )
    return queryset.prefetch_related(Prefetch("_workflow_states", queryset=states, to_attr="_current_workflow_states"))


def rejection(page: Page) -> TaskState | None:
    """The rejected task (with the reviewer's comment) if the page waits for changes."""
    state = page.current_workflow_state
    if state is None or state.status != WorkflowState.STATUS_NEEDS_CHANGES:
        return None
    task_state = state.current_task_state
    return task_state if task_state is not None and task_state.status == TaskState.STATUS_REJECTED else None


def pages_with_reports(projects: list[Page]) -> set[int]:
    """The ids of those projects that have a live experience or evaluation report, in one query."""
    if not projects:
        return set()
    by_path = {project.path: project.pk for project in projects}
    condition = Q()
    for path in by_path:
        condition |= Q(path__startswith=path, depth=len(path) // Page.steplen + 1)
    children = Page.objects.live().type(ExperienceReportPage, EvaluationReportPage).filter(condition)
    return {by_path[path[: -Page.steplen]] for path in children.values_list("path", flat=True)}


def content_completeness(content: dict, has_reports: bool) -> Completeness:
    """``completeness()`` of a Steckbrief from a revision's stored content, without queries.

    The stored content holds many-to-many relations as lists of ids and rich text as strings;
    the rules are ``cms.projects.completeness``'s (the tests compare both on the same revision).
    """

    def present(name: str) -> bool:
        if name == REPORTS:
            return has_reports
        value = content.get(name)
        return bool(value) if isinstance(value, list) else not is_empty(value)

    return tally(ProjectPage, present)


def completeness_by_page(pages: list[Page], revisions: dict[int, dict]) -> dict[int, Completeness]:
    """Completeness of the Steckbriefe among ``pages``, each from the given revision content
    (page id -> content); a project without a revision is read from its page row."""
    projects = [page for page in pages if issubclass(page.specific_class, ProjectPage)]
    reports = pages_with_reports(projects)
    result = {}
    for page in projects:
        content = revisions.get(page.pk)
        if content is None:
            result[page.pk] = completeness(page.specific)
        else:
            result[page.pk] = content_completeness(content, page.pk in reports)
    return result


def waiting_since(started: datetime, now: datetime | None = None) -> str:
    """ "seit heute", "seit 1 Tag", "seit 3 Tagen": how long a submission has waited."""
    days = ((now or timezone.now()) - started).days
    if days < 1:
        return str(_("seit heute"))
    return ngettext("seit %(count)d Tag", "seit %(count)d Tagen", days) % {"count": days}


def type_label(page: Page) -> str:
    return str(page.specific_class._meta.verbose_name) if page.specific_class else ""


def add_url(parent: Page, page_class: type[Page]) -> str:
    return reverse("wagtailadmin_pages:add", args=[page_class._meta.app_label, page_class._meta.model_name, parent.pk])


def may_create(user: AbstractBaseUser, parent: Page, page_class: type[Page]) -> bool:
    """Wagtail's add permission on the parent and the platform's rules both allow it."""
    if page_class not in parent.specific_class.creatable_subpage_models():
        return False
    if not parent.permissions_for_user(user).can_add_subpage():
        return False
    return policy.check_create(user, parent, page_class) is None


@dataclass
class Row:
    page: Page
    status: Status
    type_label: str
    edit_url: str
    completeness: Completeness | None = None
    rejection: TaskState | None = None
    create_links: list[tuple[str, str]] = field(default_factory=list)


def _row(page: Page, scores: dict[int, Completeness]) -> Row:
    return Row(
        page=page,
        status=page_status(page),
        type_label=type_label(page),
        edit_url=reverse("wagtailadmin_pages:edit", args=[page.pk]),
        completeness=scores.get(page.pk),
        rejection=rejection(page),
    )


def _latest_contents(pages: list[Page]) -> dict[int, dict]:
    return {page.pk: page.latest_revision.content for page in pages if page.latest_revision_id}


def _needs_changes_first(queryset: QuerySet) -> QuerySet:
    """Pages the editorial team sent back come first: they are what the author has to act on."""
    sent_back = WorkflowState.objects.filter(
        base_content_type=get_default_page_content_type(),
        object_id=Cast(OuterRef("pk"), output_field=CharField()),
        status=WorkflowState.STATUS_NEEDS_CHANGES,
    )
    return queryset.annotate(sent_back=Exists(sent_back)).order_by("-sent_back", "-latest_revision_created_at", "path")


# -- the panels -------------------------------------------------------------------------------
class RolePanel(Component):
    """A dashboard panel bound to the user whose dashboard it is."""

    def __init__(self, user: AbstractBaseUser) -> None:
        self.user = user


class KommunePanel(RolePanel):
    """ "Meine Steckbriefe und Berichte": the municipality's pages, what each needs, and the
    two things a municipality does most, one click away."""

    name = "kommune_dashboard"
    template_name = "accounts/dashboard/kommune_panel.html"
    order = 30

    def municipality_context(self, municipality: Page) -> dict:
        # Evaluation reports under the municipality's projects are research's work, not theirs to edit.
        pages_qs = _needs_changes_first(
            with_review_states(
                Page.objects.descendant_of(municipality, inclusive=True)
                .not_type(EvaluationReportPage)
                .select_related("latest_revision")
            )
        )
        pages = list(pages_qs[:MAX_ROWS])
        total = pages_qs.count() if len(pages) == MAX_ROWS else len(pages)
        scores = completeness_by_page(pages, _latest_contents(pages))
        rows = [_row(page, scores) for page in pages]

        projects = [row for row in rows if issubclass(row.page.specific_class, ProjectPage)]
        # The municipality's group holds its rights on the whole subtree, so what is allowed under
        # one of its projects is allowed under each: one check instead of one per row.
        may_report = bool(projects) and may_create(self.user, projects[0].page, ExperienceReportPage)
        if may_report:
            for row in projects:
                row.create_links.append(
                    (str(_("Erfahrungsbericht schreiben")), add_url(row.page, ExperienceReportPage))
                )
        may_add_project = may_create(self.user, municipality, ProjectPage)
        return {
            "page": municipality,
            "rows": rows,
            "total": total,
            "explore_url": reverse("wagtailadmin_explore", args=[municipality.pk]),
            "new_project_url": add_url(municipality, ProjectPage) if may_add_project else None,
            "report_url": add_url(projects[0].page, ExperienceReportPage)
            if may_report and len(projects) == 1
            else None,
            "report_choose": may_report and len(projects) > 1,
            "no_project": not projects,
        }

    def get_context_data(self, parent_context=None):
        municipalities = first_steps.municipality_pages(self.user)
        return {"municipalities": [self.municipality_context(page) for page in municipalities]}


class ForschungPanel(RolePanel):
    """The researcher's evaluations, guides, checklists and Prüfraster, with their status."""

    name = "forschung_dashboard"
    template_name = "accounts/dashboard/forschung_panel.html"
    order = 40

    def get_context_data(self, parent_context=None):
        knowledge = page_permission_policy.instances_user_has_permission_for(self.user, "change").type(
            GuidePage, ChecklistPage
        )
        evaluations = Page.objects.type(EvaluationReportPage).filter(owner=self.user)
        pages_qs = _needs_changes_first(
            with_review_states(
                Page.objects.filter(Q(pk__in=knowledge.values("pk")) | Q(pk__in=evaluations.values("pk")))
            )
        )
        pages = list(pages_qs[:MAX_ROWS])
        total = pages_qs.count() if len(pages) == MAX_ROWS else len(pages)
        pruefraster = set(
            ChecklistPage.objects.filter(pk__in=[p.pk for p in pages], is_pruefraster=True).values_list("pk", flat=True)
        )
        rows = [_row(page, {}) for page in pages]
        for row in rows:
            if row.page.pk in pruefraster:
                row.type_label = str(_("Prüfraster"))

        wissen = roles.section_page("wissen")
        kommunen = roles.section_page("kommunen")
        create_links = []
        if wissen is not None:
            if may_create(self.user, wissen, GuidePage):
                create_links.append((_("Leitfaden anlegen"), add_url(wissen, GuidePage)))
            if may_create(self.user, wissen, ChecklistPage):
                create_links.append((_("Checkliste oder Prüfraster anlegen"), add_url(wissen, ChecklistPage)))
        return {
            "rows": rows,
            "total": total,
            "create_links": create_links,
            # Evaluations belong under the project evaluated: there is no single place to link to.
            "evaluation_url": reverse("wagtailadmin_explore", args=[kommunen.pk]) if kommunen else None,
            "explore_url": reverse("wagtailadmin_explore", args=[wissen.pk]) if wissen else None,
        }


@dataclass
class QueueRow:
    page: Page
    task_state: TaskState
    type_label: str
    edit_url: str
    waiting: str
    completeness: Completeness | None


class RedaktionPanel(RolePanel):
    """The review queue, oldest submission first: what has waited longest is reviewed first."""

    name = "redaktion_dashboard"
    template_name = "accounts/dashboard/redaktion_panel.html"
    order = 50

    def get_context_data(self, parent_context=None):
        states_qs = (
            TaskState.objects.reviewable_by(self.user)
            .filter(workflow_state__base_content_type=get_default_page_content_type(), revision__isnull=False)
            .select_related("revision", "revision__user")
            .order_by("started_at", "pk")
        )
        states = list(states_qs[:MAX_ROWS])
        total = states_qs.count() if len(states) == MAX_ROWS else len(states)
        pages = Page.objects.in_bulk([int(state.revision.object_id) for state in states])
        states = [state for state in states if int(state.revision.object_id) in pages]
        # The revision under review, not the page's latest draft, is what the reviewer decides on.
        contents = {int(state.revision.object_id): state.revision.content for state in states}
        scores = completeness_by_page(list(pages.values()), contents)
        now = timezone.now()
        rows = []
        for state in states:
            page = pages[int(state.revision.object_id)]
            rows.append(
                QueueRow(
                    page=page,
                    task_state=state,
                    type_label=type_label(page),
                    edit_url=reverse("wagtailadmin_pages:edit", args=[page.pk]),
                    waiting=waiting_since(state.started_at, now),
                    completeness=scores.get(page.pk),
                )
            )
        return {"rows": rows, "total": total, "report_url": reverse("wagtailadmin_reports:workflow")}
