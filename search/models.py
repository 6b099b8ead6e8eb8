"""The indexing outbox (what the search index still has to learn) and the Redaktion's synonym list."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
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


MAX_SYNONYMS = 500  # entries in all: every search expands its words through this table
MAX_ALTERNATIVES = 10  # per entry
MAX_SYNONYM_CHARS = 60  # per term or alternative
MAX_SYNONYM_WORDS = 4  # a term or an alternative of at most this many words
_SYNONYM_TEXT = re.compile(r"^[\w][\w .\-]*$")


def split_alternatives(text: str) -> list[str]:
    """The alternatives as written, one per line or separated by commas or semicolons, without repeats."""
    parts = [" ".join(part.split()) for part in re.split(r"[\n,;]", text or "")]
    return list(dict.fromkeys(part for part in parts if part))


class Synonym(models.Model):
    """A word of municipal language and what else people call it (KI ↔ künstliche Intelligenz).

    The Redaktion keeps this list in the admin (Snippets). Searches find documents with any
    word of an entry, the typed one ranked first (``search.analysis_query``): the relation
    goes both ways, a search for an alternative also finds the term.
    """

    term = models.CharField(
        _("Begriff"),
        max_length=MAX_SYNONYM_CHARS,
        unique=True,
        help_text=_("Ein Wort oder eine Wortgruppe (höchstens vier Wörter), z. B. „KI“."),
    )
    alternatives = models.TextField(
        _("Gleichbedeutende Begriffe"),
        max_length=MAX_ALTERNATIVES * (MAX_SYNONYM_CHARS + 1),
        help_text=_("Einer je Zeile (oder durch Kommas getrennt), höchstens zehn, z. B. „künstliche Intelligenz“."),
    )
    updated_at = models.DateTimeField(_("geändert"), auto_now=True)

    class Meta:
        ordering = ["term"]
        verbose_name = _("Synonym")
        verbose_name_plural = _("Synonyme")

    def __str__(self) -> str:
        return f"{self.term} ↔ {', '.join(self.alternative_list)}"

    @property
    def alternative_list(self) -> list[str]:
        return split_alternatives(self.alternatives)

    @staticmethod
    def _text_error(text: str) -> str:
        if len(text) > MAX_SYNONYM_CHARS:
            return _("„%(text)s…“ ist zu lang: höchstens %(max)s Zeichen.") % {
                "text": text[:20],
                "max": MAX_SYNONYM_CHARS,
            }
        if not _SYNONYM_TEXT.match(text):
            return _("„%(text)s“ darf nur Buchstaben, Ziffern, Leerzeichen, Punkt und Bindestrich enthalten.") % {
                "text": text[:30]
            }
        if len(text.split()) > MAX_SYNONYM_WORDS:
            return _("„%(text)s“ hat zu viele Wörter: höchstens %(max)s.") % {
                "text": text[:30],
                "max": MAX_SYNONYM_WORDS,
            }
        return ""

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.term = " ".join((self.term or "").split())
        if self.term and (message := self._text_error(self.term)):
            errors["term"] = message
        elif self.term:
            clash = Synonym.objects.filter(term__iexact=self.term).exclude(pk=self.pk)
            if clash.exists():
                errors["term"] = _("Für „%(term)s“ gibt es schon einen Eintrag.") % {"term": self.term}
        alternatives = split_alternatives(self.alternatives)
        if not alternatives:
            errors["alternatives"] = _("Geben Sie mindestens einen gleichbedeutenden Begriff an.")
        elif len(alternatives) > MAX_ALTERNATIVES:
            errors["alternatives"] = _("Höchstens %(max)s gleichbedeutende Begriffe je Eintrag.") % {
                "max": MAX_ALTERNATIVES
            }
        else:
            problems = [message for text in alternatives if (message := self._text_error(text))]
            if any(text.casefold() == self.term.casefold() for text in alternatives):
                problems.append(_("Der Begriff selbst gehört nicht zu seinen gleichbedeutenden Begriffen."))
            if problems:
                errors["alternatives"] = " ".join(str(problem) for problem in problems[:3])
            else:
                self.alternatives = "\n".join(alternatives)
        if self.pk is None and Synonym.objects.count() >= MAX_SYNONYMS:
            errors["term"] = _("Die Liste ist voll: höchstens %(max)s Einträge.") % {"max": MAX_SYNONYMS}
        if errors:
            raise ValidationError(errors)
