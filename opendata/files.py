"""The download files of /daten/: generated on first request, kept on disk until the content changes.

Building the public document reads every public page; doing that on every download would let a
few clients keep the database busy. So each file is built once and kept under
``DATA_DIR/opendata`` (shared by all server processes of a machine), named by a *content
version*: the page cache's generation (cms.core.pagecache), which changes whenever a page is
published, unpublished, moved or deleted, a view restriction, image, document, tag or registry
entry changes, and at every ``migrate``; together with the language (column headers are
translated), the site's address (the files hold absolute URLs) and the content licence (the files
name it). A new version is a new file
name, so an old file is never served after a change; old files are deleted when the new one is
written. A file built from the old state while an editor publishes is stored under the old
version and never served either (the version is read before building, as the page cache does).

One process builds a file at a time (a lock file per download); a request that arrives meanwhile
waits for it and then serves the finished file instead of building it again. Files are written to
a temporary name and renamed, so a reader never sees half a file. The tables (CSV, XLSX) are
derived from the cached JSON document, so one build of the document serves all seven files.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from django.conf import settings
from django.utils import translation

from cms.core import pagecache
from cms.exchange.public import licence_notes, public_document
from cms.exchange.tables import ITEMS_OF_TABLE, TABLES, write_csv, write_xlsx

from .datasets import Dataset

DIRECTORY = "opendata"
DOCUMENT = "document.json"
WRITERS = {"csv": write_csv, "xlsx": write_xlsx}


def directory() -> Path:
    return Path(settings.DATA_DIR) / DIRECTORY


def content_version(base_url: str) -> str:
    """The version the files are built and looked up under (see the module docstring)."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    source = "\n".join((pagecache.current_generation(), language, base_url, settings.CONTENT_LICENCE))
    return hashlib.sha256(source.encode()).hexdigest()[:20]


def _path(name: str, version: str) -> Path:
    stem, _, suffix = name.rpartition(".")
    return directory() / f"{stem}--{version}.{suffix}"


@contextmanager
def _locked(name: str) -> Iterator[None]:
    with open(directory() / f".{name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _ensure(name: str, version: str, write: Callable[[IO[bytes]], object]) -> Path:
    """The file ``name`` of this version, built by ``write`` if it is not there yet."""
    path = _path(name, version)
    if path.exists():
        return path
    directory().mkdir(parents=True, exist_ok=True)
    with _locked(name):
        if path.exists():  # built by another request while this one waited
            return path
        handle, temporary = tempfile.mkstemp(dir=directory(), prefix=f".{name}.", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                write(out)
            os.replace(temporary, path)
        finally:
            Path(temporary).unlink(missing_ok=True)
        stem, _, suffix = name.rpartition(".")
        for old in directory().glob(f"{stem}--*.{suffix}"):
            if old != path:
                old.unlink(missing_ok=True)
        # Parts a killed process left behind (the lock is held, so no build of this file is running).
        for part in directory().glob(f".{name}.*.part"):
            part.unlink(missing_ok=True)
    return path


def _document(version: str, base_url: str) -> Path:
    def write(out: IO[bytes]) -> None:
        out.write(json.dumps(public_document(base_url), ensure_ascii=False).encode())

    return _ensure(DOCUMENT, version, write)


def dataset_file(dataset: Dataset, fmt: str, base_url: str, source: str) -> Path:
    """The file of ``dataset`` in ``fmt`` for the current content; ``source`` is its download URL."""
    version = content_version(base_url)
    document_path = _document(version, base_url)
    if not dataset.table:
        return document_path
    table = TABLES[dataset.table]

    def write(out: IO[bytes]) -> None:
        with open(document_path, encoding="utf-8") as fh:
            document = json.load(fh)
        WRITERS[fmt](table, ITEMS_OF_TABLE[table.key](document), out, licence_notes(source))

    return _ensure(f"{dataset.slug}.{fmt}", version, write)


def cached_size(dataset: Dataset, fmt: str, base_url: str) -> int | None:
    """The size of the file if it is built for the current content already (None otherwise): cheap to ask."""
    name = DOCUMENT if not dataset.table else f"{dataset.slug}.{fmt}"
    try:
        return _path(name, content_version(base_url)).stat().st_size
    except FileNotFoundError:
        return None
