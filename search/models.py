"""The indexing outbox: the database remembers what the search index still has to learn."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class IndexTask(models.Model):
    """One pending change to the search index, written in the same transaction as the page change.

    If the engine is down the row simply stays pending: nothing an editor saved is lost, and
    ``search_sync`` (or the next successful write) replays it.
    """

    class Action(models.TextChoices):
        INDEX = "index", _("indexieren")
        DELETE = "delete", _("entfernen")

    page_id = models.PositiveBigIntegerField(_("Seiten-ID"), db_index=True)
    action = models.CharField(_("Aktion"), max_length=10, choices=Action.choices)
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)
    attempts = models.PositiveIntegerField(_("Versuche"), default=0)
    last_error = models.TextField(_("letzter Fehler"), blank=True)
    processed_at = models.DateTimeField(_("verarbeitet"), null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("Index-Auftrag")
        verbose_name_plural = _("Index-Aufträge")

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.page_id}"
