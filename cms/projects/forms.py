"""Admin form for the project "Steckbrief": Charta choosers that show what each term means.

A bare list of codes ("2.3", "f") makes editors look terms up elsewhere or tick at random.
The choosers therefore show each guideline with its code, title and scope, grouped under
its main guideline, and each recommendation with its letter and title.
"""

from __future__ import annotations

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from cms.core.forms import PlatformPageForm


class GroupedCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """Checkboxes in one fieldset per choice group."""

    template_name = "projects/widgets/grouped_checkbox_select.html"


class GuidelineChoiceIterator(ModelChoiceIterator):
    """Yields sub-guidelines as optgroups under their main guideline, in Charta order."""

    def __iter__(self):
        groups: dict[str, list] = {}
        for guideline in self.queryset.select_related("parent"):
            parent = guideline.parent
            label = f"{parent.code} {parent.title}" if parent else ""
            groups.setdefault(label, []).append(self.choice(guideline))
        yield from groups.items()

    def __len__(self):
        return self.queryset.count()


class GuidelineMultipleChoiceField(forms.ModelMultipleChoiceField):
    iterator = GuidelineChoiceIterator

    def label_from_instance(self, obj) -> str:
        """ "2.3 Mitgestaltung fördern — Zielgruppengerechte Beteiligung, …"; scope tells what belongs there."""
        label = f"{obj.code} {obj.title}"
        return f"{label} — {obj.scope}" if obj.scope else label


class RecommendationMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.code}) {obj.title}"


def _replace_field(form: forms.Form, name: str, field_class, widget) -> None:
    """Swap a generated model field for ``field_class``, keeping its queryset, label, help text and requiredness."""
    old = form.fields.get(name)
    if old is None:
        return
    form.fields[name] = field_class(
        queryset=old.queryset,
        required=old.required,
        label=old.label,
        help_text=old.help_text,
        widget=widget,
    )


class ProjectPageForm(PlatformPageForm):
    """The edit form of ProjectPage: Charta choosers and clearer messages for the one required field.

    Built on ``PlatformPageForm`` like every page type's form, so a Steckbrief saved from an
    outdated editor is refused too.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _replace_field(self, "guidelines", GuidelineMultipleChoiceField, GroupedCheckboxSelectMultiple())
        _replace_field(self, "recommendations", RecommendationMultipleChoiceField, forms.CheckboxSelectMultiple())
        summary = self.fields.get("summary")
        if summary is not None:
            summary.error_messages.update(
                required=_(
                    "Bitte schreiben Sie eine Kurzbeschreibung; sie erscheint in der Suche und auf Projektkarten."
                ),
                max_length=_(
                    "Die Kurzbeschreibung darf höchstens %(limit_value)d Zeichen lang sein "
                    "(derzeit %(show_value)d). Details gehören in „Ausgangslage“ und „Lösung“."
                ),
            )

    def clean(self):
        cleaned_data = super().clean()
        self._check_adaptations()
        return cleaned_data

    def _check_adaptations(self) -> None:
        """No project adapted from itself, no source named twice: marked at the offending row of the
        "Nachnutzung" tab, before saving would fail on the same rule in ``ProjectPage.clean``."""
        formset = self.formsets.get("adapted_from") if hasattr(self, "formsets") else None
        if formset is None or not formset.is_valid():
            return  # the rows' own errors are shown first
        seen: set[int] = set()
        for form in formset.forms:
            if formset.can_delete and formset._should_delete_form(form):
                continue
            source = form.cleaned_data.get("source")
            if source is None:
                continue
            if self.instance.pk is not None and source.pk == self.instance.pk:
                form.add_error(
                    "source",
                    _("Ein Projekt kann nicht von sich selbst nachgenutzt sein. Bitte wählen Sie ein anderes."),
                )
            elif source.pk in seen:
                form.add_error("source", _("Dieses Ursprungsprojekt ist schon genannt."))
            seen.add(source.pk)
