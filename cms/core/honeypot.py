"""The honeypot field of the public forms (access request, contact relay, "Barriere melden", alerts).

People never see it: the templates hide it visually and from assistive technology and take it out
of the tab order. Bots that fill in every field fill it too, and the form's view then answers as
if all went well and does nothing.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class HoneypotField(forms.CharField):
    def __init__(self, label: Any = None, **kwargs: Any) -> None:
        super().__init__(
            label=label or _("Bitte lassen Sie dieses Feld leer."),
            required=False,
            widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
            **kwargs,
        )
