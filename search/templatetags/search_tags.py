"""Template tags the CMS templates load by name, so cms code never imports search."""

from django import template

from cms.content_types import PROJECT

from .. import service

register = template.Library()


@register.inclusion_tag("search/includes/similar_projects.html")
def similar_projects(page, limit: int = 4):
    results = [r for r in service.similar(page.pk, limit + 2) if r.type == PROJECT][:limit]
    return {"results": results}
