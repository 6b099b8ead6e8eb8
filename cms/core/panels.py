"""The page fields only administrators and the editorial team need, defined once.

Municipal and research editors fill in a page's content. The URL part ("Kurztitel"), the
search-engine fields, "In Menüs anzeigen", the exchange format's external id and the demo flag
are platform housekeeping: shown to them, they only raise questions ("Was ist ein Kurztitel?")
and invite changes that break links or imports. Each such field gets Wagtail's panel
``permission``: a user without it does not see the field, and Wagtail's form leaves it out
entirely, so a value posted anyway is ignored. Superusers hold every permission; the editorial
team is granted this one in ``cms.accounts.roles``.

Without the slug field Wagtail builds the slug from the title when the page is created
(``Page._set_core_field_defaults``, made unique among the siblings), so the slug follows the title.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, PublishingPanel
from wagtail.models import Page

# A permission on Wagtail's page content type, created by ``cms.accounts.roles``.
METADATA_PERMISSION_APP = "wagtailcore"
METADATA_PERMISSION_CODENAME = "change_page_metadata"
METADATA_PERMISSION_NAME = "Kurztitel, Suchmaschinen- und Verwaltungsfelder von Seiten bearbeiten"
METADATA_PERMISSION = f"{METADATA_PERMISSION_APP}.{METADATA_PERMISSION_CODENAME}"

# The form fields the permission hides (form input names).
METADATA_FIELDS = ("slug", "seo_title", "search_description", "show_in_menus", "external_id", "is_demo")


def metadata_panel(field_name: str, **kwargs) -> FieldPanel:
    """A field panel shown only to users with ``METADATA_PERMISSION``."""
    if field_name not in METADATA_FIELDS:
        raise ValueError(f"{field_name!r} ist kein Verwaltungsfeld; erlaubt sind {METADATA_FIELDS}.")
    return FieldPanel(field_name, permission=METADATA_PERMISSION, **kwargs)


# Wagtail's default promote panels (Page.promote_panels), each field behind the permission. A group
# whose fields are all hidden is hidden too, and so is the tab.
PROMOTE_PANELS = [
    MultiFieldPanel(
        [metadata_panel("slug"), metadata_panel("seo_title"), metadata_panel("search_description")],
        heading=_("Für Suchmaschinen"),
    ),
    MultiFieldPanel([metadata_panel("show_in_menus")], heading=_("Für Menüs der Website")),
]


class SchedulePanel(PublishingPanel):
    """Wagtail's publishing schedule, with German help for its two dates (Wagtail gives none)."""

    HELP = {
        "go_live_at": _(
            "Optional: Die Seite wird erst zu diesem Zeitpunkt öffentlich, auch wenn sie vorher freigegeben wird."
        ),
        "expire_at": _("Optional: Zu diesem Zeitpunkt wird die Seite automatisch aus der Veröffentlichung genommen."),
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        for child in self.children:
            if isinstance(child, FieldPanel) and not child.help_text:
                child.help_text = self.HELP.get(child.field_name, "")


def _is_wagtail_publishing_panel(panel) -> bool:
    return getattr(panel, "path", "") == "wagtail.admin.panels.PublishingPanel"


# Wagtail's settings panels stay for everyone: the publishing schedule (with help texts) and comments.
SETTINGS_PANELS = [
    SchedulePanel(),
    *(panel for panel in Page.settings_panels if not _is_wagtail_publishing_panel(panel)),
    metadata_panel("external_id"),
    metadata_panel("is_demo"),
]
