"""Validators for registry keys, shared by models, forms and the exchange importer."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

AGS_RE = re.compile(r"^(0[1-9]|1[0-6])\d{6}$")


def validate_ags(value: str) -> None:
    """An AGS is eight digits whose first two name one of the 16 states (01–16)."""
    if not isinstance(value, str) or not AGS_RE.match(value):
        raise ValidationError(
            _(
                "„%(value)s“ ist kein gültiger Amtlicher Gemeindeschlüssel (AGS): "
                "erwartet werden 8 Ziffern, beginnend mit dem Länderschlüssel 01–16."
            ),
            code="invalid_ags",
            params={"value": value},
        )
