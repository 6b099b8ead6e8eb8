#!/usr/bin/env python3
"""Print the secret key `make serve` runs with, generating it once into the data directory.

`make serve` runs the production settings, which refuse to start without a real SECRET_KEY.
Someone who only wants to run the site on this machine should not have to invent one, and a
key that changed at every start would log everybody out and void every password-reset link, so
the first run stores a fresh key in ``$DATA_DIR/secret_key`` (``var/`` by default, readable by
the owner only) and later runs read it back. The key goes to stdout for the Makefile to capture
into the environment; nothing else prints it. An explicit SECRET_KEY in the environment wins and
is handled by the Makefile, which then does not call this script.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from django.core.management.utils import get_random_secret_key

ROOT = Path(__file__).resolve().parents[1]
# The production settings' own check (cms/settings/production.py), so a damaged file is reported here.
MIN_LENGTH = 50


def key_file() -> Path:
    """The same data directory as the settings (cms/settings/base.py: DATA_DIR)."""
    return Path(os.environ.get("DATA_DIR", ROOT / "var")) / "secret_key"


def read_or_create(path: Path) -> str:
    """The stored key, or a new one written with mode 0600.

    The new key is written to a private temporary file first and then linked into place, which
    fails if the file appeared meanwhile: two first starts at once agree on one key, and nobody
    ever reads a half-written file.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_key-")  # mode 0600
        try:
            with os.fdopen(handle, "w", encoding="ascii") as file:
                file.write(get_random_secret_key() + "\n")
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass  # another start was quicker; use its key
        finally:
            os.unlink(temporary)
    return path.read_text(encoding="ascii").strip()


def main() -> int:
    path = key_file()
    key = read_or_create(path)
    if len(key) < MIN_LENGTH or len(set(key)) < 5:
        print(
            f"{path} enthält keinen gültigen Schlüssel (mindestens {MIN_LENGTH} zufällige Zeichen). "
            "Datei löschen, dann wird beim nächsten Start ein neuer erzeugt.",
            file=sys.stderr,
        )
        return 1
    sys.stdout.write(key)
    return 0


if __name__ == "__main__":
    sys.exit(main())
