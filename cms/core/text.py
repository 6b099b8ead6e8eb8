"""Small text helpers for German content."""

import unicodedata

from django.utils.text import slugify

_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def german_slug(text: str, max_length: int = 255) -> str:
    """A URL slug that keeps German words readable: "Straßenbeleuchtung" → "strassenbeleuchtung"."""
    return slugify(text.translate(_TRANSLITERATION))[:max_length].strip("-")


def without_control_characters(text: str) -> str:
    """``text`` without control and format characters (Unicode category C).

    For user input on its way into a database query: PostgreSQL refuses a NUL byte in a text
    parameter with an error (a 500), and no name or search term contains one.
    """
    return "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
