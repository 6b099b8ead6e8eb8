"""Database ids from untrusted text: the ``<id:…>`` URL converter and ``parse_id`` for parameters.

Python's ``int()`` and ``str.isdigit()`` accept far more than an id: "²" is a digit that
``int()`` refuses, "٣" and " 3" are ints, and ``int("9" * 20)`` is a number no database column
holds (SQLite raises OverflowError, a 500). Every id that comes from a URL, a query parameter
or a form therefore goes through this module, which accepts ASCII digits within the range of a
signed 64-bit primary key and nothing else.
"""

from __future__ import annotations

import re

# The largest value of a signed 64-bit column (BigAutoField) and of SQLite's INTEGER: the widest id
# column here. Narrower columns (Wagtail's 32-bit page ids) simply match nothing above their range.
MAX_ID = 2**63 - 1
# At most 19 digits: every id up to MAX_ID, and never a string long enough to be costly to convert.
ID_PATTERN = "[0-9]{1,19}"
_ID_RE = re.compile(ID_PATTERN)


def is_ascii_number(value: str) -> bool:
    """True for a non-empty run of ASCII digits: what ``int()`` may safely be given (unlike ``isdigit()``)."""
    return value.isascii() and value.isdigit()


def parse_id(value: object) -> int | None:
    """The id written in ``value`` (ASCII digits, 1 ≤ id ≤ MAX_ID), or None for anything else.

    Signs, whitespace, Unicode digits, decimals and out-of-range numbers are not ids; a caller
    that tolerates surrounding blanks strips them first.
    """
    if not isinstance(value, str):
        return None
    if not _ID_RE.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


class IdConverter:
    """``<id:name>`` in a URL pattern: like ``<int:…>``, but only ids the database can hold.

    A value outside the range makes ``to_python`` raise ValueError, which Django treats as
    "this pattern does not match", so such a URL ends in a 404 instead of a database error.
    """

    regex = ID_PATTERN

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError(f"not an id: {value!r}")
        return number

    def to_url(self, value: int | str) -> str:
        number = parse_id(str(value))
        if number is None:
            raise ValueError(f"not an id: {value!r}")
        return str(number)
