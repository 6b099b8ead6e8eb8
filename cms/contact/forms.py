"""The public contact form that relays a visitor's message to a project's contact person."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from cms.core.honeypot import HoneypotField

SUBJECT_MAX_LENGTH = 150
MESSAGE_MAX_LENGTH = 5000
NAME_MAX_LENGTH = 200

# Everything a mail library, a terminal or a mail client might treat as the end of a line.
LINE_BREAKS = frozenset("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def has_line_break(value: str) -> bool:
    return any(char in LINE_BREAKS for char in value)


class SingleLineField(forms.CharField):
    """A CharField that refuses line breaks before stripping whitespace.

    Name and subject end up near mail headers; a line break there is the classic header
    injection. Stripping first would hide a trailing "\\r\\n", so the raw value is checked.
    """

    default_error_messages = {
        "line_break": _("Bitte ohne Zeilenumbruch eingeben."),
    }

    def to_python(self, value):
        if isinstance(value, str) and has_line_break(value):
            raise ValidationError(self.error_messages["line_break"], code="line_break")
        return super().to_python(value)


class MessageField(forms.CharField):
    """Multi-line text; browsers send CRLF, which is counted as one character, as the user sees it."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
        return super().to_python(value)


class ContactRelayForm(forms.Form):
    name = SingleLineField(
        label=_("Ihr Name"),
        max_length=NAME_MAX_LENGTH,
        error_messages={
            "required": _("Bitte geben Sie Ihren Namen an."),
            "max_length": _("Der Name darf höchstens %(limit_value)d Zeichen lang sein."),
            "line_break": _("Der Name darf keinen Zeilenumbruch enthalten."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Ihre E-Mail-Adresse"),
        help_text=_("Damit die Ansprechperson Ihnen antworten kann."),
        max_length=254,
        error_messages={
            "required": _("Bitte geben Sie Ihre E-Mail-Adresse an, damit man Ihnen antworten kann."),
            "invalid": _("Bitte geben Sie eine gültige E-Mail-Adresse an, z. B. name@beispiel.de."),
            "max_length": _("Die E-Mail-Adresse darf höchstens %(limit_value)d Zeichen lang sein."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    subject = SingleLineField(
        label=_("Betreff"),
        max_length=SUBJECT_MAX_LENGTH,
        error_messages={
            "required": _("Bitte geben Sie einen Betreff an."),
            "max_length": _(
                "Der Betreff darf höchstens %(limit_value)d Zeichen lang sein (derzeit %(show_value)d Zeichen)."
            ),
            "line_break": _("Der Betreff darf keinen Zeilenumbruch enthalten."),
        },
    )
    message = MessageField(
        label=_("Ihre Nachricht"),
        max_length=MESSAGE_MAX_LENGTH,
        help_text=format_lazy(_("Höchstens {limit} Zeichen."), limit=MESSAGE_MAX_LENGTH),
        error_messages={
            "required": _("Bitte schreiben Sie eine Nachricht."),
            "max_length": _(
                "Die Nachricht darf höchstens %(limit_value)d Zeichen lang sein (derzeit %(show_value)d Zeichen)."
            ),
        },
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    # Honeypot: hidden from people (visually and from assistive technology), but bots that
    # fill in every field fill this one too.
    website = HoneypotField()

    honeypot_field = "website"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "kontakt-%s")
        super().__init__(*args, **kwargs)
        # Django adds maxlength from max_length; keep the browser from silently truncating a
        # long message so that the server can say how much is too much.
        self.fields["message"].widget.attrs.pop("maxlength", None)

    @property
    def is_spam(self) -> bool:
        """True when the honeypot was filled in; works on the raw data, valid or not."""
        return bool(self.data.get(self.add_prefix(self.honeypot_field), "").strip())

    def line_break_rejected(self) -> bool:
        """True when name or subject were refused for a line break (a header injection attempt)."""
        errors = self.errors.as_data()
        return any(error.code == "line_break" for name in ("name", "subject") for error in errors.get(name, []))
