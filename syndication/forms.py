"""The subscribe form: an address, how often, and consent (the legal basis, Art. 6 (1) a DSGVO)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cms.core.honeypot import HoneypotField

from .models import Frequency

EMAIL_MAX_LENGTH = 254

HINTS = {
    "email": _("An diese Adresse schicken wir zuerst eine E-Mail mit einem Bestätigungslink."),
    "frequency": _("Sie erhalten nur dann eine E-Mail, wenn es etwas Neues gibt."),
    "consent": _("Sie können die Benachrichtigung jederzeit über den Link in jeder E-Mail abbestellen."),
}


class AlertForm(forms.Form):
    email = forms.EmailField(
        label=_("Ihre E-Mail-Adresse"),
        max_length=EMAIL_MAX_LENGTH,
        error_messages={
            "required": _("Bitte geben Sie Ihre E-Mail-Adresse an."),
            "invalid": _("Bitte geben Sie eine gültige E-Mail-Adresse an, z. B. name@beispiel.de."),
            "max_length": _("Die E-Mail-Adresse darf höchstens %(limit_value)d Zeichen lang sein."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    frequency = forms.ChoiceField(
        label=_("Wie oft möchten Sie benachrichtigt werden?"),
        choices=[
            (Frequency.DAILY, _("täglich (höchstens eine E-Mail am Tag)")),
            (Frequency.WEEKLY, _("wöchentlich (höchstens eine E-Mail in der Woche)")),
        ],
        initial=Frequency.WEEKLY,
        error_messages={
            "required": _("Bitte wählen Sie, wie oft Sie benachrichtigt werden möchten."),
            "invalid_choice": _("Bitte wählen Sie „täglich“ oder „wöchentlich“."),
        },
        widget=forms.RadioSelect,
    )
    consent = forms.BooleanField(
        label=_(
            "Ich bin einverstanden, dass die Plattform meine E-Mail-Adresse und diese Benachrichtigung speichert, "
            "um mir E-Mails zu neuen und geänderten Inhalten zu schicken."
        ),
        error_messages={
            "required": _("Bitte stimmen Sie zu; ohne Ihre Einwilligung dürfen wir Ihnen keine E-Mails schicken.")
        },
    )
    # Honeypot: hidden from people (off-screen, aria-hidden, no tab stop); bots fill in every field.
    website = HoneypotField(label=_("Webseite (bitte leer lassen)"))

    field_order = ["email", "frequency", "consent"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._describe_widgets()

    def full_clean(self):
        super().full_clean()
        self._describe_widgets()

    def _describe_widgets(self) -> None:
        """Link hints and errors to their inputs, so that screen readers read them with the field.

        The radio group gets its description on the fieldset in the template (a radio button's
        aria-describedby would be read for each option).
        """
        errors = self._errors or {}
        for name in ("email", "consent"):
            widget = self.fields[name].widget
            ids = [f"alert-{name}-hint"]
            if errors.get(name):
                ids.append(f"alert-{name}-error")
                widget.attrs["aria-invalid"] = "true"
            widget.attrs["aria-describedby"] = " ".join(ids)

    @property
    def hints(self) -> dict:
        return HINTS

    @property
    def is_spam(self) -> bool:
        """The honeypot was filled in; works on the raw data, valid or not."""
        return bool(str(self.data.get("website", "")).strip())

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor id, message) pairs for the summary above the form."""
        anchors = {"email": "id_email", "frequency": "id_frequency_0", "consent": "id_consent"}
        return [(anchors[name], message) for name in self.field_order for message in self.errors.get(name, [])]
