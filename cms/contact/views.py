"""The contact relay: a visitor writes to a project's contact person without learning the address."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from cms.projects.models import ProjectPage

from .forms import ContactRelayForm
from .models import ContactRelayLog, RelayReason, RelayStatus, hash_sender
from .ratelimit import RateLimit, client_identity
from .relay import send_relay

logger = logging.getLogger(__name__)

# The tag that marks the relay's own flash messages, so the project page shows only those.
MESSAGE_TAG = "contact-relay"


def client_limit() -> RateLimit:
    limit, window = getattr(settings, "CONTACT_RELAY_LIMIT_PER_CLIENT", (5, 60 * 60))
    return RateLimit("contact-client", limit, window)


def project_limit() -> RateLimit:
    limit, window = getattr(settings, "CONTACT_RELAY_LIMIT_PER_PROJECT", (20, 24 * 60 * 60))
    return RateLimit("contact-project", limit, window)


def relay_target(page_id: int) -> ProjectPage:
    """The live, public project page with a contact address, or 404: nothing else can be written to."""
    project = ProjectPage.objects.live().public().filter(pk=page_id).exclude(contact_email="").first()
    if project is None:
        raise Http404(_("Zu diesem Projekt gibt es kein Kontaktformular."))
    return project


def project_anchor_url(project: ProjectPage, request: HttpRequest) -> str:
    return (project.get_url(request) or "/") + "#kontakt"


def _log(project: ProjectPage, status: str, reason: str = "", email: str = "") -> None:
    ContactRelayLog.objects.create(
        project=project, status=status, reason=reason, sender_hash=hash_sender(email) if email else ""
    )


def _sent_redirect(request: HttpRequest, project: ProjectPage) -> HttpResponse:
    messages.success(
        request,
        _("Vielen Dank! Ihre Nachricht wurde an die Ansprechperson weitergeleitet."),
        extra_tags=MESSAGE_TAG,
    )
    return redirect(project_anchor_url(project, request))


def _form_page(request: HttpRequest, project: ProjectPage, form: ContactRelayForm, error: str = "") -> HttpResponse:
    return render(request, "contact/contact_page.html", {"project": project, "form": form, "relay_error": error})


def _rate_limited(request: HttpRequest, project: ProjectPage, limit: RateLimit, reason: str) -> HttpResponse:
    _log(project, RelayStatus.REJECTED, reason)
    retry_after = limit.retry_after()
    context = {
        "project": project,
        "per_project": reason == RelayReason.RATE_LIMIT_PROJECT,
        "retry_minutes": max(1, -(-retry_after // 60)),
    }
    response = render(request, "contact/rate_limited.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def project_contact(request: HttpRequest, page_id: int) -> HttpResponse:
    """The relay form of a project (GET) and sending it (POST).

    The form has a page of its own rather than a place on the project page: its CSRF token is
    per visitor, and the project page stays cacheable without it (cms.core.pagecache). Never
    cached itself (``never_cache``, and the token sets a cookie).
    """
    project = relay_target(page_id)
    if request.method != "POST":
        return _form_page(request, project, ContactRelayForm())

    client = client_identity(request)
    per_client, per_project = client_limit(), project_limit()
    if per_client.exceeded(client):
        return _rate_limited(request, project, per_client, RelayReason.RATE_LIMIT_CLIENT)
    if per_project.exceeded(str(project.pk)):
        return _rate_limited(request, project, per_project, RelayReason.RATE_LIMIT_PROJECT)

    form = ContactRelayForm(request.POST)
    if form.is_spam:
        # Look exactly like success, so that the bot learns nothing; counts against the client only.
        per_client.hit(client)
        _log(project, RelayStatus.SPAM, RelayReason.HONEYPOT)
        return _sent_redirect(request, project)
    if not form.is_valid():
        if form.line_break_rejected():
            _log(project, RelayStatus.REJECTED, RelayReason.LINE_BREAK)
        return _form_page(request, project, form)

    email = form.cleaned_data["email"]
    per_client.hit(client)
    per_project.hit(str(project.pk))
    try:
        send_relay(project, form.cleaned_data, project.get_full_url(request) or "")
    except Exception as exc:  # any backend error: SMTP, network, misconfiguration
        logger.warning("Contact relay for project %s failed: %s", project.pk, exc.__class__.__name__)
        per_client.undo(client)
        per_project.undo(str(project.pk))
        _log(project, RelayStatus.FAILED, RelayReason.MAIL_ERROR, email)
        return _form_page(
            request,
            project,
            form,
            error=_(
                "Ihre Nachricht konnte gerade nicht zugestellt werden. "
                "Bitte versuchen Sie es in einigen Minuten noch einmal."
            ),
        )
    _log(project, RelayStatus.SENT, email=email)
    return _sent_redirect(request, project)
