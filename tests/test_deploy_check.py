"""``manage.py check --deploy`` passes with the production settings, and the framing header holds.

The check runs in a subprocess because the production settings refuse to load without a real
secret key and must not leak into the test process's settings. CI runs this file as well.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management.utils import get_random_secret_key

from cms.settings import base as base_settings

# Settings read from the environment that the check's outcome depends on; the test sets its own.
DEPLOY_ENV_VARS = (
    "DEBUG",
    "PLAIN_HTTP_LOOPBACK",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "ALLOWED_HOSTS",
)


# Set by the test process itself (the browser fixtures need it for Playwright's event loop); a
# real deployment never has it, and the deploy check rightly refuses it (async.E001).
TEST_PROCESS_ENV_VARS = ("DJANGO_ALLOW_ASYNC_UNSAFE",)


def deploy_check(**env_overrides: str) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in DEPLOY_ENV_VARS and key not in TEST_PROCESS_ENV_VARS
    }
    env.update(DJANGO_SETTINGS_MODULE="cms.settings.production", SECRET_KEY=get_random_secret_key(), **env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def production_settings(monkeypatch, **env: str):
    """The production settings module as loaded with ``env``, without touching django.conf.settings."""
    for key in DEPLOY_ENV_VARS:
        monkeypatch.delenv(key, raising=False)
    # The base settings are imported already; the production module takes SECRET_KEY from them.
    monkeypatch.setattr(base_settings, "SECRET_KEY", get_random_secret_key())
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delitem(sys.modules, "cms.settings.production", raising=False)
    module = importlib.import_module("cms.settings.production")
    del sys.modules["cms.settings.production"]
    return module


def test_deploy_check_passes_with_production_settings():
    result = deploy_check()
    assert result.returncode == 0, result.stdout + result.stderr


def test_hsts_covers_subdomains_and_preload_by_default_and_nothing_is_silenced(monkeypatch):
    production = production_settings(monkeypatch)
    assert production.SECURE_HSTS_SECONDS >= 31536000
    assert production.SECURE_HSTS_INCLUDE_SUBDOMAINS is True
    assert production.SECURE_HSTS_PRELOAD is True
    assert production.SILENCED_SYSTEM_CHECKS == []


def test_hsts_subdomains_and_preload_can_be_turned_off_and_only_their_warnings_are_silenced(monkeypatch):
    production = production_settings(monkeypatch, SECURE_HSTS_INCLUDE_SUBDOMAINS="0", SECURE_HSTS_PRELOAD="false")
    assert production.SECURE_HSTS_INCLUDE_SUBDOMAINS is False
    assert production.SECURE_HSTS_PRELOAD is False
    assert sorted(production.SILENCED_SYSTEM_CHECKS) == ["security.W005", "security.W021"]


def test_the_deploy_check_fails_on_what_is_not_silenced():
    result = deploy_check(SECURE_HSTS_INCLUDE_SUBDOMAINS="0", SECURE_HSTS_PRELOAD="0", SECURE_HSTS_SECONDS="0")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "security.W004" in output  # HSTS off altogether: never silenced
    assert "security.W005" not in output and "security.W021" not in output


@pytest.mark.django_db
def test_pages_may_not_be_framed(client):
    assert settings.X_FRAME_OPTIONS == "DENY"
    assert client.get("/admin/login/")["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("key", ["", "dev-only-insecure-key-do-not-use-in-production-xxxxxxxx", "k" * 32, "ab" * 40])
def test_production_refuses_a_secret_key_the_deploy_check_would_reject(monkeypatch, key):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setattr(base_settings, "SECRET_KEY", key)
    monkeypatch.delitem(sys.modules, "cms.settings.production", raising=False)
    with pytest.raises(ImproperlyConfigured):
        importlib.import_module("cms.settings.production")
    sys.modules.pop("cms.settings.production", None)
