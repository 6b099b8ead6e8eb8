"""Digests: for every confirmed subscription that is due, what was published since its last one.

`manage.py send_alerts` runs ``send_alerts`` (a daily timer or cron line, or `make serve`; see
docs/operations.md). Each subscription covers a window of publication times, from its cut-off
(``digest_cutoff``, at first the confirmation) to the start of this run minus INDEX_MARGIN;
the end becomes the new cut-off, so consecutive windows neither overlap nor leave a gap.

* A watched search runs through the search layer, newest publication first (sort
  "aktualisiert"), paged until a result is older than the window: exactly what the visitor
  would find on /suche/, drafts and restricted pages never among it.
* A followed project is read from the database: the project itself and its live public reports
  whose last publication falls into the window.

Robust per subscription: the window is claimed by moving the cut-off before anything is sent
(a second run at the same time finds nothing to claim) and given back when the mail cannot be
sent; it is not claimed at all when the search engine cannot answer properly (the database
fallback ignores filters). The next run then tries again with nothing lost. One address's
failure never stops the others.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from cms.core.converters import parse_id
from cms.projects.models import ProjectPage
from search import service
from search.documents import CONTENT_TYPE_OF
from search.facets import CONTENT_TYPES
from search.query import RequestError

from .alerts import Watch, purge_unconfirmed, watch_of
from .mail import absolute_url, deliver, digest_message
from .models import AlertSubscription, Frequency, Kind

logger = logging.getLogger(__name__)

PERIODS = {Frequency.DAILY: timedelta(days=1), Frequency.WEEKLY: timedelta(days=7)}
# A run on a daily timer (06:00, up to a few minutes late) must find yesterday's subscriptions
# due, although a little less than a full day has passed since their cut-off.
GRACE = timedelta(minutes=90)
# Publishing reaches the search index shortly after the commit (the background worker): the
# newest minutes are left to the next digest, not lost to this one.
DEFAULT_INDEX_MARGIN_SECONDS = 600
PAGE_SIZE = 100  # the search layer's maximum page size
MAX_PAGES = 5  # at most 500 results are looked at per search digest
MAX_LISTED = 50  # items named in one mail; the rest are counted and linked


class DigestUnavailable(Exception):
    """This subscription cannot be served properly now; its window stays for the next run."""


@dataclass(frozen=True)
class Item:
    title: str
    url: str
    type_label: str
    municipality: str
    published: datetime
    new: bool  # first published inside the window (else: changed)


@dataclass
class RunSummary:
    sent: int = 0
    nothing_new: int = 0
    failed: int = 0
    postponed: int = 0
    unconfirmed_deleted: int = 0


def index_margin() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "ALERT_INDEX_MARGIN_SECONDS", DEFAULT_INDEX_MARGIN_SECONDS)))


def whole_second(moment: datetime) -> datetime:
    """Cut-offs are whole seconds: the index stores publication times to the second.

    With a cut-off of whole seconds, "stored time >= cut-off" and "true time >= cut-off" agree,
    so an item published in the cut-off's own second is neither lost nor sent twice.
    """
    return moment.replace(microsecond=0)


def due(now: datetime) -> QuerySet[AlertSubscription]:
    """Confirmed subscriptions whose period (less GRACE) has passed since their cut-off."""
    condition = Q()
    for frequency, period in PERIODS.items():
        condition |= Q(frequency=frequency, digest_cutoff__lte=now - period + GRACE)
    return (
        AlertSubscription.objects.filter(confirmed_at__isnull=False)
        .filter(condition)
        .select_related("project", "project__lead_municipality")
        .order_by("pk")
    )


def parse_published(value: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else None


def search_items(watch: Watch, since: datetime, until: datetime) -> list[Item]:
    """Results of the watched search last published in [since, until), newest first."""
    try:
        base = watch.search_request(sort="aktualisiert", page=1, page_size=PAGE_SIZE)
    except RequestError as exc:
        raise DigestUnavailable("gespeicherte Suche ungültig: " + ", ".join(sorted(exc.errors))) from exc
    found: list[tuple[service.Result, datetime]] = []
    for number in range(1, MAX_PAGES + 1):
        response = service.search(replace(base, page=number))
        if response.degraded:
            # The database fallback knows neither the filters nor this order.
            raise DigestUnavailable("Suchmaschine nicht nutzbar")
        older = False
        for result in response.results:
            published = parse_published(result.published)
            if published is None:
                # Every indexed page has been published; a result without the time comes from
                # an index built before the field existed (`manage.py search_rebuild`).
                raise DigestUnavailable("Suchindex ohne Veröffentlichungszeitpunkt")
            if published >= until:
                continue
            if published < since:
                older = True
                break
            found.append((result, published))
        if older or number >= response.pages:
            break
    ids = [pk for result, _published in found if (pk := parse_id(result.id)) is not None]
    first_published = dict(Page.objects.filter(pk__in=ids).values_list("pk", "first_published_at"))
    items = []
    for result, published in found:
        first = first_published.get(parse_id(result.id))
        items.append(
            Item(
                title=result.title,
                url=absolute_url(result.url or "/"),
                type_label=result.type_label,
                municipality=(result.municipality or {}).get("name", ""),
                published=published,
                new=first is None or first >= since,
            )
        )
    return items


def project_items(project_id: int, since: datetime, until: datetime) -> list[Item]:
    """The project and its reports, if live and public, last published in [since, until)."""
    project = ProjectPage.objects.live().public().select_related("lead_municipality").filter(pk=project_id).first()
    if project is None:
        return []
    municipality = project.lead_municipality.name if project.lead_municipality_id else ""
    pages: list[Page] = []
    if project.last_published_at and since <= project.last_published_at < until:
        pages.append(project)
    pages += list(
        Page.objects.child_of(project)
        .live()
        .public()
        .filter(last_published_at__gte=since, last_published_at__lt=until)
        .specific()
    )
    items = [
        Item(
            title=page.title,
            url=absolute_url(page.get_url() or "/"),
            type_label=str(CONTENT_TYPES.get(CONTENT_TYPE_OF.get(type(page), ""), page._meta.verbose_name)),
            municipality=municipality,
            published=page.last_published_at,
            new=page.first_published_at is None or page.first_published_at >= since,
        )
        for page in pages
    ]
    return sorted(items, key=lambda item: item.published, reverse=True)


def items_for(subscription: AlertSubscription, watch: Watch, since: datetime, until: datetime) -> list[Item]:
    if subscription.kind == Kind.PROJECT:
        return project_items(subscription.project_id, since, until)
    return search_items(watch, since, until)


def _give_back(subscription: AlertSubscription, since: datetime, until: datetime) -> None:
    AlertSubscription.objects.filter(pk=subscription.pk, digest_cutoff=until).update(digest_cutoff=since)


def process(subscription: AlertSubscription, until: datetime, now: datetime, summary: RunSummary) -> None:
    """Collect one subscription's items, claim its window and send its digest.

    Collecting comes first, so that an error there leaves the window untouched; the claim (moving
    the cut-off only if no other run has moved it) comes before sending, so that two runs at the
    same time never send the same digest twice.
    """
    since = subscription.digest_cutoff
    if since is None or since >= until:
        return
    watch = watch_of(subscription)
    try:
        items = items_for(subscription, watch, since, until)
    except DigestUnavailable as exc:
        logger.warning("Benachrichtigung %s zurückgestellt: %s", subscription.pk, exc)
        summary.postponed += 1
        return
    claimed = AlertSubscription.objects.filter(pk=subscription.pk, digest_cutoff=since).update(digest_cutoff=until)
    if not claimed:
        return  # another run has taken it, or it was unsubscribed meanwhile
    if not items:
        summary.nothing_new += 1
        return
    message = digest_message(subscription, watch, items[:MAX_LISTED], since, more=max(0, len(items) - MAX_LISTED))
    try:
        deliver(message)
    # The mail server refused or could not be reached; ValueError: an address Django cannot encode.
    except (smtplib.SMTPException, OSError, ValueError) as exc:
        _give_back(subscription, since, until)
        # The row's id, never the address: the log is read by more people than the database.
        logger.warning(
            "Zusammenfassung für Benachrichtigung %s nicht gesendet: %s", subscription.pk, exc.__class__.__name__
        )
        summary.failed += 1
        return
    AlertSubscription.objects.filter(pk=subscription.pk).update(last_sent_at=now)
    summary.sent += 1


def send_alerts(now: datetime | None = None) -> RunSummary:
    """Delete expired requests, then send every due digest; safe to run as often as wanted."""
    now = now or timezone.now()
    summary = RunSummary(unconfirmed_deleted=purge_unconfirmed(now=now))
    until = whole_second(now - index_margin())
    # Read all at once: the loop writes to the same table, which SQLite would not isolate from a cursor.
    for subscription in list(due(now)):
        process(subscription, until, now, summary)
    return summary


def describe(summary: RunSummary) -> list[str]:
    """The run in German lines for the operator's terminal and the log."""
    lines = [
        _("Zusammenfassungen gesendet: %(count)d") % {"count": summary.sent},
        _("Fällig, aber nichts Neues: %(count)d") % {"count": summary.nothing_new},
        _("Versand fehlgeschlagen (nächster Lauf versucht es wieder): %(count)d") % {"count": summary.failed},
        _("Zurückgestellt, weil die Suche nicht nutzbar war: %(count)d") % {"count": summary.postponed},
        _("Unbestätigte Anmeldungen gelöscht: %(count)d") % {"count": summary.unconfirmed_deleted},
    ]
    return lines
