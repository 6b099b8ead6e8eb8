"""The synonym list as a Wagtail snippet: the Redaktion edits it in the admin (Snippets → Synonyme)."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Synonym


class SynonymViewSet(SnippetViewSet):
    model = Synonym
    icon = "openquote"
    list_display = ["term", "alternatives", "updated_at"]
    search_fields = ["term", "alternatives"]
    ordering = ["term"]
    list_per_page = 50


register_snippet(SynonymViewSet)
