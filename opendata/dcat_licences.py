"""Licence names as people write them, mapped to the licence URIs DCAT-AP.de requires.

GovData accepts in ``dct:license`` of a distribution only URIs from its licence list
(http://dcat-ap.de/def/licenses/, Konventionenhandbuch 2.0, Konvention 32). The platform's own
content uses ``cms.core.licence.LICENCES``, which carry their ``dcat_uri`` already; the datasets
that projects publish carry a free-text licence field ("dl-de/by-2-0", "CC-BY-4.0", a licence URL),
which ``dcat_licence_uri`` maps where the licence is known. An unknown text maps to nothing:
guessing a licence would tell re-users they may do what nobody allowed.
"""

from __future__ import annotations

import re

from cms.core.licence import LICENCES

DCATDE_LICENCES = "http://dcat-ap.de/def/licenses/"

# The identifiers of GovData's licence list (the concepts of http://dcat-ap.de/def/licenses).
DCATDE_LICENCE_IDS = frozenset(
    {
        "apache",
        "bsd",
        "cc-by",
        "cc-by/4.0",
        "cc-by-de/3.0",
        "cc-by-nc",
        "cc-by-nc-de/3.0",
        "cc-by-nc/4.0",
        "cc-by-nd",
        "cc-by-nd/3.0",
        "cc-by-nd/4.0",
        "cc-by-sa",
        "cc-by-sa-de/3.0",
        "cc-by-sa/4.0",
        "ccpdm/1.0",
        "cc-zero",
        "dl-by-de/1.0",
        "dl-by-de/2.0",
        "dl-by-nc-de/1.0",
        "dl-zero-de/2.0",
        "geonutz/20130319",
        "geoNutz/20131001",
        "gfdl",
        "gpl/3.0",
        "mozilla",
        "odbl",
        "odby",
        "odcpddl",
        "officialWork",
        "other-closed",
        "other-commercial",
        "other-freeware",
        "other-open",
        "other-opensource",
    }
)

# Licences of the list that ask for no attribution: the public-domain dedications, the zero
# licences and official works (§ 5 UrhG). Every other licence of the list names its author.
ATTRIBUTION_FREE_IDS = frozenset({"cc-zero", "ccpdm/1.0", "dl-zero-de/2.0", "odcpddl", "officialWork"})

# Spellings beyond those of cms.core.licence.LICENCES: SPDX identifiers, the licences' own
# addresses, and the German short names. Keys are normalised (see ``_key``).
_EXTRA_SPELLINGS = {
    "cc-by-3.0-de": "cc-by-de/3.0",
    "cc-by-sa-3.0-de": "cc-by-sa-de/3.0",
    "cc-by-nc-4.0": "cc-by-nc/4.0",
    "cc-by-nd-4.0": "cc-by-nd/4.0",
    "creativecommons.org/licenses/by/4.0": "cc-by/4.0",
    "creativecommons.org/licenses/by-sa/4.0": "cc-by-sa/4.0",
    "creativecommons.org/licenses/by-nd/4.0": "cc-by-nd/4.0",
    "creativecommons.org/licenses/by-nc/4.0": "cc-by-nc/4.0",
    "creativecommons.org/publicdomain/zero/1.0": "cc-zero",
    "cc0": "cc-zero",
    "dl-de-by-1.0": "dl-by-de/1.0",
    "dl-de/by-1-0": "dl-by-de/1.0",
    "govdata.de/dl-de/by-2-0": "dl-by-de/2.0",
    "govdata.de/dl-de/zero-2-0": "dl-zero-de/2.0",
    "odbl": "odbl",
    "odbl-1.0": "odbl",
    "opendatacommons.org/licenses/odbl": "odbl",
    "opendatacommons.org/licenses/odbl/1-0": "odbl",
    "odc-by": "odby",
    "odc-by-1.0": "odby",
    "opendatacommons.org/licenses/by": "odby",
    "pddl-1.0": "odcpddl",
    "odc-pddl-1.0": "odcpddl",
    "opendatacommons.org/licenses/pddl": "odcpddl",
}

_MAX_LICENCE_TEXT = 200


def _key(text: str) -> str:
    """One spelling for the many ways a licence is written: case, blanks, scheme, ``www.``, deed suffixes."""
    key = text.strip().lower()
    key = re.sub(r"^https?://", "", key)
    key = re.sub(r"^www\.", "", key)
    key = re.sub(r"/(deed\.[a-z-]+|legalcode(\.[a-z-]+)?)$", "", key)
    key = key.rstrip("/")
    return re.sub(r"[\s_]+", "-", key)


def _spellings() -> dict[str, str]:
    table = {_key(licence_id): licence_id for licence_id in DCATDE_LICENCE_IDS}
    table |= {_key(DCATDE_LICENCES + licence_id): licence_id for licence_id in DCATDE_LICENCE_IDS}
    for licence in LICENCES.values():
        licence_id = licence.dcat_uri.removeprefix(DCATDE_LICENCES)
        for spelling in (licence.code, licence.short_name, licence.spdx, licence.url, licence.dcat_uri):
            table[_key(spelling)] = licence_id
    table |= {_key(spelling): licence_id for spelling, licence_id in _EXTRA_SPELLINGS.items()}
    return table


SPELLINGS = _spellings()


def dcat_licence_uri(text: str) -> str | None:
    """The DCAT-AP.de licence URI for a licence as written in a Steckbrief, or None if it is not known."""
    if not text or len(text) > _MAX_LICENCE_TEXT:
        return None
    licence_id = SPELLINGS.get(_key(text))
    return DCATDE_LICENCES + licence_id if licence_id else None


def needs_attribution(dcat_uri: str) -> bool:
    """Whether the licence asks users to name the author (then DCAT-AP.de wants licenseAttributionByText)."""
    return dcat_uri.removeprefix(DCATDE_LICENCES) not in ATTRIBUTION_FREE_IDS
