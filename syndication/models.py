"""E-mail alerts without an account: one row per address and watched search or project.

A row exists from the moment someone asks for an alert; it counts as a subscription only once
the address has confirmed it (double opt-in, ``confirmed_at``). Unconfirmed rows are deleted
after CONFIRM_DAYS (``syndication.alerts.purge_unconfirmed``), confirmed ones when their
address unsubscribes: the address is then gone from the database.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# How long a confirmation link is valid, and how long an unconfirmed row is kept.
CONFIRM_DAYS = 7
# Subscriptions (confirmed or waiting for confirmation) one address may hold.
MAX_PER_ADDRESS = 20
# The watched search, serialised as JSON: q is at most 500 characters (search.query), so this
# leaves room for a handful of filters but not for thirty values in every facet.
MAX_PARAMS_CHARS = 2000


class Frequency(models.TextChoices):
    DAILY = "taeglich", _("täglich")
    WEEKLY = "woechentlich", _("wöchentlich")


class Kind(models.TextChoices):
    SEARCH = "suche", _("Suche")
    PROJECT = "projekt", _("Projekt")


class AlertSubscription(models.Model):
    """What one address watches, how often it hears about it, and how far it has heard.

    ``target_key`` identifies what is watched ("projekt:<id>" or "suche:<hash of the
    normalised parameters>"), so that the same request twice finds the earlier row instead of
    filling the address's quota. Tokens are never stored as they are sent where a hash will do:
    the confirmation link is needed once, so only its SHA-256 is kept; the unsubscribe link
    must be in every digest, so its secret is kept, and compared in constant time (see
    ``syndication.alerts``).
    """

    email = models.EmailField(_("E-Mail-Adresse"), max_length=254, db_index=True)
    kind = models.CharField(_("Art"), max_length=10, choices=Kind.choices)
    search_params = models.JSONField(
        _("Suchparameter"),
        default=dict,
        blank=True,
        help_text=_("Suchbegriff und Filter, wie /suche/ sie annimmt (nur bei Art „Suche“)."),
    )
    project = models.ForeignKey(
        "projects.ProjectPage",
        verbose_name=_("Projekt"),
        null=True,
        blank=True,
        # A deleted project has nothing more to report: its followers' rows go with it.
        on_delete=models.CASCADE,
        related_name="+",
    )
    target_key = models.CharField(max_length=80, editable=False)
    frequency = models.CharField(_("Häufigkeit"), max_length=12, choices=Frequency.choices, default=Frequency.WEEKLY)
    confirm_token_hash = models.CharField(max_length=64, editable=False)
    confirm_requested_at = models.DateTimeField(_("Bestätigung angefordert"))
    unsubscribe_secret = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("bestätigt"), null=True, blank=True)
    digest_cutoff = models.DateTimeField(
        _("berücksichtigt bis"),
        null=True,
        blank=True,
        help_text=_("Was vor diesem Zeitpunkt veröffentlicht wurde, hat die Adresse schon erfahren."),
    )
    last_sent_at = models.DateTimeField(_("letzte Zusammenfassung"), null=True, blank=True)

    class Meta:
        verbose_name = _("Benachrichtigung")
        verbose_name_plural = _("Benachrichtigungen")
        indexes = [models.Index(fields=["target_key"]), models.Index(fields=["confirmed_at", "digest_cutoff"])]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind=Kind.SEARCH, project__isnull=True))
                | (models.Q(kind=Kind.PROJECT, project__isnull=False)),
                name="alert_kind_matches_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.target_key} ({self.get_frequency_display()})"

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None
