"""The relay log: one row per contact attempt, for abuse handling and delivery checks.

The message itself (name, subject, body) is never stored. It lives only in the memory of
the request that relays it, so a leaked or subpoenaed database holds no correspondence.
The sender's address is kept only as a keyed hash: with a complaint in hand an
administrator can find that sender's attempts, but the table alone reveals no addresses.
"""

from __future__ import annotations

from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

HASH_SALT = "cms.contact.ContactRelayLog.sender"


def hash_sender(email: str) -> str:
    """Keyed (SECRET_KEY) SHA-256 of the normalised address; equal addresses give equal hashes."""
    return salted_hmac(HASH_SALT, email.strip().casefold(), algorithm="sha256").hexdigest()


class RelayStatus(models.TextChoices):
    SENT = "sent", _("Zugestellt")
    REJECTED = "rejected", _("Abgewiesen")
    FAILED = "failed", _("Versand fehlgeschlagen")
    SPAM = "spam", _("Spam (Honeypot)")


class RelayReason(models.TextChoices):
    """Why an attempt was not sent; a code, never the submitted text."""

    RATE_LIMIT_CLIENT = "rate_limit_client", _("Zu viele Nachrichten von diesem Anschluss")
    RATE_LIMIT_PROJECT = "rate_limit_project", _("Zu viele Nachrichten an dieses Projekt")
    LINE_BREAK = "line_break", _("Zeilenumbruch in Name oder Betreff")
    HONEYPOT = "honeypot", _("Honeypot-Feld ausgefüllt")
    MAIL_ERROR = "mail_error", _("Fehler beim E-Mail-Versand")


class ContactRelayLog(models.Model):
    project = models.ForeignKey(
        "projects.ProjectPage",
        verbose_name=_("Projekt"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="contact_relay_logs",
    )
    created_at = models.DateTimeField(_("Zeitpunkt"), auto_now_add=True, db_index=True)
    status = models.CharField(_("Ergebnis"), max_length=10, choices=RelayStatus.choices)
    reason = models.CharField(_("Grund"), max_length=30, choices=RelayReason.choices, blank=True)
    sender_hash = models.CharField(
        _("Absender (Hash)"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("Verschlüsselter Fingerabdruck der Absenderadresse; die Adresse selbst wird nicht gespeichert."),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Kontaktvermittlung (Protokoll)")
        verbose_name_plural = _("Kontaktvermittlungen (Protokoll)")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_status_display()}"
