"""Admin hooks for project pages: the completeness summary in page listings, for editors and reviewers."""

from __future__ import annotations

from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail import hooks
from wagtail.admin.widgets import ListingButton

from .completeness import completeness
from .models import ProjectPage


@hooks.register("register_page_listing_buttons")
def completeness_listing_button(page, user, next_url=None):
    """A "73 % vollständig" button next to each project in the page explorer, linking to its editor.

    Reviewers scanning a municipality's projects see at a glance which Steckbriefe still have
    gaps. The figure is for the latest draft, the version a reviewer is asked to approve.
    """
    if page.specific_class is not ProjectPage:
        return []
    project = page.specific_deferred if not isinstance(page, ProjectPage) else page
    if not project.permissions_for_user(user).can_edit():
        return []
    draft = project.get_latest_revision_as_object() if project.has_unpublished_changes else project
    result = completeness(draft)
    label = _("%(percent)s %% vollständig") % {"percent": result.percent}
    title = page.get_admin_display_title()
    # The accessible name starts with the visible label (WCAG 2.5.3 "Label in Name"): someone who
    # says "73 % vollständig" to their speech input reaches the button; the rest tells whose it is.
    if result.missing:
        accessible_name = ngettext(
            "%(label)s: Steckbrief „%(title)s“, %(count)s empfohlene Angabe fehlt",
            "%(label)s: Steckbrief „%(title)s“, %(count)s empfohlene Angaben fehlen",
            len(result.missing),
        ) % {"label": label, "title": title, "count": len(result.missing)}
    else:
        accessible_name = _("%(label)s: Steckbrief „%(title)s“") % {"label": label, "title": title}
    return [
        ListingButton(
            label,
            url=reverse("wagtailadmin_pages:edit", args=[page.pk]),
            icon_name="tasks",
            attrs={"aria-label": accessible_name},
            priority=5,
        )
    ]


@hooks.register("insert_global_admin_css")
def editor_css():
    """Spacing for the grouped Charta chooser and the completeness panel.

    A stylesheet, not an inline <style>: this hook's output also goes into Wagtail's user bar on
    public pages, whose Content-Security-Policy blocks inline styles.
    """
    return format_html('<link rel="stylesheet" href="{}">', static("projects/editor.css"))


@hooks.register("insert_global_admin_js")
def editor_accessibility_js():
    """Accessible names for Draftail editors and tag inputs, which Wagtail leaves unnamed
    (static/js/admin-a11y.js; the findings are listed in docs/accessibility.md)."""
    return format_html('<script src="{}" defer></script>', static("js/admin-a11y.js"))
