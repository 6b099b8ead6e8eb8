"""Template helpers for the replication links on project pages and search results."""

from django import template

from ..selection import CompareState, compare_state

register = template.Library()


@register.simple_tag(takes_context=True)
def replication_compare_state(context, project) -> CompareState:
    """The visitor's comparison selection as seen from a project (URL ``p`` ids, else session).

    ``project`` is a ProjectPage or its id (search results carry the id as a string).
    """
    project_id = int(getattr(project, "pk", project))
    return compare_state(context.get("request"), project_id)
