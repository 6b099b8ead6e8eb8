"""The production settings choose shared services by environment variables (docs/operations.md).

Each case loads cms.settings.production in a fresh subprocess with exactly the variables given,
as a server process would, and reports what Django then builds: the storage and cache objects
are created too (neither connects anywhere before its first use), so a setting that Django or the
backend would refuse fails here, without any server. The refusals of half-configured services
are checked in this process against cms.settings.infrastructure directly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

from cms.settings import base as base_settings
from cms.settings import infrastructure

# Only what a Python process needs; every setting the case depends on is passed explicitly.
PASSED_ENV = ("PATH", "HOME", "TMPDIR", "LANG", "LC_ALL")

PROBE = r"""
import json
from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import storages
from cms.settings import base

report = {
    "STORAGES": settings.STORAGES,
    "CACHES": settings.CACHES,
    "BASE_CACHES": base.CACHES,
    "BASE_STORAGES": base.STORAGES,
    "SECURE_PROXY_SSL_HEADER": settings.SECURE_PROXY_SSL_HEADER,
    "WAGTAILDOCS_SERVE_METHOD": settings.WAGTAILDOCS_SERVE_METHOD,
    "pools": {},
}
for alias, config in settings.CACHES.items():
    if config["BACKEND"].endswith("RedisCache"):
        # Django's own client builds the pool and a connection object, which takes the options as
        # keyword arguments: an option Redis does not know fails here. Nothing connects yet.
        pool = caches[alias]._cache._get_connection_pool(write=True)
        pool.make_connection()
        report["pools"][alias] = {key: pool.connection_kwargs.get(key) for key in ("host", "port", "db", "socket_timeout")}
storage = storages["default"]
report["storage"] = {"class": f"{type(storage).__module__}.{type(storage).__name__}"}
if hasattr(storage, "bucket_name"):
    report["storage"].update(
        bucket_name=storage.bucket_name,
        endpoint_url=storage.endpoint_url,
        region_name=storage.region_name,
        default_acl=storage.default_acl,
        file_overwrite=storage.file_overwrite,
        image_url=storage.url("images/rathaus.max-800x600.jpg"),
    )
print(json.dumps(report))
"""


def load_production(tmp_path, **env: str) -> dict:
    environment = {key: os.environ[key] for key in PASSED_ENV if key in os.environ}
    environment.update(
        DJANGO_SETTINGS_MODULE="cms.settings.production",
        SECRET_KEY=get_random_secret_key(),
        DATA_DIR=str(tmp_path),
        **env,
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_without_variables_everything_stays_embedded(tmp_path):
    loaded = load_production(tmp_path)
    assert loaded["STORAGES"] == loaded["BASE_STORAGES"]
    assert loaded["STORAGES"]["default"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert loaded["storage"]["class"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert loaded["CACHES"] == loaded["BASE_CACHES"]
    assert loaded["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert loaded["pools"] == {}
    # No proxy declared: a client's X-Forwarded-Proto means nothing.
    assert loaded["SECURE_PROXY_SSL_HEADER"] is None


def test_the_forwarded_scheme_is_trusted_only_behind_a_declared_proxy(tmp_path):
    loaded = load_production(tmp_path, TRUSTED_PROXY_COUNT="1")
    assert loaded["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_s3_media_and_redis_caches_for_several_machines(tmp_path):
    loaded = load_production(
        tmp_path,
        MEDIA_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="smartcity-medien",
        AWS_S3_ENDPOINT_URL="https://s3.rechenzentrum.example",
        AWS_S3_REGION_NAME="de-west-1",
        AWS_ACCESS_KEY_ID="zugangsschluessel",
        AWS_SECRET_ACCESS_KEY="geheim",
        WAGTAILADMIN_BASE_URL="https://plattform.example.de",
        REDIS_URL="redis://cache.intern:6380/3",
    )
    default_storage = loaded["STORAGES"]["default"]
    assert default_storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert default_storage["OPTIONS"]["bucket_name"] == "smartcity-medien"
    assert default_storage["OPTIONS"]["endpoint_url"] == "https://s3.rechenzentrum.example"
    assert loaded["STORAGES"]["staticfiles"] == loaded["BASE_STORAGES"]["staticfiles"]
    storage = loaded["storage"]
    assert storage["class"] == "storages.backends.s3.S3Storage"
    assert storage["bucket_name"] == "smartcity-medien"
    assert storage["region_name"] == "de-west-1"
    # Private bucket: no ACL sent with uploads, nothing overwritten, images from the site's own address.
    assert storage["default_acl"] is None and storage["file_overwrite"] is False
    assert storage["image_url"] == "https://plattform.example.de/media/images/rathaus.max-800x600.jpg"
    # Documents still go through Django, which checks access.
    assert loaded["WAGTAILDOCS_SERVE_METHOD"] == "serve_view"

    shared = [alias for alias in infrastructure.SHARED_CACHE_ALIASES if alias in loaded["BASE_CACHES"]]
    assert "default" in shared
    for alias, config in loaded["CACHES"].items():
        expected = (
            "django.core.cache.backends.redis.RedisCache"
            if alias in shared
            else loaded["BASE_CACHES"][alias]["BACKEND"]
        )
        assert config["BACKEND"] == expected, alias
    pools = loaded["pools"]
    assert set(pools) == set(shared)
    assert pools["default"] == {"host": "cache.intern", "port": 6380, "db": 3, "socket_timeout": 2}
    if "pages" in pools:
        # A database of its own: clearing the page cache (FLUSHDB) leaves the rate limits alone.
        assert pools["pages"]["db"] == 4


def test_shared_caches_move_the_page_cache_too_when_there_is_one(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "rediss://:passwort@cache.intern:6379")
    embedded = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "platform_cache"},
        "pages": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": "/srv/smartcity/var/page-cache",
            "TIMEOUT": 600,
            "OPTIONS": {"MAX_ENTRIES": 5000},
        },
        "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    moved = infrastructure.shared_caches(embedded)
    assert moved["default"]["LOCATION"] == "rediss://:passwort@cache.intern:6379/0"
    assert moved["pages"]["LOCATION"] == "rediss://:passwort@cache.intern:6379/1"
    assert moved["pages"]["TIMEOUT"] == 600
    assert "MAX_ENTRIES" not in moved["pages"]["OPTIONS"]  # a file-cache option Redis would refuse
    assert moved["local"] == embedded["local"]
    # Without a page cache only the default alias moves, and nothing fails.
    assert set(infrastructure.shared_caches({"default": embedded["default"]})) == {"default"}


def test_without_redis_url_the_caches_stay_as_they_are(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    caches = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "platform_cache"}}
    assert infrastructure.shared_caches(caches) is caches


@pytest.mark.parametrize(
    ("url", "offset", "expected"),
    [
        ("redis://cache.intern", 0, "redis://cache.intern/0"),
        ("redis://cache.intern:6379/2", 1, "redis://cache.intern:6379/3"),
        ("redis://cache.intern/5?db=7", 1, "redis://cache.intern/5?db=8"),  # redis-py reads db= first
        ("unix:///run/redis/redis.sock", 1, "unix:///run/redis/redis.sock?db=1"),
        ("unix:///run/redis/redis.sock?db=2&password=x", 1, "unix:///run/redis/redis.sock?password=x&db=3"),
    ],
)
def test_redis_database_url(url, offset, expected):
    assert infrastructure.redis_database_url(url, offset) == expected


@pytest.mark.parametrize("url", ["http://cache.intern:6379", "redis://cache.intern/eins", "cache.intern:6379"])
def test_a_redis_url_that_is_none_is_refused(url):
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        infrastructure.redis_database_url(url, 0)


S3_VARIABLES = (
    "MEDIA_STORAGE",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_CUSTOM_DOMAIN",
    "WAGTAILADMIN_BASE_URL",
    "AWS_S3_ENDPOINT_URL",
    "AWS_S3_REGION_NAME",
    "AWS_S3_ADDRESSING_STYLE",
)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"AWS_STORAGE_BUCKET_NAME": "medien"}, "MEDIA_STORAGE"),
        ({"MEDIA_STORAGE": "s3", "WAGTAILADMIN_BASE_URL": "https://plattform.example.de"}, "AWS_STORAGE_BUCKET_NAME"),
        ({"MEDIA_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": "medien"}, "WAGTAILADMIN_BASE_URL"),
        ({"MEDIA_STORAGE": "nfs"}, "filesystem"),
    ],
)
def test_half_configured_media_storage_stops_the_start(monkeypatch, env, message):
    for name in S3_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=message):
        infrastructure.media_storage(base_settings.STORAGES, "https://plattform.example.de", "/media/")


def test_an_explicit_media_domain_wins_and_minio_gets_path_addressing(monkeypatch):
    for name in S3_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MEDIA_STORAGE", "S3")
    monkeypatch.setenv("AWS_STORAGE_BUCKET_NAME", "medien")
    monkeypatch.setenv("AWS_S3_CUSTOM_DOMAIN", "www.plattform.example.de/media")
    monkeypatch.setenv("AWS_S3_ADDRESSING_STYLE", "path")
    storages = infrastructure.media_storage(base_settings.STORAGES, "https://plattform.example.de", "/media/")
    options = storages["default"]["OPTIONS"]
    assert options["custom_domain"] == "www.plattform.example.de/media"
    assert options["addressing_style"] == "path"
    assert "endpoint_url" not in options and "region_name" not in options
