"""Small text helpers for German content."""

from django.utils.text import slugify

_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def german_slug(text: str, max_length: int = 255) -> str:
    """A URL slug that keeps German words readable: "Straßenbeleuchtung" → "strassenbeleuchtung"."""
    return slugify(text.translate(_TRANSLITERATION))[:max_length].strip("-")
