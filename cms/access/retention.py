"""How long decided access requests are kept, and their deletion.

One function for `manage.py purge_access_requests` and `manage.py maintenance` (operations/), so
that both delete exactly the same rows. A decided request is only needed for a while (questions,
complaints, the audit trail of who got access and why); the account itself records the outcome.
The privacy statement names the period (tests/test_pages.py checks it against RETENTION_DAYS).
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from .models import AccessRequest

RETENTION_DAYS = 180


def purge_decided_requests(days: int = RETENTION_DAYS, *, dry_run: bool = False) -> int:
    """Delete requests decided more than ``days`` ago (pending ones are never deleted); how many."""
    old = AccessRequest.objects.exclude(status=AccessRequest.Status.PENDING).filter(
        decided_at__lt=timezone.now() - timedelta(days=days)
    )
    if dry_run:
        return old.count()
    _, per_model = old.delete()
    return per_model.get(AccessRequest._meta.label, 0)
