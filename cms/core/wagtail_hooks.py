"""Register the registry models as Wagtail snippets, so editors manage them in the admin."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from registry.models import ActionField, ActorGroup, Guideline, LeitbildAttribute, Municipality, Recommendation


class TermViewSet(SnippetViewSet):
    list_display = ["code", "title"]
    search_fields = ["code", "title", "description"]
    ordering = ["sort_order", "code"]


class GuidelineViewSet(TermViewSet):
    model = Guideline
    icon = "list-ol"
    list_filter = ["parent"]


class LeitbildViewSet(TermViewSet):
    model = LeitbildAttribute
    icon = "pick"


class RecommendationViewSet(TermViewSet):
    model = Recommendation
    icon = "tick"


class ActorGroupViewSet(TermViewSet):
    model = ActorGroup
    icon = "group"


class ActionFieldViewSet(TermViewSet):
    model = ActionField
    icon = "tag"


class MunicipalityViewSet(SnippetViewSet):
    model = Municipality
    icon = "site"
    list_display = ["name", "ags", "state", "population", "size_class"]
    list_filter = ["state", "size_class", "urbanisation"]
    search_fields = ["name", "ags"]
    ordering = ["name"]
    list_per_page = 50


class RegistryGroup(SnippetViewSetGroup):
    menu_label = _("Charta & Register")
    menu_icon = "folder-open-inverse"
    menu_order = 300
    items = (
        GuidelineViewSet,
        LeitbildViewSet,
        RecommendationViewSet,
        ActorGroupViewSet,
        ActionFieldViewSet,
        MunicipalityViewSet,
    )


register_snippet(RegistryGroup)
