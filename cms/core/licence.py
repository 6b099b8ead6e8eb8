"""The licences the platform names: one table, read by the footer, the API, the downloads and the catalogue.

The platform's own content (Steckbriefe, reports, guides, checklists) is published under
``CONTENT_LICENCE`` (CC BY 4.0 unless the operator chooses another entry of LICENCES). The
registry data (municipalities from Destatis) keeps its own licence, dl-de/by-2-0, with the
attribution its licence requires (registry.loaders.data_attribution).

``dcat_uri`` is the licence's URI in the DCAT-AP.de vocabulary (http://dcat-ap.de/def/licenses/),
which GovData's harvester expects; ``url`` is the human-readable licence text.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Licence:
    code: str
    name: str
    short_name: str
    url: str
    dcat_uri: str
    spdx: str


LICENCES: dict[str, Licence] = {
    licence.code: licence
    for licence in (
        Licence(
            "cc-by-4.0",
            "Creative Commons Namensnennung 4.0 International",
            "CC BY 4.0",
            "https://creativecommons.org/licenses/by/4.0/deed.de",
            "http://dcat-ap.de/def/licenses/cc-by/4.0",
            "CC-BY-4.0",
        ),
        Licence(
            "cc-by-sa-4.0",
            "Creative Commons Namensnennung – Weitergabe unter gleichen Bedingungen 4.0 International",
            "CC BY-SA 4.0",
            "https://creativecommons.org/licenses/by-sa/4.0/deed.de",
            "http://dcat-ap.de/def/licenses/cc-by-sa/4.0",
            "CC-BY-SA-4.0",
        ),
        Licence(
            "cc0-1.0",
            "Creative Commons Zero 1.0 Universell (gemeinfrei)",
            "CC0 1.0",
            "https://creativecommons.org/publicdomain/zero/1.0/deed.de",
            "http://dcat-ap.de/def/licenses/cc-zero",
            "CC0-1.0",
        ),
        Licence(
            "dl-de-by-2.0",
            "Datenlizenz Deutschland – Namensnennung – Version 2.0",
            "dl-de/by-2-0",
            "https://www.govdata.de/dl-de/by-2-0",
            "http://dcat-ap.de/def/licenses/dl-by-de/2.0",
            "DL-DE-BY-2.0",
        ),
        Licence(
            "dl-de-zero-2.0",
            "Datenlizenz Deutschland – Zero – Version 2.0",
            "dl-de/zero-2-0",
            "https://www.govdata.de/dl-de/zero-2-0",
            "http://dcat-ap.de/def/licenses/dl-zero-de/2.0",
            "DL-DE-ZERO-2.0",
        ),
    )
}

# The registry's municipality data (Destatis) is always under this licence, whatever the content's.
REGISTRY_LICENCE = LICENCES["dl-de-by-2.0"]


def content_licence() -> Licence:
    """The licence of the platform's own content, as the operator configured it (CONTENT_LICENCE)."""
    code = settings.CONTENT_LICENCE
    try:
        return LICENCES[code]
    except KeyError:
        raise ImproperlyConfigured(
            f"CONTENT_LICENCE={code!r} is not one of the known licences: {', '.join(LICENCES)}"
        ) from None


@checks.register
def check_content_licence(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """An unknown CONTENT_LICENCE stops the start, rather than every page failing on its footer."""
    if settings.CONTENT_LICENCE in LICENCES:
        return []
    return [
        checks.Error(
            f"CONTENT_LICENCE={settings.CONTENT_LICENCE!r} ist keine bekannte Lizenz.",
            hint=f"Möglich sind: {', '.join(LICENCES)} (cms/core/licence.py).",
            id="core.E001",
        )
    ]
