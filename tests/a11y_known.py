"""Critical and serious axe-core findings in the editor that are caused inside Wagtail itself.

Each entry is (axe rule id, page as named in tests/browser/test_editor_accessibility.py) and has a
row in docs/accessibility.md with the element and the upstream issue;
tests/accounts/test_editor_form.py checks that this list and the document agree. Everything
else the browser test finds is a failure.
"""

from __future__ import annotations

KNOWN_EDITOR_VIOLATIONS: frozenset[tuple[str, str]] = frozenset()
