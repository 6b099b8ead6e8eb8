"""Alert pages: subscribe to a search or follow a project, confirm, unsubscribe.

Every page here is per visitor (a CSRF token, a token in the URL) and never cached
(``never_cache``). None of them says whether an address is known: a valid request always ends
on the same page, whatever the database holds for the address.
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from cms.contact.ratelimit import RateLimit, client_identity

from .alerts import (
    InvalidWatch,
    Watch,
    by_confirm_token,
    by_unsubscribe_token,
    confirm,
    confirmation_expired,
    followable_project,
    normalise_email,
    project_watch,
    request_alert,
    search_watch,
    unsubscribe,
    watch_of,
)
from .forms import AlertForm
from .mail import confirmation_message, deliver, quota_message
from .models import CONFIRM_DAYS

logger = logging.getLogger(__name__)


def client_limit() -> RateLimit:
    """Requests per client address: enough for a person choosing a few alerts, too few for a mail bomb."""
    limit, window = getattr(settings, "ALERT_LIMIT_PER_CLIENT", (10, 60 * 60))
    return RateLimit("alert-client", limit, window)


def address_limit() -> RateLimit:
    """Confirmation mails per address, whoever asks: nobody can flood someone else's mailbox."""
    limit, window = getattr(settings, "ALERT_LIMIT_PER_ADDRESS", (5, 60 * 60))
    return RateLimit("alert-address", limit, window)


def address_identity(email: str) -> str:
    """A keyed hash of the address: the rate-limit cache never holds the address itself."""
    return salted_hmac("syndication.alerts.address", email.casefold(), algorithm="sha256").hexdigest()[:32]


def _rate_limited(request: HttpRequest, limit: RateLimit, per_address: bool) -> HttpResponse:
    retry_after = limit.retry_after()
    context = {"per_address": per_address, "retry_minutes": max(1, -(-retry_after // 60))}
    response = render(request, "syndication/alerts/rate_limited.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def _form_page(request: HttpRequest, watch: Watch, form: AlertForm, error: str = "") -> HttpResponse:
    context = {
        "watch": watch,
        "lines": watch.lines(),
        "form": form,
        "action": watch.subscribe_path(),
        "send_error": error,
        "valid_days": CONFIRM_DAYS,
        "back_url": watch.search_path() if watch.project is None else watch.project.get_url(request),
    }
    return render(request, "syndication/alerts/subscribe.html", context)


def _subscribe(request: HttpRequest, watch: Watch) -> HttpResponse:
    """The form (GET) and the request for an alert (POST), for any watch."""
    if request.method != "POST":
        return _form_page(request, watch, AlertForm())

    client, per_client = client_identity(request), client_limit()
    if per_client.exceeded(client):
        return _rate_limited(request, per_client, per_address=False)
    form = AlertForm(request.POST)
    if form.is_spam:
        # Looks exactly like success, so that a bot learns nothing; counts against the client.
        per_client.hit(client)
        return redirect("alerts:requested")
    if not form.is_valid():
        return _form_page(request, watch, form)

    email = normalise_email(form.cleaned_data["email"])
    address, per_address = address_identity(email), address_limit()
    if per_address.exceeded(address):
        return _rate_limited(request, per_address, per_address=True)
    per_client.hit(client)
    per_address.hit(address)

    outcome = request_alert(email, watch, form.cleaned_data["frequency"])
    if outcome.subscription is None:
        message = quota_message(email, watch)
    else:
        message = confirmation_message(outcome.subscription, outcome.confirm_token, watch)
    try:
        deliver(message)
    except (smtplib.SMTPException, OSError) as exc:  # the mail server refused or could not be reached
        logger.warning("Bestätigungs-E-Mail für eine Benachrichtigung nicht gesendet: %s", exc.__class__.__name__)
        per_client.undo(client)
        per_address.undo(address)
        if outcome.created:
            outcome.subscription.delete()  # no address is kept for a request that never reached it
        error = _(
            "Die Bestätigungs-E-Mail konnte gerade nicht gesendet werden. "
            "Bitte versuchen Sie es in einigen Minuten noch einmal."
        )
        return _form_page(request, watch, form, error=error)
    return redirect("alerts:requested")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def subscribe_search(request: HttpRequest) -> HttpResponse:
    """The "Diese Suche abonnieren" form: the search comes in the query string, as on /suche/."""
    try:
        watch = search_watch(request.GET)
    except InvalidWatch as exc:
        return render(request, "syndication/alerts/invalid_search.html", {"errors": exc.errors}, status=400)
    return _subscribe(request, watch)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def follow_project(request: HttpRequest, page_id: int) -> HttpResponse:
    """The "Projekt folgen" form: only live, public projects can be followed."""
    project = followable_project(page_id)
    if project is None:
        raise Http404(_("Diesem Projekt kann man nicht folgen."))
    return _subscribe(request, project_watch(project))


@require_safe
def requested(request: HttpRequest) -> HttpResponse:
    """The same page after every valid request, whatever the address: no enumeration of subscribers."""
    return render(request, "syndication/alerts/requested.html", {"valid_days": CONFIRM_DAYS})


def _link_problem(request: HttpRequest, heading: str, text: str, status: int) -> HttpResponse:
    return render(request, "syndication/alerts/link_problem.html", {"heading": heading, "text": text}, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm_subscription(request: HttpRequest, token: str) -> HttpResponse:
    """The confirmation link: GET shows a button, the POST behind it confirms.

    Mail scanners and link previews open every link in a mail; confirming on GET would let
    them subscribe an address on its owner's behalf. A person clicks the button; a scanner does not.
    """
    subscription = by_confirm_token(token)
    if subscription is None:
        return _link_problem(
            request,
            _("Dieser Bestätigungslink ist ungültig"),
            _(
                "Vielleicht ist er unvollständig, durch eine neuere Anmeldung ersetzt worden, oder die "
                "Benachrichtigung wurde inzwischen abbestellt. Sie können sich jederzeit erneut anmelden."
            ),
            status=404,
        )
    if confirmation_expired(subscription):
        unsubscribe(subscription)
        return _link_problem(
            request,
            _("Dieser Bestätigungslink ist abgelaufen"),
            _(
                "Bestätigungslinks gelten %(days)d Tage. Ihre Anmeldung wurde gelöscht; "
                "bitte melden Sie sich erneut an, wenn Sie die Benachrichtigung noch möchten."
            )
            % {"days": CONFIRM_DAYS},
            status=410,
        )
    watch = watch_of(subscription)
    context = {"subscription": subscription, "watch": watch, "lines": watch.lines(), "token": token}
    if subscription.confirmed:
        return render(request, "syndication/alerts/confirmed.html", {**context, "already": True})
    if request.method != "POST":
        return render(request, "syndication/alerts/confirm.html", context)
    confirm(subscription)
    return render(request, "syndication/alerts/confirmed.html", context)


@csrf_exempt  # RFC 8058: mail programs POST "List-Unsubscribe=One-Click" without any token; it only deletes.
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    """The unsubscribe link: GET shows a button, POST (the button or a mail program's one click) deletes."""
    subscription = by_unsubscribe_token(token)
    if subscription is None:
        return _link_problem(
            request,
            _("Diese Benachrichtigung gibt es nicht (mehr)"),
            _(
                "Wenn Sie sie bereits abbestellt haben, ist nichts weiter zu tun: Sie erhalten keine E-Mails "
                "mehr dazu. Sonst prüfen Sie bitte, ob der Link vollständig ist."
            ),
            status=404,
        )
    watch = watch_of(subscription)
    if request.method != "POST":
        return render(
            request, "syndication/alerts/unsubscribe.html", {"watch": watch, "lines": watch.lines(), "token": token}
        )
    lines = watch.lines()
    unsubscribe(subscription)
    return render(request, "syndication/alerts/unsubscribed.html", {"watch": watch, "lines": lines})
