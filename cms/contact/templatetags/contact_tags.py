"""The contact section of a project page: role and name, a relay form, never the address."""

from django import template

from ..forms import ContactRelayForm
from ..views import MESSAGE_TAG

register = template.Library()


@register.inclusion_tag("contact/includes/contact_section.html", takes_context=True)
def project_contact(context, page):
    """Render "Kontakt aufnehmen" for a project that has a contact address; nothing otherwise.

    Only a boolean about the address reaches the template, so no template change can leak it.
    """
    has_contact = bool(getattr(page, "contact_email", ""))
    relay_messages = [m for m in context.get("messages", []) if MESSAGE_TAG in m.tags.split()]
    return {
        "has_contact": has_contact,
        "project_id": page.pk,
        "contact_role": page.contact_role,
        "contact_name": page.contact_name,
        "form": ContactRelayForm() if has_contact else None,
        "relay_messages": relay_messages,
        "request": context.get("request"),
    }
