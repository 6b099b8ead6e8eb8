"""How long the contact relay's log is kept, and its deletion.

One function for `manage.py purge_contact_relay_log` and `manage.py maintenance` (operations/).
The log holds no message and no address (only a hash of it); it is kept long enough to answer
"was my message forwarded?" and to see abuse, then deleted. The privacy statement names the period.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import ContactRelayLog

DEFAULT_RETENTION_DAYS = 90


def retention_days() -> int:
    """CONTACT_RELAY_LOG_RETENTION_DAYS, or 90 days."""
    return getattr(settings, "CONTACT_RELAY_LOG_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)


def purge_relay_log(days: int | None = None) -> int:
    """Delete log rows older than ``days`` (default: ``retention_days()``); how many."""
    cutoff = timezone.now() - timedelta(days=retention_days() if days is None else days)
    deleted, _ = ContactRelayLog.objects.filter(created_at__lt=cutoff).delete()
    return deleted
