"""The README's "Rollen und Demo-Zugänge" lists the accounts ``setup_demo`` really creates."""

from pathlib import Path

from django.conf import settings

from cms.accounts.demo import DEMO_ACCOUNTS
from cms.exchange.management.commands.setup_demo import DEFAULT_DEMO_PASSWORD, DEMO_ADMIN

README = Path(settings.BASE_DIR) / "README.md"


def roles_section() -> str:
    text = README.read_text(encoding="utf-8")
    assert text.index("make run") < text.index("make test") < text.index("## Rollen und Demo-Zugänge")
    return text.split("## Rollen und Demo-Zugänge", 1)[1].split("\n## ", 1)[0]


def test_readme_lists_every_demo_account_and_the_password():
    section = roles_section()
    for username in [DEMO_ADMIN, *(account.username for account in DEMO_ACCOUNTS)]:
        assert f"`{username}`" in section, username
    assert f"**{DEFAULT_DEMO_PASSWORD}**" in section and "DEMO_PASSWORD" in section
