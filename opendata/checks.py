"""System checks for the catalogue settings (CATALOGUE_*, GOVDATA_CONTRIBUTOR_ID).

A malformed value is an error at every check: the catalogue would carry a broken URI or address.
What an operator has simply not done yet is reported by ``check --deploy`` only, and as INFO,
not as a warning: GovData assigns the contributor ID only after the catalogue is online, and the
deploy check must pass (``--fail-level WARNING``, docs/operations.md) on a new installation.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core import checks
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email

from .catalogue import CONTRIBUTORS, contact_email

CONTRIBUTOR_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def _contributor_id_is_valid(value: str) -> bool:
    if value.startswith(("http://", "https://")):
        return value.startswith(CONTRIBUTORS) and bool(CONTRIBUTOR_ID_RE.match(value.removeprefix(CONTRIBUTORS)))
    return bool(CONTRIBUTOR_ID_RE.match(value))


@checks.register()
def check_catalogue_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    contributor = settings.GOVDATA_CONTRIBUTOR_ID.strip()
    if contributor and not _contributor_id_is_valid(contributor):
        errors.append(
            checks.Error(
                f"GOVDATA_CONTRIBUTOR_ID={contributor!r} ist keine Datenbereitsteller-ID.",
                hint=f"Die ID, die GovData vergeben hat (z. B. meineKommune), oder der ganze URI {CONTRIBUTORS}….",
                id="opendata.E001",
            )
        )
    url = settings.CATALOGUE_PUBLISHER_URL.strip()
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            errors.append(
                checks.Error(
                    f"CATALOGUE_PUBLISHER_URL={url!r} ist keine http(s)-Adresse.",
                    hint="Die Homepage des Herausgebers, z. B. https://www.beispielstadt.de/.",
                    id="opendata.E002",
                )
            )
    email = contact_email()
    try:
        validate_email(email)
    except ValidationError:
        errors.append(
            checks.Error(
                f"Die Kontaktadresse des DCAT-Katalogs ({email!r}) ist keine E-Mail-Adresse.",
                hint="CATALOGUE_CONTACT_EMAIL setzen (ohne sie gilt die Adresse aus DEFAULT_FROM_EMAIL).",
                id="opendata.E003",
            )
        )
    return errors


@checks.register(deploy=True)
def check_catalogue_for_govdata(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    notes: list[checks.CheckMessage] = []
    if not settings.GOVDATA_CONTRIBUTOR_ID.strip():
        notes.append(
            checks.Info(
                "Der DCAT-Katalog (/katalog.ttl) hat keine Datenbereitsteller-ID von GovData "
                "(dcatde:contributorID); GovData übernimmt seine Datensätze erst mit ihr.",
                hint="Bei GovData (info@govdata.de) eine ID beantragen und in GOVDATA_CONTRIBUTOR_ID eintragen; "
                "bis dahin vermerkt der Katalog, dass sie fehlt.",
                id="opendata.I001",
            )
        )
    if not settings.CATALOGUE_PUBLISHER_NAME.strip():
        notes.append(
            checks.Info(
                "Der DCAT-Katalog nennt als Herausgeber den Namen der Website, nicht die veröffentlichende Stelle.",
                hint="CATALOGUE_PUBLISHER_NAME auf die Stelle setzen, die über die Nutzungsrechte entscheidet.",
                id="opendata.I002",
            )
        )
    return notes
