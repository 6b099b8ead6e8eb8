"""`manage.py send_alerts`: the e-mail digests of confirmed alerts that are due (syndication/digest.py)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from syndication.digest import describe, send_alerts


class Command(BaseCommand):
    help = (
        "Benachrichtigungen: schickt jeder bestätigten Benachrichtigung, die fällig ist (täglich oder "
        "wöchentlich), eine E-Mail mit den neuen und geänderten Inhalten, und löscht unbestätigte "
        "Anmeldungen nach 7 Tagen. Einmal am Tag ausführen; öfter schadet nicht."
    )

    def handle(self, *args, **options):
        # Month names and labels in the mails: the site's language, whatever the shell's locale.
        with translation.override(settings.LANGUAGE_CODE):
            started = timezone.now()
            summary = send_alerts(started)
            self.stdout.write(
                _("Benachrichtigungen vom %(when)s:") % {"when": f"{timezone.localtime(started):%d.%m.%Y %H:%M}"}
            )
            for line in describe(summary):
                self.stdout.write(f"  {line}")
            if summary.failed:
                # A non-zero exit marks the systemd unit failed and makes cron mail the operator.
                raise CommandError(
                    _("%(count)d Zusammenfassungen konnten nicht gesendet werden (siehe Protokoll).")
                    % {"count": summary.failed}
                )
