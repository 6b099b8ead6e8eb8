"""E-mail alerts: what is watched, the links' tokens, and the life of a subscription.

A visitor asks for an alert (``request_alert``), the address confirms it through the link in
the confirmation mail (``confirm``), digests go out (``syndication.digest``) until the address
unsubscribes (``unsubscribe``: the row, and with it the address, is deleted). A request nobody
confirms is deleted after CONFIRM_DAYS (``purge_unconfirmed``).

Nothing here says to the visitor whether an address is known: every request ends in the same
"Bitte bestätigen Sie …" page, and what differs (a new row, an earlier request renewed, the
address's quota full) is told only to the address itself, by mail.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.contrib.auth.base_user import BaseUserManager
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from cms.core.converters import parse_id
from cms.projects.models import ProjectPage
from search.facets import FACETS
from search.query import RequestError, SearchRequest, parse_request

from .models import CONFIRM_DAYS, MAX_PARAMS_CHARS, MAX_PER_ADDRESS, AlertSubscription, Frequency, Kind

# A token is "<row id>.<secret>"; secrets.token_urlsafe(32) gives 43 characters.
SECRET_BYTES = 32
MAX_TOKEN_CHARS = 100
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{20,64}")
# The search parameters an alert keeps: the text and the filters. Sorting, paging and the
# visitor's municipality change the order of a result list, not which items match.
WATCHED_PARAMS = ("q", *(facet.name for facet in FACETS))


class InvalidWatch(ValueError):
    """The search cannot be watched; ``errors`` maps a parameter to a German message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Watch:
    """What a subscription watches: a search (its normalised parameters) or a project."""

    kind: str
    params: dict[str, list[str]] = field(default_factory=dict)
    project: ProjectPage | None = None

    @property
    def key(self) -> str:
        """Identifies the watched thing; two requests for the same search share it."""
        if self.kind == Kind.PROJECT:
            return f"projekt:{self.project.pk}"
        canonical = json.dumps(self.params, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return "suche:" + hashlib.sha256(canonical.encode()).hexdigest()

    @property
    def text(self) -> str:
        return (self.params.get("q") or [""])[0]

    def search_request(self, **changes) -> SearchRequest:
        """The watched search as the search layer takes it; raises RequestError if it no longer validates.

        Taxonomy values can disappear after a subscription was confirmed, so the stored
        parameters go through ``parse_request`` again instead of being trusted.
        """
        parsed = parse_request(self.params)
        return SearchRequest(text=parsed.text, filters=parsed.filters, **changes)

    def query_pairs(self) -> list[tuple[str, str]]:
        return [(name, value) for name in WATCHED_PARAMS for value in self.params.get(name, [])]

    def search_path(self) -> str:
        """The search page showing what is watched."""
        pairs = self.query_pairs()
        return reverse("search") + ("?" + urlencode(pairs) if pairs else "")

    def subscribe_path(self) -> str:
        """The form that subscribes to this watch."""
        if self.kind == Kind.PROJECT:
            return reverse("alerts:project", args=[self.project.pk])
        pairs = self.query_pairs()
        return reverse("alerts:search") + ("?" + urlencode(pairs) if pairs else "")

    def title(self) -> str:
        """One line for a mail subject and a page heading."""
        if self.kind == Kind.PROJECT:
            return _("Projekt „%(title)s“") % {"title": one_line(self.project.title)}
        if self.text:
            return _("Suche nach „%(query)s“") % {"query": one_line(self.text, 80)}
        return _("Suche mit Filtern") if self.params else _("alle neuen Inhalte")

    def lines(self) -> list[tuple[str, str]]:
        """What is watched, in words: (label, value) pairs for the form page and the mails."""
        if self.kind == Kind.PROJECT:
            project = self.project
            rows = [(_("Projekt"), project.title)]
            if project.lead_municipality_id:
                rows.append((_("Kommune"), project.lead_municipality.name))
            rows.append(
                (_("Umfang"), _("Änderungen am Steckbrief und neue oder geänderte Erfahrungs- und Evaluationsberichte"))
            )
            return rows
        rows = []
        if self.text:
            rows.append((_("Suchbegriff"), f"„{self.text}“"))
        for facet in FACETS:
            values = self.params.get(facet.name)
            if values:
                labels = facet.labels()
                rows.append((str(facet.label), _(" oder ").join(facet.label_for(v, labels) for v in values)))
        if not rows:
            rows.append((_("Umfang"), _("alle Inhalte der Plattform, ohne Suchbegriff und ohne Filter")))
        return rows


def one_line(text: str, limit: int = 120) -> str:
    """Titles go into mail subjects: no line breaks, bounded length."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def search_watch(query: Mapping) -> Watch:
    """The watch for the search in ``query`` (a QueryDict or a dict of lists); raises InvalidWatch.

    Only text and filters count (WATCHED_PARAMS); paging, sorting and the municipality are
    dropped, so "the same search" on page 3 or sorted otherwise is the same subscription.
    """
    subset: dict[str, list[str]] = {}
    for name in WATCHED_PARAMS:
        values = query.getlist(name) if hasattr(query, "getlist") else _as_list(query.get(name))
        if values:
            subset[name] = values
    try:
        parsed = parse_request(subset)
    except RequestError as exc:
        raise InvalidWatch(exc.errors) from exc
    params: dict[str, list[str]] = {}
    if parsed.text:
        params["q"] = [parsed.text]
    for facet in FACETS:
        values = parsed.selected(facet.name)
        if values:
            params[facet.name] = sorted(values)
    if len(json.dumps(params, ensure_ascii=False)) > MAX_PARAMS_CHARS:
        raise InvalidWatch(
            {
                "params": _(
                    "Diese Suche ist zu umfangreich für eine Benachrichtigung. "
                    "Bitte wählen Sie weniger Filter oder einen kürzeren Suchbegriff."
                )
            }
        )
    return Watch(kind=Kind.SEARCH, params=params)


def _as_list(value) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def watch_for_request(request: SearchRequest) -> Watch:
    """The watch for a search the search page has already validated (its subscribe link)."""
    params: dict[str, list[str]] = {}
    if request.text:
        params["q"] = [request.text]
    for facet in FACETS:
        values = request.selected(facet.name)
        if values:
            params[facet.name] = sorted(values)
    return Watch(kind=Kind.SEARCH, params=params)


def followable_project(page_id: int) -> ProjectPage | None:
    """The live, public project with this id: only those can be followed."""
    return ProjectPage.objects.live().public().select_related("lead_municipality").filter(pk=page_id).first()


def project_watch(project: ProjectPage) -> Watch:
    return Watch(kind=Kind.PROJECT, project=project)


def watch_of(subscription: AlertSubscription) -> Watch:
    if subscription.kind == Kind.PROJECT:
        return Watch(kind=Kind.PROJECT, project=subscription.project)
    return Watch(kind=Kind.SEARCH, params=dict(subscription.search_params or {}))


# -- tokens ------------------------------------------------------------------------------------


def _new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _token(subscription: AlertSubscription, secret: str) -> str:
    return f"{subscription.pk}.{secret}"


def unsubscribe_token(subscription: AlertSubscription) -> str:
    return _token(subscription, subscription.unsubscribe_secret)


def _split(token: str) -> tuple[int, str] | None:
    """(row id, secret) from a token out of a URL, or None for anything malformed."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
        return None
    raw_id, dot, secret = token.partition(".")
    pk = parse_id(raw_id)
    if not dot or pk is None or not _SECRET_RE.fullmatch(secret):
        return None
    return pk, secret


def by_confirm_token(token: str) -> AlertSubscription | None:
    """The row the confirmation token belongs to, or None. Its age is checked by the caller."""
    parts = _split(token)
    if parts is None:
        return None
    subscription = AlertSubscription.objects.select_related("project").filter(pk=parts[0]).first()
    if subscription is None or not constant_time_compare(_hash(parts[1]), subscription.confirm_token_hash):
        return None
    return subscription


def by_unsubscribe_token(token: str) -> AlertSubscription | None:
    parts = _split(token)
    if parts is None:
        return None
    subscription = AlertSubscription.objects.select_related("project").filter(pk=parts[0]).first()
    if subscription is None or not constant_time_compare(parts[1], subscription.unsubscribe_secret):
        return None
    return subscription


# -- the life of a subscription ----------------------------------------------------------------


@dataclass
class AlertRequest:
    """The outcome of a request, for the mail to the address (never shown to the visitor)."""

    subscription: AlertSubscription | None  # None: the address's quota is full
    confirm_token: str = ""
    created: bool = False  # False: an earlier unconfirmed request for the same watch was renewed


def normalise_email(email: str) -> str:
    return BaseUserManager.normalize_email(email.strip())


def request_alert(email: str, watch: Watch, frequency: str, now: datetime | None = None) -> AlertRequest:
    """Record a request waiting for confirmation and return the new confirmation token.

    The same address asking again for the same watch renews its unconfirmed request (new link,
    the new frequency) instead of adding a row; a confirmed subscription for it is replaced once
    the new one is confirmed (``confirm``), which is how the frequency is changed. An address
    that already holds MAX_PER_ADDRESS rows gets nothing new.
    """
    now = now or timezone.now()
    email = normalise_email(email)
    secret = _new_secret()
    with transaction.atomic():
        pending = (
            AlertSubscription.objects.select_for_update()
            .filter(email__iexact=email, target_key=watch.key, confirmed_at=None)
            .first()
        )
        if pending is not None:
            pending.frequency = frequency
            pending.confirm_token_hash = _hash(secret)
            pending.confirm_requested_at = now
            pending.save(update_fields=["frequency", "confirm_token_hash", "confirm_requested_at"])
            return AlertRequest(pending, _token(pending, secret), created=False)
        if AlertSubscription.objects.filter(email__iexact=email).count() >= MAX_PER_ADDRESS:
            return AlertRequest(None)
        subscription = AlertSubscription.objects.create(
            email=email,
            kind=watch.kind,
            search_params=watch.params if watch.kind == Kind.SEARCH else {},
            project=watch.project,
            target_key=watch.key,
            frequency=frequency if frequency in Frequency.values else Frequency.WEEKLY,
            confirm_token_hash=_hash(secret),
            confirm_requested_at=now,
            unsubscribe_secret=_new_secret(),
        )
    return AlertRequest(subscription, _token(subscription, secret), created=True)


def confirmation_expired(subscription: AlertSubscription, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return not subscription.confirmed and subscription.confirm_requested_at < now - timedelta(days=CONFIRM_DAYS)


def confirm(subscription: AlertSubscription, now: datetime | None = None) -> None:
    """Start the subscription: digests cover what is published from now on.

    An earlier confirmed subscription of the address to the same watch is replaced, so that
    asking again (e.g. for another frequency) never doubles the mails.
    """
    now = now or timezone.now()
    with transaction.atomic():
        AlertSubscription.objects.filter(
            email__iexact=subscription.email, target_key=subscription.target_key, confirmed_at__isnull=False
        ).exclude(pk=subscription.pk).delete()
        subscription.confirmed_at = now
        # Whole seconds, as the search index stores publication times (see syndication.digest).
        subscription.digest_cutoff = now.replace(microsecond=0)
        subscription.save(update_fields=["confirmed_at", "digest_cutoff"])


def unsubscribe(subscription: AlertSubscription) -> None:
    """Delete the row: the address is gone with it (unless it holds other subscriptions)."""
    subscription.delete()


def purge_unconfirmed(days: int = CONFIRM_DAYS, now: datetime | None = None) -> int:
    """Delete requests whose confirmation link is older than ``days``; how many.

    Run by `manage.py maintenance` (hourly) and `manage.py send_alerts`.
    """
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, _per_model = AlertSubscription.objects.filter(confirmed_at=None, confirm_requested_at__lt=cutoff).delete()
    return deleted
