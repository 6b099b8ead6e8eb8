"""Services shared by several machines (media in S3-compatible storage, caches in Redis).

Not a settings module of its own: cms/settings/production.py calls these functions. Each reads
its environment variables and returns the setting to use; with the variables absent it returns
the embedded default unchanged (file system, database and file caches), so a single machine needs
no extra server. A half-configured service stops the start with a German message instead of
quietly falling back: uploads that land on one machine's disk while the others look in a bucket,
or rate limits counted per machine, would only show up much later. docs/operations.md
("Mehrere Rechner") describes the variables; tests/test_settings_env.py loads them.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

S3_STORAGE_BACKEND = "storages.backends.s3.S3Storage"
REDIS_CACHE_BACKEND = "django.core.cache.backends.redis.RedisCache"

# The cache aliases every process and machine must share, in the order of their Redis databases:
# "default" holds the rate limits (access requests, contact relay, password reset), "pages" the
# anonymous page cache (when base.py defines it). Each gets a database of its own, counted up from
# the one in REDIS_URL, rather than a key prefix: RedisCache.clear() empties the whole database
# (FLUSHDB), and clearing the page cache must not reset the rate limits.
SHARED_CACHE_ALIASES = ("default", "pages")

# What the embedded alias settings say that means nothing to Redis: the location (a table or a
# directory) and backend options such as MAX_ENTRIES, which Django would hand to the Redis
# connection as unknown keywords. TIMEOUT, KEY_PREFIX and VERSION carry over.
_NOT_FOR_REDIS = ("BACKEND", "LOCATION", "OPTIONS")

# A Redis that hangs must not hang every request that counts a rate limit or reads a cached page.
REDIS_TIMEOUT_SECONDS = 2


def media_storage(storages: dict[str, dict[str, Any]], site_url: str, media_url: str) -> dict[str, dict[str, Any]]:
    """STORAGES with media on S3-compatible storage when ``MEDIA_STORAGE=s3``, else ``storages`` as it is.

    The bucket stays private and is never listed: no ACL is sent with uploads (the bucket's own
    default applies, which is private), and media URLs point at this site's own address under
    ``/media/`` (``custom_domain``), never at the storage server, because the public pages load
    nothing from another host (Content-Security-Policy ``img-src 'self'``). The reverse proxy
    fetches exactly one prefix, ``images/`` (the image renditions the pages show), from the bucket;
    documents are read by Django (``WAGTAILDOCS_SERVE_METHOD = "serve_view"``), so Wagtail's
    access checks for private collections stay in force. Uploads never overwrite an existing
    object of the same name. Credentials come from the environment (``AWS_ACCESS_KEY_ID``,
    ``AWS_SECRET_ACCESS_KEY``), read by django-storages and boto3 themselves, never from a file
    in the repository.
    """
    choice = os.environ.get("MEDIA_STORAGE", "filesystem").strip().lower()
    bucket = os.environ.get("AWS_STORAGE_BUCKET_NAME", "").strip()
    if choice == "filesystem":
        if bucket:
            raise ImproperlyConfigured(
                "AWS_STORAGE_BUCKET_NAME ist gesetzt, MEDIA_STORAGE aber nicht „s3“: Uploads würden im lokalen "
                "Dateisystem landen. MEDIA_STORAGE=s3 setzen oder AWS_STORAGE_BUCKET_NAME entfernen."
            )
        return storages
    if choice != "s3":
        raise ImproperlyConfigured(f"MEDIA_STORAGE muss „filesystem“ oder „s3“ sein, nicht „{choice}“.")
    if not bucket:
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 braucht AWS_STORAGE_BUCKET_NAME (den Namen des Buckets).")
    custom_domain = os.environ.get("AWS_S3_CUSTOM_DOMAIN", "").strip()
    if not custom_domain and "WAGTAILADMIN_BASE_URL" not in os.environ:
        raise ImproperlyConfigured(
            "MEDIA_STORAGE=s3 braucht die öffentliche Adresse der Website (WAGTAILADMIN_BASE_URL, "
            "z. B. https://plattform.example.de) oder AWS_S3_CUSTOM_DOMAIN, damit Bilder von ihr geladen werden."
        )
    site = urlsplit(site_url)
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "custom_domain": custom_domain or f"{site.netloc}{media_url.rstrip('/')}",
        "url_protocol": f"{site.scheme or 'https'}:",
        "default_acl": None,
        "file_overwrite": False,
    }
    # Unset means boto3's own choice: the AWS endpoint, the region from its configuration, and the
    # addressing style the endpoint supports (MinIO and most other S3 servers want "path").
    optional = {
        "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL", "").strip(),
        "region_name": os.environ.get("AWS_S3_REGION_NAME", "").strip(),
        "addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE", "").strip(),
    }
    options.update({option: value for option, value in optional.items() if value})
    return {**storages, "default": {"BACKEND": S3_STORAGE_BACKEND, "OPTIONS": options}}


def shared_caches(caches: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """CACHES with the shared aliases in Redis when ``REDIS_URL`` is set, else ``caches`` as it is.

    Only aliases that ``caches`` defines are moved, so this works before and after base.py has a
    "pages" alias; every other alias keeps its embedded backend.
    """
    url = os.environ.get("REDIS_URL", "").strip()
    if not url:
        return caches
    moved = dict(caches)
    for offset, alias in enumerate(SHARED_CACHE_ALIASES):
        if alias not in caches:
            continue
        kept = {key: value for key, value in caches[alias].items() if key not in _NOT_FOR_REDIS}
        moved[alias] = {
            **kept,
            "BACKEND": REDIS_CACHE_BACKEND,
            "LOCATION": redis_database_url(url, offset),
            "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT_SECONDS, "socket_timeout": REDIS_TIMEOUT_SECONDS},
        }
    return moved


def redis_database_url(url: str, offset: int) -> str:
    """``url`` pointing at the Redis database ``offset`` places after the one it names (0 if none).

    redis-py reads the database from a ``db`` query parameter, else from the path of a
    ``redis://``/``rediss://`` URL; the same place is changed here, so the result means what it says.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss", "unix"):
        raise ImproperlyConfigured("REDIS_URL muss mit redis://, rediss:// oder unix:// beginnen.")
    query = parse_qsl(parts.query, keep_blank_values=True)
    in_query = [value for key, value in query if key == "db"]
    if in_query or parts.scheme == "unix":
        database = _database_number(in_query[-1] if in_query else "0") + offset
        query = [(key, value) for key, value in query if key != "db"] + [("db", str(database))]
        # Rebuilt by hand: urlunsplit would shorten unix:///path (no host) to unix:/path.
        return f"{url.split('?', 1)[0]}?{urlencode(query)}"
    database = _database_number(parts.path.strip("/") or "0") + offset
    return urlunsplit(parts._replace(path=f"/{database}"))


def _database_number(text: str) -> int:
    if not text.isdigit():
        raise ImproperlyConfigured(f"REDIS_URL: „{text}“ ist keine Nummer einer Redis-Datenbank.")
    return int(text)
