"""Rich text sanitising: one allow-list, derived from the editor's features, on every way in.

Wagtail's editor (Draftail) only ever writes the markup its features allow, but rich text also
arrives through the exchange import, data migrations and any future API, and the models must not
trust those callers: an imported ``<script>`` was stored verbatim and rendered verbatim by
``|richtext``. So every rich text value is cleaned with nh3 against exactly the markup that the
editor itself accepts for the field's features, read from Wagtail's feature registry (the
``contentstate`` converter rules, i.e. what Draftail loads from the database), never a list
copied per field. Whatever the editor would silently drop on the next edit is dropped here too;
what it keeps (``<p data-block-key>``, ``<b>``, ``<a href>``, ``<a linktype="page" id="3">``…)
survives unchanged.

``sanitize_html`` returns the clean HTML and a short, language-neutral list of what it removed
(``<script>``, ``<img onerror>``), so that callers such as the importer can warn about it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any

import nh3
from django.core.exceptions import FieldDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from wagtail import blocks
from wagtail.fields import RichTextField, StreamField
from wagtail.rich_text import features as feature_registry

# Wagtail's contentstate converter accepts these whatever the features (paragraphs, line breaks).
BASE_TAGS = ("p", "br")
# Draftail stores its block ids on every block element; dropping them would only churn revisions.
BLOCK_KEY_ATTRIBUTE = "data-block-key"
# The attributes that Wagtail's database format carries on its link and embed entities besides the
# attribute that names the entity type (the selectors in the feature registry name only that one).
ENTITY_ATTRIBUTES: dict[tuple[str, str, str], tuple[str, ...]] = {
    ("a", "linktype", "page"): ("id",),
    ("a", "linktype", "document"): ("id",),
    ("embed", "embedtype", "image"): ("id", "format", "alt"),
    ("embed", "embedtype", "media"): ("url",),
}
# Links may point to the web, to mail and phone; relative URLs and #anchors pass as they are.
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
# Never allowed, whatever a feature says: their content is code, not text, so it goes with them.
CLEAN_CONTENT_TAGS = frozenset({"script", "style"})
# Values an attribute must have to be kept; other attributes are free text (escaped by nh3).
ATTRIBUTE_VALUES = {
    "id": re.compile(r"[0-9]{1,19}"),
    BLOCK_KEY_ATTRIBUTE: re.compile(r"[\w-]{1,64}"),
    "format": re.compile(r"[\w-]{1,64}"),
    "url": re.compile(r"https?://\S+", re.IGNORECASE),
}

# The selector forms of Wagtail's HTMLRuleset: ``a``, ``a[href]``, ``a[linktype="page"]``.
_SELECTOR = re.compile(r"""^([\w-]+)(?:\[([\w-]+)(?:=(?:"([^"]*)"|'([^']*)'|([\w-]+)))?\])?$""")


@dataclass(frozen=True)
class AllowList:
    """Tags and attributes a field's editor accepts; ``attribute_values`` limits attributes to fixed values."""

    tags: frozenset[str]
    attributes: dict[str, frozenset[str]]
    attribute_values: dict[str, dict[str, frozenset[str]]]


@dataclass(frozen=True)
class SanitizeResult:
    html: str
    removed: tuple[str, ...]  # e.g. ("<script>", "<img>", "<a href>"), in order of appearance


@dataclass(frozen=True)
class Removal:
    """What was removed from one rich text value: ``field`` is ``problem``, ``body.1`` or ``body.3.text``."""

    field: str
    removed: tuple[str, ...]


def _features_key(features: Sequence[str] | None) -> tuple[str, ...]:
    if features is None:
        return tuple(feature_registry.get_default_features())
    return tuple(features)


def allow_list(features: Sequence[str] | None) -> AllowList:
    """The markup the editor accepts for ``features`` (``None``: Wagtail's default features)."""
    return _allow_list(_features_key(features))


@lru_cache(maxsize=32)
def _allow_list(features: tuple[str, ...]) -> AllowList:
    tags: set[str] = set(BASE_TAGS)
    attributes: dict[str, set[str]] = {}
    values: dict[str, dict[str, set[str]]] = {}
    block_elements = {"p"}
    for feature in features:
        rule = feature_registry.get_converter_rule("contentstate", feature)
        if not rule:
            continue
        for selector in rule.get("from_database_format", {}):
            match = _SELECTOR.match(selector)
            if match is None:
                continue  # a selector form Wagtail may add later: allow nothing rather than guess
            tag, attribute = match.group(1), match.group(2)
            value = next((v for v in match.groups()[2:] if v is not None), None)
            tags.add(tag)
            if attribute is None:
                continue
            if value is None:
                attributes.setdefault(tag, set()).add(attribute)
            else:
                values.setdefault(tag, {}).setdefault(attribute, set()).add(value)
                attributes.setdefault(tag, set()).update(ENTITY_ATTRIBUTES.get((tag, attribute, value), ()))
        for config in rule.get("to_database_format", {}).get("block_map", {}).values():
            element = config.get("element") if isinstance(config, dict) else config
            if isinstance(element, str):
                block_elements.add(element)
    for element in block_elements & tags:
        attributes.setdefault(element, set()).add(BLOCK_KEY_ATTRIBUTE)
    tags -= CLEAN_CONTENT_TAGS
    return AllowList(
        tags=frozenset(tags),
        attributes={tag: frozenset(names) for tag, names in attributes.items()},
        attribute_values={
            tag: {name: frozenset(allowed) for name, allowed in by_name.items()} for tag, by_name in values.items()
        },
    )


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    pattern = ATTRIBUTE_VALUES.get(attribute)
    if pattern is None or pattern.fullmatch(value):
        return value
    return None


@lru_cache(maxsize=32)
def _cleaner(features: tuple[str, ...]) -> tuple[nh3.Cleaner, AllowList]:
    allowed = _allow_list(features)
    cleaner = nh3.Cleaner(
        tags=set(allowed.tags),
        clean_content_tags=set(CLEAN_CONTENT_TAGS),
        attributes={tag: set(names) for tag, names in allowed.attributes.items()},
        tag_attribute_values={
            tag: {name: set(v) for name, v in by_name.items()} for tag, by_name in allowed.attribute_values.items()
        },
        attribute_filter=_filter_attribute,
        url_schemes=set(URL_SCHEMES),
        link_rel=None,  # Wagtail's stored format has no rel; adding one would rewrite every link
        strip_comments=True,
    )
    return cleaner, allowed


class _Inventory(HTMLParser):
    """Counts tags, attributes and comments, to tell what the cleaner removed (for the warning only:
    the safety of the output never depends on this count)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.attributes: Counter[tuple[str, str]] = Counter()
        self.comments = 0
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        for name, _value in attrs:
            self.attributes[(tag, name)] += 1

    def handle_comment(self, data: str) -> None:
        self.comments += 1


def _removed(before: _Inventory, after: _Inventory, allowed: AllowList) -> tuple[str, ...]:
    removed = [f"<{tag}>" for tag in before.tags - after.tags if tag not in allowed.tags]
    removed += [f"<{tag} {name}>" for tag, name in before.attributes - after.attributes if tag in allowed.tags]
    if before.comments > after.comments:
        removed.append("<!-- -->")
    return tuple(removed)


def sanitize_html(html: str, features: Sequence[str] | None = None) -> SanitizeResult:
    """Clean ``html`` to the markup the editor accepts for ``features``; say what was removed."""
    if not html:
        return SanitizeResult(html or "", ())
    cleaner, allowed = _cleaner(_features_key(features))
    cleaned = cleaner.clean(html)
    if cleaned == html:
        return SanitizeResult(cleaned, ())
    return SanitizeResult(cleaned, _removed(_Inventory(html), _Inventory(cleaned), allowed))


# -- stream data ---------------------------------------------------------------------------------
# StreamField values are walked in their raw (JSON) form: a StreamValue assigned from a list stays
# raw until someone reads it, and Wagtail saves raw items as they are, past every block method.


def sanitize_block_raw(block: blocks.Block, raw: Any, path: str) -> tuple[Any, list[Removal]]:
    """The raw value of ``block`` with every rich text inside it cleaned, and what was removed."""
    if isinstance(block, blocks.RichTextBlock):
        if not isinstance(raw, str):
            return raw, []
        result = sanitize_html(raw, block.features)
        return result.html, [Removal(path, result.removed)] if result.removed else []
    if isinstance(block, blocks.StreamBlock):
        return sanitize_stream_raw(block, raw, path)
    if isinstance(block, blocks.StructBlock) and isinstance(raw, dict):
        cleaned, removals = dict(raw), []
        for name, child in block.child_blocks.items():
            if name in raw:
                cleaned[name], found = sanitize_block_raw(child, raw[name], f"{path}.{name}")
                removals += found
        return cleaned, removals
    if isinstance(block, blocks.ListBlock) and isinstance(raw, list):
        cleaned_items, removals = [], []
        for i, item in enumerate(raw):
            if isinstance(item, dict) and item.get("type") == "item" and "value" in item:
                value, found = sanitize_block_raw(block.child_block, item["value"], f"{path}.{i}")
                cleaned_items.append({**item, "value": value})
            else:  # the older list format: bare values
                value, found = sanitize_block_raw(block.child_block, item, f"{path}.{i}")
                cleaned_items.append(value)
            removals += found
        return cleaned_items, removals
    return raw, []


def _sanitize_stream_item(stream_block: blocks.StreamBlock, item: Any, path: str) -> tuple[Any, list[Removal]]:
    child = stream_block.child_blocks.get(item.get("type")) if isinstance(item, dict) else None
    if child is None or "value" not in item:
        return item, []  # unknown block types are never rendered; Wagtail drops them on load
    value, removals = sanitize_block_raw(child, item["value"], path)
    return ({**item, "value": value} if value != item["value"] else item), removals


def sanitize_stream_raw(stream_block: blocks.StreamBlock, raw: Any, path: str) -> tuple[Any, list[Removal]]:
    """Raw stream data (a list of ``{"type", "value", "id"}``) with its rich text cleaned."""
    if not isinstance(raw, list):
        return raw, []
    cleaned, removals = [], []
    for i, item in enumerate(raw):
        item, found = _sanitize_stream_item(stream_block, item, f"{path}.{i}")
        cleaned.append(item)
        removals += found
    return cleaned, removals


def sanitize_stream_value(value: Any, stream_block: blocks.StreamBlock, path: str) -> list[Removal]:
    """Clean a StreamValue in place; only the items that change are replaced (and so re-read)."""
    if not isinstance(value, blocks.StreamValue):
        return []
    removals = []
    raw_data = value.raw_data
    for i in range(len(raw_data)):
        item = raw_data[i]
        cleaned, found = _sanitize_stream_item(stream_block, item, f"{path}.{i}")
        if cleaned is not item:
            raw_data[i] = cleaned
        removals += found
    return removals


def sanitize_instance(instance: models.Model) -> list[Removal]:
    """Clean every rich text of a model instance in place (RichTextFields and rich text in
    StreamFields), returning what was removed where; the importer turns this into warnings."""
    removals: list[Removal] = []
    for field in instance._meta.concrete_fields:
        if isinstance(field, RichTextField):
            value = getattr(instance, field.attname)
            if isinstance(value, str) and value:
                result = sanitize_html(value, field.features)
                setattr(instance, field.attname, result.html)
                if result.removed:
                    removals.append(Removal(field.name, result.removed))
        elif isinstance(field, StreamField):
            removals += sanitize_stream_value(getattr(instance, field.attname), field.stream_block, field.name)
    return removals


# -- stored data ---------------------------------------------------------------------------------


def _current_features(field: RichTextField) -> Sequence[str] | None:
    """A migration's historical RichTextField has lost its ``features`` (Wagtail leaves them out of
    migrations), so they are read from the current model; a field that no longer exists keeps its own."""
    from django.apps import apps as current_apps

    opts = field.model._meta
    try:
        return current_apps.get_model(opts.app_label, opts.model_name)._meta.get_field(field.name).features
    except (LookupError, FieldDoesNotExist, AttributeError):
        return field.features


def _clean_content(content: dict, fields: list[models.Field]) -> bool:
    """Clean the rich text in a revision's content (StreamFields are JSON strings there)."""
    changed = False
    for field in fields:
        value = content.get(field.name)
        if isinstance(field, RichTextField) and isinstance(value, str):
            cleaned: Any = sanitize_html(value, _current_features(field)).html
        elif isinstance(field, StreamField) and value:
            raw = json.loads(value) if isinstance(value, str) else value
            cleaned_raw, _removals = sanitize_stream_raw(field.stream_block, raw, field.name)
            if cleaned_raw == raw:
                continue
            cleaned = json.dumps(cleaned_raw, cls=DjangoJSONEncoder) if isinstance(value, str) else cleaned_raw
        else:
            continue
        if cleaned != value:
            content[field.name] = cleaned
            changed = True
    return changed


def sanitize_stored_rich_text(
    model_classes: Iterable[type[models.Model]], revision_model: type[models.Model] | None = None
) -> int:
    """Clean what is already stored: every RichTextField and StreamField on the given models' own
    tables, and, for pages, their latest and live revisions (drafts and what a revert would bring
    back). Works on a migration's historical models; writes with ``update()``, so no page is
    re-published and no revision is added. Returns the number of rows changed."""
    changed = 0
    for model in model_classes:
        fields = [f for f in model._meta.local_concrete_fields if isinstance(f, (RichTextField, StreamField))]
        if not fields:
            continue
        revision_fields = []
        if revision_model is not None:
            own = {f.name: f for f in model._meta.get_fields()}
            revision_fields = [own[name].attname for name in ("latest_revision", "live_revision") if name in own]
        manager = model._base_manager
        columns = ["pk", *revision_fields, *(f.attname for f in fields)]
        revision_ids: set[int] = set()
        for row in manager.values_list(*columns).iterator():
            pk, revisions, values = row[0], row[1 : 1 + len(revision_fields)], row[1 + len(revision_fields) :]
            revision_ids.update(r for r in revisions if r)
            updates: dict[str, Any] = {}
            for field, value in zip(fields, values, strict=True):
                if isinstance(field, RichTextField) and isinstance(value, str):
                    cleaned = sanitize_html(value, _current_features(field)).html
                    if cleaned != value:
                        updates[field.attname] = cleaned
                elif isinstance(field, StreamField) and isinstance(value, blocks.StreamValue):
                    raw = list(value.raw_data)
                    cleaned_raw, _removals = sanitize_stream_raw(field.stream_block, raw, field.name)
                    if cleaned_raw != raw:
                        updates[field.attname] = cleaned_raw
            if updates:
                manager.filter(pk=pk).update(**updates)
                changed += 1
        if revision_model is not None:
            for revision in revision_model._base_manager.filter(pk__in=revision_ids).only("pk", "content"):
                content = dict(revision.content or {})
                if _clean_content(content, fields):
                    revision_model._base_manager.filter(pk=revision.pk).update(content=content)
                    changed += 1
    return changed
