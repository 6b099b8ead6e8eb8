"""„Barriere melden“: the feedback form that BITV 2.0 § 7 asks of the accessibility statement.

It reuses the project contact relay's parts (single-line and message fields, honeypot, the
shared per-client rate limit settings) and sends to the operator's address, which the visitor
never sees. Nothing of the message is stored.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from cms.core.honeypot import HoneypotField

from .forms import MessageField, SingleLineField
from .ratelimit import RateLimit, client_identity
from .relay import SUBJECT_PREFIX

logger = logging.getLogger(__name__)

PAGE_MAX_LENGTH = 500
BARRIER_MAX_LENGTH = 3000


class BarrierReportForm(forms.Form):
    """Which page, what barrier, optionally where to answer; ``host`` is the site's own host name."""

    page = SingleLineField(
        label=gettext_lazy("Auf welcher Seite? (freiwillig)"),
        help_text=gettext_lazy("Die Adresse der Seite auf dieser Plattform, z. B. /suche/ oder die ganze Adresse."),
        required=False,
        max_length=PAGE_MAX_LENGTH,
        error_messages={
            "max_length": gettext_lazy("Die Adresse darf höchstens %(limit_value)d Zeichen lang sein."),
            "line_break": gettext_lazy("Die Adresse darf keinen Zeilenumbruch enthalten."),
        },
    )
    barrier = MessageField(
        label=gettext_lazy("Welche Barriere haben Sie gefunden?"),
        help_text=format_lazy(
            gettext_lazy("Beschreiben Sie, was nicht funktioniert hat. Höchstens {limit} Zeichen."),
            limit=BARRIER_MAX_LENGTH,
        ),
        max_length=BARRIER_MAX_LENGTH,
        error_messages={
            "required": gettext_lazy("Bitte beschreiben Sie die Barriere."),
            "max_length": gettext_lazy(
                "Die Beschreibung darf höchstens %(limit_value)d Zeichen lang sein (derzeit %(show_value)d Zeichen)."
            ),
        },
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    email = forms.EmailField(
        label=gettext_lazy("Ihre E-Mail-Adresse (freiwillig)"),
        help_text=gettext_lazy("Nur wenn Sie eine Antwort möchten."),
        required=False,
        max_length=254,
        error_messages={
            "invalid": gettext_lazy("Bitte geben Sie eine gültige E-Mail-Adresse an, z. B. name@beispiel.de."),
            "max_length": gettext_lazy("Die E-Mail-Adresse darf höchstens %(limit_value)d Zeichen lang sein."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    website = HoneypotField()

    honeypot_field = "website"

    def __init__(self, *args, host: str = "", **kwargs) -> None:
        kwargs.setdefault("auto_id", "barriere-%s")
        super().__init__(*args, **kwargs)
        self.host = host.lower()
        # The server says how much is too much rather than the browser cutting silently.
        self.fields["barrier"].widget.attrs.pop("maxlength", None)

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get(self.add_prefix(self.honeypot_field), "").strip())

    def clean_page(self) -> str:
        """A path on this site or a full address of this host; anything else would be someone else's page."""
        value = self.cleaned_data["page"].strip()
        if not value:
            return ""
        parts = urlsplit(value)
        if value.startswith("/") and not value.startswith("//") and not parts.scheme and not parts.netloc:
            return value
        if parts.scheme in ("http", "https") and parts.netloc.lower() == self.host:
            return value
        raise ValidationError(
            _("Bitte geben Sie die Adresse einer Seite dieser Plattform an, z. B. /suche/."), code="other_host"
        )

    def error_summary(self) -> list[tuple[str, str]]:
        return [
            (field.auto_id, f"{field.label}: {error}")
            for field in self.visible_fields()
            if field.name != self.honeypot_field
            for error in field.errors
        ]


def client_limit() -> RateLimit:
    """The contact relay's per-client limit, counted separately so one form cannot starve the other."""
    limit, window = getattr(settings, "CONTACT_RELAY_LIMIT_PER_CLIENT", (5, 60 * 60))
    return RateLimit("barrier-client", limit, window)


def recipient() -> str:
    return settings.ACCESSIBILITY_FEEDBACK_EMAIL or settings.DEFAULT_FROM_EMAIL


def build_message(data: dict, statement_url: str) -> EmailMessage:
    """From the platform (SPF/DMARC), Reply-To the visitor only when they gave an address."""
    body = render_to_string(
        "contact/barrier_email.txt",
        {"page": data["page"], "barrier": data["barrier"], "email": data["email"], "statement_url": statement_url},
    )
    return EmailMessage(
        subject=SUBJECT_PREFIX + "Barriere gemeldet",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient()],
        reply_to=[data["email"]] if data["email"] else None,
        headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
    )


def _form_page(request: HttpRequest, form: BarrierReportForm, error: str = "", status: int = 200) -> HttpResponse:
    return render(request, "contact/barrier_form.html", {"form": form, "relay_error": error}, status=status)


def _thanks_redirect() -> HttpResponse:
    return redirect(reverse("barrier_thanks"))


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def barrier_report(request: HttpRequest) -> HttpResponse:
    """The form (GET) and relaying it to the operator (POST); never cached because of its CSRF token."""
    host = request.get_host()
    if request.method != "POST":
        return _form_page(request, BarrierReportForm(host=host))

    client = client_identity(request)
    limit = client_limit()
    if limit.exceeded(client):
        retry_after = limit.retry_after()
        response = render(
            request, "contact/barrier_rate_limited.html", {"retry_minutes": max(1, -(-retry_after // 60))}, status=429
        )
        response["Retry-After"] = str(retry_after)
        return response

    form = BarrierReportForm(request.POST, host=host)
    if form.is_spam:
        # Looks exactly like success, so that the bot learns nothing.
        limit.hit(client)
        return _thanks_redirect()
    if not form.is_valid():
        return _form_page(request, form)

    limit.hit(client)
    try:
        build_message(form.cleaned_data, request.build_absolute_uri(request.path)).send(fail_silently=False)
    except Exception as exc:  # any backend error: SMTP, network, misconfiguration
        logger.warning("Barrier report relay failed: %s", exc.__class__.__name__)
        limit.undo(client)
        return _form_page(
            request,
            form,
            error=_(
                "Ihre Meldung konnte gerade nicht zugestellt werden. Bitte versuchen Sie es in einigen Minuten noch einmal."
            ),
        )
    return _thanks_redirect()


@require_http_methods(["GET", "HEAD"])
def barrier_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "contact/barrier_thanks.html")
