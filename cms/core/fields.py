"""Rich text fields that sanitise themselves whenever a model is saved, whoever saves it.

Sanitising in the field's ``pre_save`` covers every way in at once: the admin, the exchange
import, scripts and any future API all end in ``Model.save()``, and Wagtail stores a page's
revisions through django-modelcluster, which reads each field through ``pre_save`` too, so
drafts and previews are clean as well. (``QuerySet.update()`` bypasses it, as it bypasses every
``save()`` logic; ``sanitize_stored_rich_text`` cleans what got in that way.) Lookups are left
alone: sanitising in ``get_prep_value`` would turn ``filter(problem__contains="<script")`` into
a match on the empty string.

Both fields deconstruct as Wagtail's own: the database holds the same data, so migrations need
not know about them.
"""

from __future__ import annotations

from typing import Any

from wagtail.fields import RichTextField, StreamField

from .sanitize import sanitize_html, sanitize_stream_value


class SanitizedRichTextField(RichTextField):
    """A RichTextField whose HTML is cleaned to its editor features' markup on every save."""

    def pre_save(self, model_instance, add: bool) -> Any:
        value = super().pre_save(model_instance, add)
        if value:
            cleaned = sanitize_html(self.to_python(value), self.features).html
            if cleaned != value:
                setattr(model_instance, self.attname, cleaned)
            value = cleaned
        return value

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "wagtail.fields.RichTextField", args, kwargs


class SanitizedStreamField(StreamField):
    """A StreamField whose rich text blocks, at any depth, are cleaned on every save."""

    def pre_save(self, model_instance, add: bool) -> Any:
        value = super().pre_save(model_instance, add)
        sanitize_stream_value(value, self.stream_block, self.name)
        return value

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "wagtail.fields.StreamField", args, kwargs
