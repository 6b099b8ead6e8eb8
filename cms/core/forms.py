"""The admin edit form every page type of the platform builds on: no silent overwrite of a newer version.

Wagtail 8 knows which revision an editor loaded (the hidden ``loaded_revision_id`` and
``loaded_revision_created_at`` inputs of the page editor) but compares them with the page's
latest revision on the server only for autosave requests. An ordinary "Speichern",
"Veröffentlichen" or "Zur Prüfung einreichen" is a plain form POST that Wagtail saves without
that comparison; the only warning is a dialog in the browser, shown once the editing-session
ping (every 10 seconds, and not while the tab is hidden) has noticed the other editor's save.
A submit before the next ping, a browser without JavaScript or any other client therefore made
a new revision from an outdated form, and the colleague's draft was silently replaced as the
current version. The check below closes that gap on the server, for every action of the edit
view, with Wagtail's autosave rules (see ``PlatformPageForm.newer_revision`` for the one
difference).
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.utils import get_user_display_name
from wagtail.models import Revision

from cms.core.converters import parse_id


class PlatformPageForm(WagtailAdminPageForm):
    """Refuses to save a page from a form loaded before someone else saved a newer revision.

    The refusal is a form error, so Wagtail's edit view shows the form again with the editor's
    input kept and the error in its message. The form is then rendered for the current latest
    revision: saving once more, after looking at the newer version, replaces it knowingly. The
    newer revision stays in the page's history either way.
    """

    def clean(self):
        cleaned_data = super().clean()
        newer = self.newer_revision()
        if newer is not None:
            self.add_error(None, self.outdated_message(newer))
        return cleaned_data

    def newer_revision(self) -> Revision | None:
        """The newest revision someone else saved after the submitted form was loaded, if any.

        Built on the rules of ``wagtail.admin.views.pages.edit.EditView.is_out_of_date``: an
        autosave revision the editor made (``overwrite_revision_id``) must still be the latest
        one; otherwise the loaded revision must be the latest by id and, because autosave
        rewrites a revision in place, by its creation time. One difference: when the form is
        behind, only other people's revisions (or automatic ones, without a user) count. The
        browser never tells the form about the editor's own autosaves (Wagtail sends their id
        with the next autosave only), so a "Speichern" after an autosave arrives with the
        originally loaded revision; refusing it would refuse every editor who typed for a
        moment. The price is that a save of one's own in another window is not caught here;
        Wagtail's editing-session dialog still reports it. A form without the inputs (a page
        that had no revision when it was opened) cannot be judged and is let through, as in
        Wagtail.
        """
        if self.instance.pk is None:
            return None
        latest = self.instance.get_latest_revision()
        if latest is None:
            return None
        if overwrite_revision_id := self.data.get("overwrite_revision_id"):
            return None if overwrite_revision_id == str(latest.pk) else latest
        loaded_revision_id = self.data.get("loaded_revision_id")
        if not loaded_revision_id:
            return None
        loaded_created_at = self.data.get("loaded_revision_created_at", "")
        if loaded_revision_id == str(latest.pk) and loaded_created_at == latest.created_at.isoformat():
            return None
        newer = self.instance.revisions.all()
        try:
            newer = newer.filter(created_at__gt=datetime.fromisoformat(loaded_created_at))
        except ValueError:
            loaded_id = parse_id(loaded_revision_id)
            if loaded_id is not None:
                newer = newer.filter(pk__gt=loaded_id)
        if self.for_user is not None:
            newer = newer.exclude(user=self.for_user)  # keeps revisions without a user
        return newer.select_related("user").order_by("-created_at", "-pk").first()

    def outdated_message(self, newer: Revision) -> str:
        """Who saved when, that nothing was saved, and what saving again does."""
        saved_at = date_format(timezone.localtime(newer.created_at), "SHORT_DATETIME_FORMAT")
        if newer.user_id is None:
            who = _("Diese Seite wurde am %(time)s automatisch (etwa durch einen Import) gespeichert,") % {
                "time": saved_at
            }
        elif self.for_user is not None and newer.user_id == self.for_user.pk:
            who = _("Sie haben diese Seite am %(time)s in einem anderen Fenster gespeichert,") % {"time": saved_at}
        else:
            who = _("%(name)s hat diese Seite am %(time)s gespeichert,") % {
                "name": get_user_display_name(newer.user),
                "time": saved_at,
            }
        return _(
            "%(who)s nachdem Sie sie zum Bearbeiten geöffnet hatten. Ihre Änderungen wurden deshalb nicht "
            "gespeichert. Sehen Sie sich die neuere Version im Versionsverlauf an. Wenn Sie danach erneut "
            "speichern, ersetzen Ihre Eingaben diese Version; sie bleibt im Versionsverlauf erhalten."
        ) % {"who": who}
