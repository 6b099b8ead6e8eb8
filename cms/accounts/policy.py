"""The rules Wagtail's page permissions cannot express, in one place.

Wagtail grants actions on subtrees, whatever the page type. The platform needs more:

- Evaluation reports are researchers' content, even though they sit under a municipality's
  project (where the municipality's group has edit rights on the whole subtree).
- Researchers need Wagtail's add permission on "Kommunen" to add evaluation reports under
  any project, but must not add projects, profiles or experience reports there.
- Home, section and legal pages are the editorial team's, even inside a subtree someone
  else may edit (researchers edit all of "Wissen", not the "Wissen" page itself).
- Page types belong to their section: guides and checklists under "Wissen", municipalities,
  projects and reports under "Kommunen" (the section page type allows both everywhere).

Each check returns ``None`` when allowed, else the German reason shown to the user. The
admin hooks (``wagtail_hooks.py``) run them after Wagtail's own permission check, so they
only ever narrow what Wagtail allows. Superusers and the editorial team pass every rule but
the section rule (which superusers may override, e.g. to repair content).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from cms.core.models import HomePage, SectionIndexPage, StandardPage
from cms.knowledge.models import KnowledgePage
from cms.projects.models import EvaluationReportPage, MunicipalityPage, ProjectPage, ReportPage

from .roles import EDITORIAL_GROUP, RESEARCH_GROUP, section_page

STRUCTURE_TYPES = (HomePage, SectionIndexPage, StandardPage)
MUNICIPAL_TYPES = (MunicipalityPage, ProjectPage, ReportPage)

EVALUATION_ONLY_RESEARCH = _("Evaluationsberichte verfassen und bearbeiten nur die Forschung und die Redaktion.")
EVALUATION_ONLY_UNDER_PROJECT = _("Evaluationsberichte gehören unter einen Projekt-Steckbrief.")
EVALUATION_OWN_ONLY = _(
    "Sie können nur Evaluationsberichte bearbeiten, die Sie selbst angelegt haben. "
    "Für andere wenden Sie sich bitte an die Redaktion."
)
NOT_YOUR_AREA = _(
    "Diese Seite gehört nicht zu Ihrem Bereich: Profil, Projekte und Erfahrungsberichte einer Kommune "
    "bearbeitet nur die Kommune selbst."
)
STRUCTURE_ONLY_EDITORIAL = _("Startseite, Bereichsseiten und Rechtstexte pflegt die Redaktion.")
NEW_MUNICIPALITY_ONLY_EDITORIAL = _("Neue Kommunen legt die Redaktion an.")
KNOWLEDGE_IN_WISSEN = _("Leitfäden und Checklisten gehören in den Bereich „Wissen“.")
MUNICIPAL_IN_KOMMUNEN = _("Kommunen, Projekte und Berichte gehören in den Bereich „Kommunen“.")
MUNICIPALITY_BINDING = _("Zu welcher Gemeinde diese Seite gehört, kann nur die Redaktion ändern.")


# -- who is who ------------------------------------------------------------------------------
def in_group(user, name: str) -> bool:
    return user.is_authenticated and user.groups.filter(name=name).exists()


def is_moderator(user) -> bool:
    return user.is_active and (user.is_superuser or in_group(user, EDITORIAL_GROUP))


def is_researcher(user) -> bool:
    return user.is_active and in_group(user, RESEARCH_GROUP)


def page_actions(user, page: Page) -> set[str]:
    """Wagtail's actions ("add", "change", "publish", …) the user's groups grant on the page."""
    return set(getattr(page.permissions_for_user(user), "permissions", ()))


def _inside(page: Page, section: Page | None) -> bool:
    return section is not None and page.path.startswith(section.path)


# -- the checks ------------------------------------------------------------------------------
def _section_fit(parent: Page, page_class: type[Page]) -> str | None:
    if issubclass(page_class, KnowledgePage):
        wissen = section_page("wissen")
        if wissen is not None and not _inside(parent, wissen):
            return KNOWLEDGE_IN_WISSEN
    if issubclass(page_class, MUNICIPAL_TYPES):
        kommunen = section_page("kommunen")
        if kommunen is not None and not _inside(parent, kommunen):
            return MUNICIPAL_IN_KOMMUNEN
    return None


def check_create(user, parent: Page, page_class: type[Page]) -> str | None:
    if user.is_superuser:
        return None
    if reason := _section_fit(parent, page_class):
        return reason
    if is_moderator(user):
        return None
    if issubclass(page_class, EvaluationReportPage):
        if not is_researcher(user):
            return EVALUATION_ONLY_RESEARCH
        return None if issubclass(parent.specific_class, ProjectPage) else EVALUATION_ONLY_UNDER_PROJECT
    if issubclass(page_class, MunicipalityPage):
        return NEW_MUNICIPALITY_ONLY_EDITORIAL
    if issubclass(page_class, STRUCTURE_TYPES):
        return STRUCTURE_ONLY_EDITORIAL
    # Everything else (projects, experience reports, guides, checklists) is created by whoever
    # may edit the whole area: the municipality's group in its subtree, researchers in "Wissen".
    # Wagtail's add permission alone (researchers on "Kommunen") is not enough.
    return None if "change" in page_actions(user, parent) else NOT_YOUR_AREA


def check_edit(user, page: Page) -> str | None:
    if is_moderator(user):
        return None
    page_class = page.specific_class
    if issubclass(page_class, EvaluationReportPage):
        if not is_researcher(user):
            return EVALUATION_ONLY_RESEARCH
        return None if page.owner_id == user.pk else EVALUATION_OWN_ONLY
    if issubclass(page_class, STRUCTURE_TYPES):
        return STRUCTURE_ONLY_EDITORIAL
    actions = page_actions(user, page)
    if "change" in actions:
        return None
    # Wagtail's "add" means "add, and edit the pages you own". Researchers own nothing under
    # "Kommunen" but their evaluation reports, handled above.
    if "add" in actions and page.owner_id == user.pk and not _inside(page, section_page("kommunen")):
        return None
    return NOT_YOUR_AREA


def check_subtree(user, page: Page) -> str | None:
    """Deleting or moving a page takes its descendants along: each must be editable."""
    for each in page.get_descendants(inclusive=True):
        if reason := check_edit(user, each):
            return reason
    return None


def check_delete(user, page: Page) -> str | None:
    return check_subtree(user, page)


def check_move(user, page: Page, destination: Page) -> str | None:
    if reason := check_subtree(user, page):
        return reason
    if page.get_parent().pk == destination.pk:
        return None  # reordering among siblings
    return check_create(user, destination, page.specific_class)


def check_copy(user, page: Page, destination: Page | None = None, with_subpages: bool = False) -> str | None:
    """Copy only what you may edit, to where you may create it (Wagtail checks only the latter)."""
    if reason := (check_subtree(user, page) if with_subpages else check_edit(user, page)):
        return reason
    if destination is not None:
        return check_create(user, destination, page.specific_class)
    return None


def check_municipality_binding(user, page: Page, posted_value: str | None) -> str | None:
    """Kommune editors edit their profile but must not re-point it to another municipality."""
    if posted_value is None or is_moderator(user) or not isinstance(page, MunicipalityPage):
        return None
    return None if posted_value == str(page.municipality_id) else MUNICIPALITY_BINDING
