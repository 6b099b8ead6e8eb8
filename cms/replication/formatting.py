"""German number, money and date formatting for generated text (checklist, Markdown, comparison).

Deliberately independent of the active locale: the generated checklist is German text and must
read the same in a management command, a test or a request with another language.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

DAYS_PER_MONTH = Decimal("30.4375")  # 365.25 / 12


def de_number(value, places: int = 2) -> str:
    """1234567.5 -> "1.234.567,50"; whole numbers without decimals: 180000 -> "180.000"."""
    number = Decimal(str(value))
    if number == number.to_integral_value():
        text = f"{int(number):,}"
    else:
        quantum = Decimal(1).scaleb(-places)
        text = f"{number.quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def euro(value) -> str:
    return f"{de_number(value, 2)} €"


def person_months(value) -> str:
    return f"{de_number(value, 1)} Personenmonate"


def percent(part, whole) -> str | None:
    if part is None or not whole:
        return None
    share = (Decimal(str(part)) * 100 / Decimal(str(whole))).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{share} %"


def de_date(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def duration_months(start: date | None, end: date | None) -> int | None:
    """Whole months from start to end, both days included (2021-04-01 – 2023-03-31: 24)."""
    if not start or not end or end < start:
        return None
    days = (end - start).days + 1
    return max(1, int((Decimal(days) / DAYS_PER_MONTH).quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def months_label(months: int) -> str:
    return "1 Monat" if months == 1 else f"{months} Monate"


def duration_text(start: date | None, end: date | None) -> str:
    """E.g. "01.04.2021 – 31.03.2023 (24 Monate)" or "seit 01.04.2021"; "" when unknown."""
    if start and end:
        months = duration_months(start, end)
        suffix = f" ({months_label(months)})" if months else ""
        return f"{de_date(start)} – {de_date(end)}{suffix}"
    if start:
        return f"seit {de_date(start)}"
    if end:
        return f"bis {de_date(end)}"
    return ""


def one_line(text: str) -> str:
    """Collapse line breaks and runs of spaces, for list items and Markdown lines."""
    return " ".join((text or "").split())
