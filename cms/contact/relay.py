"""Composing and sending the relayed message; nothing here touches the database."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

SUBJECT_PREFIX = "[Smart-City-Plattform] "


def build_message(project, data: dict, project_url: str) -> EmailMessage:
    """The e-mail to the contact person: From the platform, Reply-To the visitor.

    The platform sends in its own name (a visitor's address in From would fail SPF/DMARC
    and make the platform a spoofing tool); Reply-To lets the contact person answer directly.
    ``data`` is the validated form data; name and subject are known to be single-line.
    """
    body = render_to_string(
        "contact/relay_email.txt",
        {
            "project_title": project.title,
            "project_url": project_url,
            "sender_name": data["name"],
            "sender_email": data["email"],
            "subject": data["subject"],
            "message": data["message"],
        },
    )
    return EmailMessage(
        subject=SUBJECT_PREFIX + data["subject"],
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[project.contact_email],
        reply_to=[data["email"]],
        # Keeps vacation auto-replies from answering the visitor and so revealing the hidden address.
        headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
    )


def send_relay(project, data: dict, project_url: str) -> None:
    """Send now; raises whatever the mail backend raises."""
    build_message(project, data, project_url).send(fail_silently=False)
