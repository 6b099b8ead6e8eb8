"""The alert mails: confirmation, quota notice and digest, composed and sent as the contact relay sends.

From is the platform's own address (DEFAULT_FROM_EMAIL), never the visitor's. Every mail that
belongs to a subscription carries its one-click unsubscribe link in the text and in the headers
of RFC 2369/8058 (``List-Unsubscribe`` with an HTTPS URL, ``List-Unsubscribe-Post``), so that
mail programs can offer "Abbestellen" themselves. Links are absolute, built from
WAGTAILADMIN_BASE_URL: a management command has no request to take the host from.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from cms.contact.relay import SUBJECT_PREFIX

from .alerts import Watch, one_line, unsubscribe_token
from .models import CONFIRM_DAYS, MAX_PER_ADDRESS, AlertSubscription

# Keeps vacation auto-replies away from the platform's address (as the contact relay does).
AUTO_HEADERS = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}


def absolute_url(path_or_url: str) -> str:
    """A link for a mail: paths get the site's public address, full URLs stay as they are."""
    if path_or_url.startswith(("https://", "http://")):
        return path_or_url
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + "/" + path_or_url.lstrip("/")


def unsubscribe_url(subscription: AlertSubscription) -> str:
    return absolute_url(reverse("alerts:unsubscribe", args=[unsubscribe_token(subscription)]))


def confirm_url(token: str) -> str:
    return absolute_url(reverse("alerts:confirm", args=[token]))


def list_headers(subscription: AlertSubscription) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe: a POST of "List-Unsubscribe=One-Click" to the URL deletes the row."""
    return {
        **AUTO_HEADERS,
        "List-Unsubscribe": f"<{unsubscribe_url(subscription)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _message(subject: str, body: str, to: str, headers: dict[str, str]) -> EmailMessage:
    return EmailMessage(
        subject=SUBJECT_PREFIX + one_line(subject, 150),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers,
    )


def confirmation_message(subscription: AlertSubscription, token: str, watch: Watch) -> EmailMessage:
    body = render_to_string(
        "syndication/alerts/confirm_email.txt",
        {
            "watch": watch,
            "lines": watch.lines(),
            "frequency": subscription.get_frequency_display(),
            "confirm_url": confirm_url(token),
            "unsubscribe_url": unsubscribe_url(subscription),
            "valid_days": CONFIRM_DAYS,
            "site_name": settings.WAGTAIL_SITE_NAME,
        },
    )
    return _message(
        _("Bitte bestätigen Sie Ihre Benachrichtigung: %(title)s") % {"title": watch.title()},
        body,
        subscription.email,
        list_headers(subscription),
    )


def quota_message(email: str, watch: Watch) -> EmailMessage:
    """To an address that already holds MAX_PER_ADDRESS alerts: nothing was added."""
    body = render_to_string(
        "syndication/alerts/quota_email.txt",
        {"lines": watch.lines(), "limit": MAX_PER_ADDRESS, "site_name": settings.WAGTAIL_SITE_NAME},
    )
    return _message(_("Ihre Benachrichtigung wurde nicht angelegt"), body, email, dict(AUTO_HEADERS))


def digest_message(subscription: AlertSubscription, watch: Watch, items: list, since, more: int = 0) -> EmailMessage:
    """One digest for one subscription; ``items`` are ``syndication.digest.Item``s, newest first."""
    body = render_to_string(
        "syndication/alerts/digest_email.txt",
        {
            "watch": watch,
            "lines": watch.lines(),
            "items": items,
            "more": more,
            "since": since,
            "frequency": subscription.get_frequency_display(),
            "overview_url": absolute_url(
                watch.search_path() if watch.project is None else (watch.project.get_url() or "/")
            ),
            "unsubscribe_url": unsubscribe_url(subscription),
            "site_name": settings.WAGTAIL_SITE_NAME,
        },
    )
    return _message(
        _("Neu auf der Plattform: %(title)s") % {"title": watch.title()},
        body,
        subscription.email,
        list_headers(subscription),
    )


def deliver(message: EmailMessage) -> None:
    """Send now; raises whatever the mail backend raises (the caller decides what a failure means)."""
    message.send(fail_silently=False)
