"""The public request form and the note form of the admin's decision views."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import BaseUserManager
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cms.core.honeypot import HoneypotField

from .models import MESSAGE_MAX_LENGTH, AccessRequest, municipality_label
from .municipalities import MAX_CANDIDATES, resolve

# Accounts are handed out to municipal staff on the strength of their address: a private
# mailbox proves nothing about who sends from it.
FREEMAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "web.de",
        "gmx.de",
        "gmx.net",
        "gmx.at",
        "gmx.ch",
        "t-online.de",
        "outlook.com",
        "outlook.de",
        "hotmail.com",
        "hotmail.de",
        "live.com",
        "live.de",
        "msn.com",
        "yahoo.com",
        "yahoo.de",
        "ymail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "posteo.de",
        "mailbox.org",
        "freenet.de",
        "arcor.de",
        "online.de",
        "email.de",
        "proton.me",
        "protonmail.com",
        "tutanota.com",
        "tuta.io",
    }
)


def is_freemail(email: str) -> bool:
    domain = email.rsplit("@", 1)[-1].lower().rstrip(".")
    return any(domain == d or domain.endswith("." + d) for d in FREEMAIL_DOMAINS)


HINTS = {
    "name": _("Vor- und Nachname, so wie er im Konto erscheinen soll."),
    "email": _("Bitte die dienstliche Adresse Ihrer Verwaltung oder Einrichtung, keine private Adresse."),
    "municipality_query": _(
        "Name der Kommune oder der 8-stellige Amtliche Gemeindeschlüssel (AGS), z. B. „Buxtehude“ oder „03359010“."
    ),
    "organisation": _("Hochschule, Institut oder Forschungseinrichtung."),
    "consent": _("Die Datenschutzhinweise erklären, wofür wir Ihre Angaben verwenden."),
    "message": _("Höchstens 2000 Zeichen, z. B. Ihre Funktion oder welche Projekte Sie eintragen möchten."),
}


class AccessRequestForm(forms.Form):
    name = forms.CharField(
        label=_("Ihr Name"),
        max_length=200,
        error_messages={
            "required": _("Bitte geben Sie Ihren Namen an."),
            "max_length": _("Der Name darf höchstens 200 Zeichen lang sein."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Dienstliche E-Mail-Adresse"),
        max_length=254,
        error_messages={
            "required": _("Bitte geben Sie Ihre dienstliche E-Mail-Adresse an."),
            "invalid": _("Bitte geben Sie eine gültige E-Mail-Adresse an, z. B. vorname.nachname@stadt-beispiel.de."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "work email", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(
        label=_("Ich beantrage einen Zugang für"),
        choices=[
            (AccessRequest.Role.KOMMUNE, _("meine Kommune (Mitarbeiterin oder Mitarbeiter einer Verwaltung)")),
            (AccessRequest.Role.FORSCHUNG, _("die Forschung (Hochschule oder Institut)")),
        ],
        initial=AccessRequest.Role.KOMMUNE,
        error_messages={
            "required": _("Bitte wählen Sie aus, wofür Sie den Zugang beantragen."),
            "invalid_choice": _("Bitte wählen Sie aus, wofür Sie den Zugang beantragen."),
        },
        widget=forms.RadioSelect,
    )
    municipality_query = forms.CharField(
        label=_("Kommune"),
        required=False,
        max_length=200,
        # No browser autofill: the suggestions come from the municipality list (datalist).
        widget=forms.TextInput(attrs={"autocomplete": "off", "list": "municipality-suggestions"}),
    )
    municipality_choice = forms.CharField(required=False, max_length=8)
    organisation = forms.CharField(
        label=_("Organisation"),
        required=False,
        max_length=200,
        error_messages={"max_length": _("Die Organisation darf höchstens 200 Zeichen lang sein.")},
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    message = forms.CharField(
        label=_("Nachricht an die Redaktion"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        error_messages={
            "max_length": _("Die Nachricht darf höchstens %(limit_value)d Zeichen lang sein (jetzt: %(show_value)d).")
        },
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": MESSAGE_MAX_LENGTH}),
    )
    consent = forms.BooleanField(
        label=_(
            "Ich habe die Datenschutzhinweise gelesen und bin einverstanden, dass meine Angaben zur Bearbeitung der Anfrage gespeichert werden."
        ),
        error_messages={
            "required": _("Bitte stimmen Sie den Datenschutzhinweisen zu, damit wir Ihre Anfrage bearbeiten können.")
        },
    )
    # Honeypot: hidden from people (CSS, aria-hidden, no tab stop); bots fill in every field.
    website = HoneypotField(label=_("Webseite (bitte leer lassen)"))

    field_order = ["name", "email", "role", "municipality_query", "organisation", "message", "consent"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.municipality = None
        self.candidates: list = []
        self.more_candidates = False
        self.chosen_ags = ""
        self.fields["municipality_query"].widget.attrs["data-lookup-url"] = reverse("access:municipalities")
        self._describe_widgets()  # hints already on the empty form; errors are added by full_clean

    # -- accessibility ---------------------------------------------------------------------
    def full_clean(self):
        super().full_clean()
        self._describe_widgets()

    def _describe_widgets(self):
        """Link hints and errors to their inputs, so screen readers announce them with the field."""
        errors = self._errors or {}
        for name, field in self.fields.items():
            ids = []
            if name in HINTS:
                ids.append(f"{name}-hint")
            if errors.get(name):
                ids.append(f"{name}-error")
                field.widget.attrs["aria-invalid"] = "true"
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)

    @property
    def hints(self) -> dict:
        return HINTS

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor id, message) pairs for the summary at the top of the form."""
        anchors = {
            "role": "id_role_0",
            "municipality_query": "id_municipality_choice_0" if self.candidates else "id_municipality_query",
        }
        summary = []
        for name in self.field_order:
            for message in self.errors.get(name, []):
                summary.append((anchors.get(name, f"id_{name}"), message))
        for message in self.non_field_errors():
            summary.append(("id_name", message))
        return summary

    # -- validation ------------------------------------------------------------------------
    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Bitte geben Sie Ihren Namen an."))
        return name

    def clean_email(self):
        email = BaseUserManager.normalize_email(self.cleaned_data["email"].strip())
        if is_freemail(email):
            raise forms.ValidationError(
                _(
                    "Bitte verwenden Sie Ihre dienstliche E-Mail-Adresse (z. B. der Stadt- oder Gemeindeverwaltung "
                    "oder Ihrer Hochschule). Adressen von privaten E-Mail-Anbietern können wir nicht freischalten."
                )
            )
        if AccessRequest.objects.filter(email__iexact=email, status=AccessRequest.Status.PENDING).exists():
            raise forms.ValidationError(
                _(
                    "Für diese E-Mail-Adresse liegt bereits eine offene Anfrage vor. Wir melden uns, sobald sie "
                    "bearbeitet ist – eine zweite Anfrage ist nicht nötig."
                )
            )
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _(
                    "Für diese E-Mail-Adresse gibt es bereits ein Konto. Bitte melden Sie sich damit an; "
                    "ein neues Passwort können Sie auf der Anmeldeseite anfordern."
                )
            )
        return email

    def clean_message(self):
        return self.cleaned_data["message"].strip()

    def clean(self):
        data = super().clean()
        role = data.get("role")
        query = data.get("municipality_query", "")
        if query:
            self._resolve_municipality(query, data.get("municipality_choice", ""))
        elif role == AccessRequest.Role.KOMMUNE:
            self.add_error(
                "municipality_query",
                _("Bitte geben Sie Ihre Kommune an: den Namen oder den 8-stelligen Gemeindeschlüssel."),
            )
        if role == AccessRequest.Role.FORSCHUNG and not data.get("organisation", "").strip():
            self.add_error("organisation", _("Bitte geben Sie bei Rolle Forschung Ihre Organisation an."))
        return data

    def _resolve_municipality(self, query: str, choice: str) -> None:
        result = resolve(query)
        if result.municipality is not None:
            self._accept(result.municipality)
            return
        if result.by_ags and not result.candidates:
            self.add_error(
                "municipality_query",
                _("Zum Gemeindeschlüssel „%(ags)s“ gibt es keine Kommune. Bitte prüfen Sie die Ziffern.")
                % {"ags": query.strip()},
            )
            return
        if not result.candidates:
            self.add_error(
                "municipality_query",
                _(
                    "Wir haben keine Kommune mit dem Namen „%(query)s“ gefunden. Bitte prüfen Sie die Schreibweise "
                    "oder geben Sie den 8-stelligen Gemeindeschlüssel an."
                )
                % {"query": query.strip()},
            )
            return
        self.candidates = result.candidates
        self.more_candidates = result.more
        chosen = next((m for m in result.candidates if m.ags == choice), None)
        if chosen is not None:
            self._accept(chosen)
            return
        if choice:
            message = _("Bitte wählen Sie Ihre Kommune aus der Liste.")
        elif result.more:
            message = _(
                "Mehr als %(count)d Kommunen passen zu „%(query)s“. Bitte wählen Sie Ihre aus der Liste oder "
                "geben Sie den Namen genauer oder den Gemeindeschlüssel ein."
            ) % {"count": MAX_CANDIDATES, "query": query.strip()}
        else:
            message = _("Mehrere Kommunen passen zu „%(query)s“. Bitte wählen Sie Ihre aus der Liste.") % {
                "query": query.strip()
            }
        self.add_error("municipality_query", message)

    def _accept(self, municipality) -> None:
        self.municipality = municipality
        self.candidates = []
        self.chosen_ags = municipality.ags
        # Show the unambiguous form if the page comes back for another field's error.
        self.data = self.data.copy()
        self.data["municipality_query"] = municipality_label(municipality)

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get("website", "").strip())


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=_("Nachricht an die anfragende Person (freiwillig)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Wird in die E-Mail an die anfragende Person übernommen, z. B. der Grund einer Ablehnung."),
    )
