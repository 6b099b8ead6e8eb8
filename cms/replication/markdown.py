"""The replication checklist as a Markdown file: "- [ ] item" lines grouped by phase headings."""

from __future__ import annotations

import re
from collections.abc import Callable

from .checklist import ReplicationChecklist
from .formatting import one_line

_LEADING_MARKUP = re.compile(r"^([#>+\-*]|\d+[.)])(\s)")


def md_text(text: str) -> str:
    """One line of user text that cannot open a heading, list or link by accident."""
    line = one_line(text).replace("[", "\\[").replace("]", "\\]")
    return _LEADING_MARKUP.sub(r"\\\1\2", line)


def render_markdown(checklist: ReplicationChecklist, absolute: Callable[[str], str] = lambda url: url) -> str:
    """``absolute`` turns a site-relative URL into a full one (the view passes build_absolute_uri)."""

    def link(url: str) -> str:
        return f"<{absolute(url)}>" if url else ""

    lines: list[str] = [f"# {md_text(checklist.title)}", ""]
    intro = f"Checkliste für die Nachnutzung des Projekts „{md_text(checklist.project_title)}“"
    if checklist.municipality is not None:
        intro += f" aus {md_text(checklist.municipality.name)}"
    lines += [intro + ".", ""]
    if checklist.project_url:
        lines += [f"Projektseite: {link(checklist.project_url)}", ""]

    lines += ["## Das Projekt auf einen Blick", ""]
    lines += [f"- **{label}:** {md_text(value)}" for label, value in checklist.facts]
    lines.append("")

    if checklist.visitor is not None and checklist.differences:
        lines += [f"## Unterschiede zu Ihrer Kommune ({md_text(checklist.visitor.name)})", ""]
        for difference in checklist.differences:
            lines.append(f"- {md_text(difference.text)}")
            if difference.detail:
                lines.append(f"  {md_text(difference.detail)}")
        lines.append("")

    for section in checklist.sections:
        lines += [f"## Phase: {section.label}", ""]
        for item in section.items:
            marker = "" if item.required else " (optional)"
            lines.append(f"- [ ] {md_text(item.text)}{marker}")
            if item.explanation:
                lines.append(f"  {md_text(item.explanation)}")
            for item_link in item.links:
                lines.append(f"  {md_text(item_link.label)}: {link(item_link.url)}")
            lines.append(f"  _{md_text(item.reason)}_")
        lines.append("")

    lines += ["## Kontakt und Quellen", ""]
    if checklist.contact is not None:
        who = md_text(checklist.contact.text) or "Ansprechperson des Projekts"
        how = "Kontaktformular" if checklist.contact.has_form else "Projektseite"
        lines.append(f"- **Ansprechperson:** {who} – {how}: {link(checklist.contact.url)}")
    for resource in checklist.links:
        note = f" ({md_text(resource.note)})" if resource.note else ""
        lines.append(f"- **{md_text(resource.label)}**{note}: {link(resource.url)}")
    for source in checklist.sources:
        lines.append(f"- **Verwendet:** {md_text(source.label)}: {link(source.url)}")
    lines += ["", "Charta-Begriffe nach: Smart City Charta (BBSR/BMI, 2017, redigierte Fassung 2021)", ""]
    return "\n".join(lines)
