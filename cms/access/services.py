"""What happens when a request is filed, approved or rejected.

Kept out of the views so that the admin views, a management command or a test can decide a
request the same way: everything that changes the database happens in one transaction, and
mail goes out only after it has committed — an invitation must never point at a user that a
rollback removed.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from .models import AccessRequest

logger = logging.getLogger(__name__)


class DecisionError(Exception):
    """The request cannot be decided (any more); the message is shown to the administrator."""


@dataclass
class MailOutcome:
    """Filled in when the on-commit mail has run; ``sent`` stays None while it has not."""

    sent: bool | None = None


# -- helpers ----------------------------------------------------------------------------------
def admin_url(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def split_name(name: str) -> tuple[str, str]:
    """ "Dr. Erika Maria Beispiel" → ("Dr. Erika Maria", "Beispiel"); one word is a first name."""
    parts = name.split()
    if len(parts) < 2:
        return name.strip()[:150], ""
    return " ".join(parts[:-1])[:150], parts[-1][:150]


def unique_username(email: str) -> str:
    """The e-mail address itself (what people remember), made valid and unique as a username."""
    User = get_user_model()
    base = re.sub(r"[^\w.@+-]", "_", email.strip().lower())[:150]
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        suffix = f"-{n}"
        candidate = base[: 150 - len(suffix)] + suffix
    return candidate


def password_link(user) -> str:
    """Wagtail's own set-password page, so the invitation needs no view of its own."""
    path = reverse(
        "wagtailadmin_password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return admin_url(path)


def link_valid_days() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)


def _send(subject: str, template: str, context: dict, to: list[str], reply_to: list[str] | None = None) -> bool:
    """Send one plain-text mail; errors are logged, not raised, because the decision stands anyway."""
    body = render_to_string(template, {"site_name": settings.WAGTAIL_SITE_NAME, **context})
    message = EmailMessage(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to, reply_to=reply_to or None
    )
    try:
        message.send()
    except Exception:  # SMTP errors come in many classes (smtplib, socket, ssl)
        logger.exception("Zugangsanfragen: E-Mail an %s konnte nicht versendet werden", ", ".join(to))
        return False
    return True


# -- the municipality's page ------------------------------------------------------------------
def municipality_page_for(municipality, user=None):
    """The municipality's page; created (published, under "Kommunen") if the municipality is new.

    Creating the page is what creates the municipality's editor group (a signal in
    cms.accounts), which the new user is then added to.
    """
    from cms.core.site_setup import section
    from cms.core.text import german_slug
    from cms.projects.models import MunicipalityPage

    page = MunicipalityPage.objects.filter(municipality=municipality).first()
    if page is not None:
        return page, False
    parent = section("kommunen")
    slug = german_slug(municipality.name) or municipality.ags
    if parent.get_children().filter(slug=slug).exists():
        slug = f"{slug}-{municipality.ags}"  # the second "Neustadt" gets its AGS
    page = MunicipalityPage(title=municipality.name, slug=slug, municipality=municipality)
    parent.add_child(instance=page)
    page.save_revision(user=user, log_action=True).publish(user=user)
    return MunicipalityPage.objects.get(pk=page.pk), True


# -- filing -----------------------------------------------------------------------------------
def decision_makers():
    """Active users who may decide requests and have an address to be told about new ones."""
    User = get_user_model()
    decide = Permission.objects.filter(content_type__app_label="access", codename="decide_accessrequest")
    return (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__permissions__in=decide) | Q(user_permissions__in=decide))
        .exclude(email="")
        .distinct()
    )


def notify_new_request(access_request: AccessRequest) -> bool:
    recipients = sorted({u.email for u in decision_makers()})
    if not recipients:
        return False
    # The subject names only the registry entry; the requester's own words stay in the body.
    subject = _("Neue Zugangsanfrage auf der %(site)s") % {"site": settings.WAGTAIL_SITE_NAME}
    context = {
        "request": access_request,
        "municipality": access_request.municipality_label(),
        "admin_link": admin_url(reverse("zugangsanfragen:inspect", args=[access_request.pk])),
    }
    # Reply-to the requester: the administrator can ask back directly.
    return _send(subject, "access/mail/new_request.txt", context, recipients, reply_to=[access_request.email])


def file_request(form, *, now=None) -> AccessRequest:
    now = now or timezone.now()
    data = form.cleaned_data
    is_research = data["role"] == AccessRequest.Role.FORSCHUNG
    access_request = AccessRequest.objects.create(
        name=data["name"],
        email=data["email"],
        role=data["role"],
        municipality=form.municipality,
        organisation=data.get("organisation", "").strip() if is_research else "",
        message=data.get("message", ""),
        consent=True,
        consent_at=now,
    )
    transaction.on_commit(lambda: notify_new_request(access_request), robust=True)
    return access_request


# -- deciding ---------------------------------------------------------------------------------
def _lock_pending(pk: int) -> AccessRequest:
    # Lock only the request row: PostgreSQL cannot lock the nullable side of the outer join.
    access_request = AccessRequest.objects.select_for_update(of=("self",)).select_related("municipality").get(pk=pk)
    if not access_request.is_pending:
        raise DecisionError(_("Diese Anfrage wurde bereits entschieden."))
    return access_request


def approve(access_request: AccessRequest, decided_by, note: str = "") -> tuple[AccessRequest, MailOutcome]:
    """Create the account, its municipality page if needed, the role; invite by mail after commit."""
    from cms.accounts.roles import grant_role  # the roles app owns groups and their permissions

    User = get_user_model()
    outcome = MailOutcome()
    with transaction.atomic():
        access_request = _lock_pending(access_request.pk)
        if User.objects.filter(email__iexact=access_request.email).exists():
            raise DecisionError(
                _("Es gibt inzwischen ein Konto mit der Adresse %(email)s. Bitte die Rolle dort direkt vergeben.")
                % {"email": access_request.email}
            )
        if access_request.role == AccessRequest.Role.KOMMUNE and access_request.municipality is None:
            raise DecisionError(_("Die Anfrage nennt keine Kommune."))
        first_name, last_name = split_name(access_request.name)
        user = User(
            username=unique_username(access_request.email),
            email=access_request.email,
            first_name=first_name,
            last_name=last_name,
            is_active=True,
        )
        # Only the person behind the address chooses the password, via the invitation link.
        user.set_unusable_password()
        user.save()
        page = None
        if access_request.role == AccessRequest.Role.KOMMUNE:
            page, _created = municipality_page_for(access_request.municipality, user=decided_by)
        grant_role(user, access_request.role, municipality_page=page)

        access_request.status = AccessRequest.Status.APPROVED
        access_request.decided_at = timezone.now()
        access_request.decided_by = decided_by
        access_request.decision_note = note.strip()
        access_request.user = user
        access_request.save()
        _log(access_request, "access.approve", decided_by)
        saved = access_request

        def invite():
            outcome.sent = send_invitation(saved)

        transaction.on_commit(invite)
    return access_request, outcome


def reject(access_request: AccessRequest, decided_by, note: str = "") -> tuple[AccessRequest, MailOutcome]:
    outcome = MailOutcome()
    with transaction.atomic():
        access_request = _lock_pending(access_request.pk)
        access_request.status = AccessRequest.Status.REJECTED
        access_request.decided_at = timezone.now()
        access_request.decided_by = decided_by
        access_request.decision_note = note.strip()
        access_request.save()
        _log(access_request, "access.reject", decided_by)
        saved = access_request

        def tell():
            outcome.sent = send_rejection(saved)

        transaction.on_commit(tell)
    return access_request, outcome


def can_resend_invitation(access_request: AccessRequest) -> bool:
    user = access_request.user
    return (
        access_request.status == AccessRequest.Status.APPROVED
        and user is not None
        and user.is_active
        and not user.has_usable_password()
    )


def resend_invitation(access_request: AccessRequest, decided_by) -> bool:
    """A fresh link, e.g. after the first one expired; Django's own reset skips unusable passwords."""
    if not can_resend_invitation(access_request):
        raise DecisionError(_("Für diese Anfrage kann keine Einladung (mehr) versendet werden."))
    _log(access_request, "access.resend_invitation", decided_by)
    return send_invitation(access_request)


def _log(access_request: AccessRequest, action: str, user) -> None:
    from wagtail.log_actions import log

    log(access_request, action, user=user)


# -- mails to the requester -------------------------------------------------------------------
def send_invitation(access_request: AccessRequest) -> bool:
    user = access_request.user
    context = {
        "request": access_request,
        "user": user,
        "municipality": access_request.municipality.name if access_request.municipality_id else "",
        "link": password_link(user),
        "valid_days": link_valid_days(),
        "login_link": admin_url(reverse("wagtailadmin_login")),
        "note": access_request.decision_note,
    }
    subject = _("Ihr Zugang zur %(site)s") % {"site": settings.WAGTAIL_SITE_NAME}
    return _send(subject, "access/mail/invitation.txt", context, [user.email])


def send_rejection(access_request: AccessRequest) -> bool:
    context = {
        "request": access_request,
        "municipality": access_request.municipality.name if access_request.municipality_id else "",
        "note": access_request.decision_note,
    }
    subject = _("Ihre Zugangsanfrage bei der %(site)s") % {"site": settings.WAGTAIL_SITE_NAME}
    return _send(subject, "access/mail/rejection.txt", context, [access_request.email])
