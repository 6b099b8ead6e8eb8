"""``{% content_licence as licence %}``: the licence of the platform's content, for the footer and pages."""

from django import template

from cms.core.licence import REGISTRY_LICENCE, Licence, content_licence

register = template.Library()


@register.simple_tag(name="content_licence")
def content_licence_tag() -> Licence:
    return content_licence()


@register.simple_tag(name="registry_licence")
def registry_licence_tag() -> Licence:
    return REGISTRY_LICENCE
