"""The admin's login form, worded for the platform.

Wagtail's own form declares its password field without a label, so Django derives one from the
field name: "Password", in English whatever the language. The label is set here, in German
through the project's translation functions.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm


class PlatformLoginForm(LoginForm):
    """Wagtail's login form with German labels for both fields; Wagtail's own hint texts are German already."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Benutzername")
        self.fields["password"].label = _("Passwort")
