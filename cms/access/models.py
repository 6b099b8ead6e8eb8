"""Requests for an editor account, filed by the public form and decided in the admin.

A request is deliberately not a user: nobody gets an account (or even an inactive user row)
until an administrator has looked at the request, so a spammer filling in the form can
neither lock an e-mail address nor create anything that could log in.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

MESSAGE_MAX_LENGTH = 2000


class AccessRequest(models.Model):
    class Role(models.TextChoices):
        KOMMUNE = "kommune", _("Kommune")
        FORSCHUNG = "forschung", _("Forschung")

    class Status(models.TextChoices):
        PENDING = "pending", _("Offen")
        APPROVED = "approved", _("Angenommen")
        REJECTED = "rejected", _("Abgelehnt")

    name = models.CharField(_("Name"), max_length=200)
    email = models.EmailField(_("E-Mail-Adresse"), max_length=254)
    role = models.CharField(_("Rolle"), max_length=20, choices=Role.choices, default=Role.KOMMUNE)
    # PROTECT: a registry row that people asked for must not vanish under a pending decision.
    municipality = models.ForeignKey(
        "registry.Municipality",
        verbose_name=_("Kommune"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="access_requests",
    )
    organisation = models.CharField(
        _("Organisation"), max_length=200, blank=True, help_text=_("Bei Forschung: Hochschule oder Institut.")
    )
    message = models.TextField(_("Nachricht"), max_length=MESSAGE_MAX_LENGTH, blank=True)
    consent = models.BooleanField(_("Einwilligung in die Datenschutzhinweise"), default=False)
    consent_at = models.DateTimeField(_("Einwilligung erteilt am"), null=True, blank=True)
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    created_at = models.DateTimeField(_("Eingegangen am"), auto_now_add=True)
    decided_at = models.DateTimeField(_("Entschieden am"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Entschieden von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision_note = models.TextField(
        _("Nachricht zur Entscheidung"),
        blank=True,
        help_text=_("Wird der anfragenden Person per E-Mail mitgeteilt, z. B. der Grund einer Ablehnung."),
    )
    # The account made on approval; kept so the invitation can be sent again later.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Angelegtes Konto"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="access_requests",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("Zugangsanfrage")
        verbose_name_plural = _("Zugangsanfragen")
        permissions = [("decide_accessrequest", _("Kann Zugangsanfragen annehmen und ablehnen"))]
        constraints = [
            # The form checks this too; the constraint closes the race of two parallel posts.
            models.UniqueConstraint(
                Lower("email"),
                condition=models.Q(status="pending"),
                name="access_one_pending_request_per_email",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="kommune") | models.Q(municipality__isnull=False),
                name="access_kommune_needs_municipality",
            ),
        ]

    def __str__(self) -> str:
        target = self.municipality.name if self.municipality_id else self.organisation
        return f"{self.name} ({target})" if target else self.name

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    def municipality_label(self) -> str:
        return municipality_label(self.municipality) if self.municipality_id else ""

    municipality_label.short_description = _("Kommune")


def municipality_label(municipality) -> str:
    """ "Name (Kreis, Land, AGS)": enough to tell the 17 Neustadts apart."""
    parts = [municipality.district.name, municipality.state.name, municipality.ags]
    return f"{municipality.name} ({', '.join(parts)})"
