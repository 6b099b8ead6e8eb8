from django.apps import apps
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from wagtail.models import Revision

from cms.core.sanitize import sanitize_stored_rich_text


class Command(BaseCommand):
    help = (
        "Bereinigt gespeicherten Rich Text (Seiten und ihre letzten Revisionen) auf das im Editor erlaubte HTML, "
        "etwa nach einer Änderung der Editor-Funktionen. Die Datenmigrationen tun dasselbe einmalig."
    )

    def handle(self, *args, **options):
        models = [m for m in apps.get_models() if m.__module__.startswith("cms.")]
        changed = sanitize_stored_rich_text(models, Revision)
        self.stdout.write(
            self.style.SUCCESS(_("Rich Text bereinigt: %(count)d Datensätze geändert.") % {"count": changed})
        )
