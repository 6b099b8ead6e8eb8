"""``{% project_jsonld page %}``: the schema.org JSON-LD data block of a project page (cms/projects/jsonld.py)."""

from django import template
from django.utils.safestring import SafeString

from ..jsonld import jsonld_script, project_jsonld

register = template.Library()


@register.simple_tag(takes_context=True)
def project_jsonld_script(context: template.Context, page) -> SafeString:
    """Reuses the lineage and partners the page's context loaded, so the block costs few queries."""
    data = project_jsonld(
        page,
        context.get("request"),
        lineage_sources=context.get("lineage_sources"),
        partners=context.get("partners"),
    )
    return jsonld_script(data)
