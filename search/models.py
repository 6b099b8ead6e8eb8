"""The indexing outbox: the database remembers what the search index still has to learn."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class IndexTaskQuerySet(models.QuerySet):
    """The outbox's three states, defined here once for sync, the commands and the tests.

    * pending: still to be applied (neither processed nor parked);
    * done: applied (``processed_at`` set) -- also a task parked earlier whose page was
      indexed later;
    * parked: the engine rejected the document for good (``parked_at`` set, reason in
      ``last_error``); later tasks proceed, ``search_sync --retry-failed`` tries it again.
    """

    def pending(self) -> IndexTaskQuerySet:
        return self.filter(processed_at__isnull=True, parked_at__isnull=True)

    def done(self) -> IndexTaskQuerySet:
        return self.filter(processed_at__isnull=False)

    def parked(self) -> IndexTaskQuerySet:
        return self.filter(processed_at__isnull=True, parked_at__isnull=False)


class IndexTask(models.Model):
    """One pending change to the search index, written in the same transaction as the page change.

    If the engine is down the row simply stays pending: nothing an editor saved is lost, and
    ``search_sync`` (or the next successful write) replays it. A document the engine rejects
    for good is parked (see IndexTaskQuerySet) so that it cannot block every later task.
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
    parked_at = models.DateTimeField(_("zurückgestellt"), null=True, blank=True, db_index=True)

    objects = IndexTaskQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("Index-Auftrag")
        verbose_name_plural = _("Index-Aufträge")

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.page_id}"
