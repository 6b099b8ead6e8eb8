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
    if result.missing:
        description = ngettext(
            "Steckbrief zu %(percent)s %% vollständig, %(count)s empfohlene Angabe fehlt",
            "Steckbrief zu %(percent)s %% vollständig, %(count)s empfohlene Angaben fehlen",
            len(result.missing),
        ) % {"percent": result.percent, "count": len(result.missing)}
    else:
        description = _("Steckbrief vollständig")
    return [
        ListingButton(
            label,
            url=reverse("wagtailadmin_pages:edit", args=[page.pk]),
            icon_name="tasks",
            attrs={"aria-label": f"{description}: {page.get_admin_display_title()}"},
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
