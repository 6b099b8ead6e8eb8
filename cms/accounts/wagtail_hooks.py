"""Admin hooks that enforce ``cms.accounts.policy`` and word the review workflow in German.

Wagtail runs these after its own permission checks, so a request that reaches them is one
Wagtail would allow; what they refuse gets a 403 page that says why, instead of Wagtail's
generic redirect to the dashboard.
"""

from __future__ import annotations

from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.action_menu import SubmitForModerationMenuItem
from wagtail.admin.menu import MenuItem
from wagtail.models import Page

from cms.core.converters import parse_id

from . import dashboards, first_steps, policy


def forbidden(request, reason, explore: Page | None = None) -> TemplateResponse:
    """A 403 page in the admin's frame; ``explore`` is the page listing the "back" link leads to."""
    return TemplateResponse(
        request,
        "accounts/permission_denied.html",
        {"page_title": _("Keine Berechtigung"), "header_icon": "lock", "reason": reason, "explore": explore},
        status=403,
    )


@hooks.register("before_create_page")
def check_create_page(request, parent_page, page_class):
    if reason := policy.check_create(request.user, parent_page, page_class):
        return forbidden(request, reason, parent_page)


@hooks.register("before_edit_page")
def check_edit_page(request, page):
    if reason := policy.check_edit(request.user, page):
        return forbidden(request, reason, page.get_parent())
    if request.method == "POST":
        posted = request.POST.get("municipality")
        if reason := policy.check_municipality_binding(request.user, page, posted):
            return forbidden(request, reason, page.get_parent())


@hooks.register("before_delete_page")
def check_delete_page(request, page):
    if reason := policy.check_delete(request.user, page):
        return forbidden(request, reason, page.get_parent())


@hooks.register("before_move_page")
def check_move_page(request, page, destination):
    if reason := policy.check_move(request.user, page, destination):
        return forbidden(request, reason, page.get_parent())


@hooks.register("before_copy_page")
def check_copy_page(request, page):
    destination = None
    parent_id = parse_id(request.POST.get("new_parent_page")) if request.method == "POST" else None
    if parent_id is not None:
        destination = Page.objects.filter(pk=parent_id).first()
    with_subpages = request.method == "POST" and bool(request.POST.get("copy_subpages"))
    if reason := policy.check_copy(request.user, page, destination, with_subpages=with_subpages):
        return forbidden(request, reason, page.get_parent())


@hooks.register("before_bulk_action")
def check_bulk_page_action(request, action_type, objects, action_class_instance):
    """Bulk delete and move bypass the single-page hooks; apply the same rules per page."""
    if not issubclass(action_class_instance.model, Page):
        return None
    for page in objects:
        if action_type == "delete":
            reason = policy.check_delete(request.user, page)
        elif action_type == "move":
            destination = action_class_instance.cleaned_form.cleaned_data["chooser"]
            reason = policy.check_move(request.user, page, destination)
        else:
            reason = None  # publishing and unpublishing are Wagtail's publish permission alone
        if reason:
            return forbidden(request, reason, page.get_parent())
    return None


class ReviewSubmitMenuItem(SubmitForModerationMenuItem):
    """ "Zur Prüfung einreichen" instead of Wagtail's "In <Workflowname> einreichen", which
    reads wrongly with a German workflow name ("In Redaktionelle Prüfung einreichen")."""

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        page = context.get("page")
        state = page.current_workflow_state if page is not None and page.pk else None
        if state is not None and state.status == state.STATUS_NEEDS_CHANGES:
            context["label"] = _("Erneut zur Prüfung einreichen")
        else:
            context["label"] = _("Zur Prüfung einreichen")
        return context


@hooks.register("construct_page_action_menu")
def word_submit_for_review(menu_items, request, context):
    """German wording, and for those who cannot publish "Zur Prüfung einreichen" as the main button.

    Wagtail makes the first item the big button; by order that is "Entwurf speichern". For
    municipal and research editors the step that matters is handing the page to the editorial
    team, so that is what the button does; saving a draft stays in the menu next to it.
    """
    for index, item in enumerate(menu_items):
        if type(item) is SubmitForModerationMenuItem:
            replacement = ReviewSubmitMenuItem(order=item.order)
            menu_items[index] = replacement
            if not _can_publish(request.user, context):
                menu_items.insert(0, menu_items.pop(index))
            break


def _can_publish(user, context) -> bool:
    """Whether the user may publish the page being edited (or a new page under its parent)."""
    if context.get("view") == "create":
        return context["parent_page"].permissions_for_user(user).can_publish_subpage()
    page = context.get("page")
    return page is not None and page.permissions_for_user(user).can_publish()


# -- "Erste Schritte": the guide per role (cms/accounts/first_steps.py) ----------------------------
@hooks.register("register_admin_urls")
def register_first_steps_url():
    return [path("erste-schritte/", first_steps.FirstStepsView.as_view(), name="first_steps")]


class FirstStepsMenuItem(MenuItem):
    """Shown only to users with a platform role: the guide has nothing for anyone else."""

    def is_shown(self, request) -> bool:
        return bool(first_steps.user_roles(request.user))


@hooks.register("register_admin_menu_item")
def register_first_steps_menu_item():
    return FirstStepsMenuItem(gettext_lazy("Erste Schritte"), reverse("first_steps"), icon_name="help", order=50)


@hooks.register("construct_homepage_panels")
def add_first_steps_panel(request, panels):
    if panel := first_steps.dashboard_panel(request.user):
        panels.insert(0, panel)


@hooks.register("construct_homepage_panels")
def add_role_dashboards(request, panels):
    """Each platform role's own panel (cms/accounts/dashboards.py); none for administrators without a role."""
    panels.extend(dashboards.panels_for(request.user))


# Wagtail's own help items link to its release notes and its English editor guide on wagtail.org;
# the platform's guide is "Erste Schritte". The keyboard shortcuts stay.
WAGTAIL_HELP_ITEMS = ("editor-guide", "whats-new-in-wagtail-")


@hooks.register("construct_help_menu")
def replace_wagtail_help(request, menu_items):
    menu_items[:] = [item for item in menu_items if not item.name.startswith(WAGTAIL_HELP_ITEMS)]
