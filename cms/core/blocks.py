"""The StreamField blocks every page type shares, in one place (as in bakerydemo)."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

RICH_TEXT_FEATURES = ["h3", "h4", "bold", "italic", "ol", "ul", "link", "document-link"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Überschrift"), max_length=120)
    level = blocks.ChoiceBlock(label=_("Ebene"), choices=[("h2", "H2"), ("h3", "H3")], default="h2", required=True)

    class Meta:
        icon = "title"
        label = _("Zwischenüberschrift")
        template = "blocks/heading.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Bild"))
    alt_text = blocks.CharBlock(
        label=_("Alternativtext"),
        max_length=250,
        help_text=_("Beschreiben Sie, was auf dem Bild zu sehen ist (für Screenreader)."),
    )
    caption = blocks.CharBlock(label=_("Bildunterschrift"), required=False, max_length=250)

    class Meta:
        icon = "image"
        label = _("Bild")
        template = "blocks/image.html"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("Zitat"))
    source = blocks.CharBlock(label=_("Quelle"), required=False, max_length=200)

    class Meta:
        icon = "openquote"
        label = _("Zitat")
        template = "blocks/quote.html"


class CalloutBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Titel"), max_length=120)
    text = blocks.RichTextBlock(label=_("Text"), features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "warning"
        label = _("Hinweiskasten")
        template = "blocks/callout.html"


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Dokument"))
    title = blocks.CharBlock(label=_("Linktext"), required=False, max_length=200)

    class Meta:
        icon = "doc-full"
        label = _("Dokument")
        template = "blocks/document.html"


class FactBlock(blocks.StructBlock):
    label = blocks.CharBlock(label=_("Bezeichnung"), max_length=80)
    value = blocks.CharBlock(label=_("Wert"), max_length=200)


class FactsBlock(blocks.ListBlock):
    def __init__(self, **kwargs):
        super().__init__(FactBlock(), **kwargs)

    class Meta:
        icon = "list-ul"
        label = _("Eckdaten")
        template = "blocks/facts.html"


class BodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(label=_("Absatz"), features=RICH_TEXT_FEATURES, icon="pilcrow")
    quote = QuoteBlock()
    callout = CalloutBlock()
    image = ImageBlock()
    document = DocumentBlock()
    facts = FactsBlock()


class GuideSectionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Abschnittstitel"), max_length=150)
    body = blocks.RichTextBlock(label=_("Inhalt"), features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "doc-full-inverse"
        label = _("Abschnitt")
        template = "blocks/guide_section.html"
