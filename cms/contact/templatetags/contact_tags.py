"""The contact section of a project page: role and name, a link to the relay form, never the address."""

from django import template

from ..views import MESSAGE_TAG

register = template.Library()


@register.inclusion_tag("contact/includes/contact_section.html", takes_context=True)
def project_contact(context, page):
    """Render "Kontakt aufnehmen" for a project that has a contact address; nothing otherwise.

    Only a boolean about the address reaches the template, so no template change can leak it.
    The form itself is on its own page (``contact:project``), so the project page carries no
    CSRF token and is the same for every visitor without a session.
    """
    has_contact = bool(getattr(page, "contact_email", ""))
    relay_messages = [m for m in context.get("messages", []) if MESSAGE_TAG in m.tags.split()]
    return {
        "has_contact": has_contact,
        "project_id": page.pk,
        "contact_role": page.contact_role,
        "contact_name": page.contact_name,
        "relay_messages": relay_messages,
    }
