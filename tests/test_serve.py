"""`make serve`: gunicorn with cms/gunicorn.conf.py and the production settings, over plain HTTP.

The server runs in a subprocess, as `make serve` runs it: production settings with the
PLAIN_HTTP_LOOPBACK switch, DEBUG off, static files collected into a manifest, and a migrated
SQLite database in a temporary data directory (no demo content; the pages checked here need none).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.client import HTTPMessage
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management.utils import get_random_secret_key

from cms.settings import base as base_settings
from tests.test_deploy_check import production_settings

STARTUP_TIMEOUT = 60  # seconds; a loaded CI machine boots two workers slowly, a healthy one in ~2 s
# Only what a process needs to run; everything the settings read is set by the fixture, so no
# DATABASE_URL, SEARCH_INDEX_DIR or ALLOWED_HOSTS from the calling environment leaks in.
PASSED_ENV = ("PATH", "HOME", "TMPDIR", "LANG", "LC_ALL")


@dataclass
class Response:
    status: int
    headers: HTTPMessage
    body: str


@dataclass
class Server:
    url: str
    log: Path  # gunicorn's stdout: the access log

    def get(self, path: str) -> Response:
        """GET without following redirects, so a redirect to HTTPS would show as one."""

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(self.url + path, timeout=30) as response:
                return Response(response.status, response.headers, response.read().decode())
        except urllib.error.HTTPError as error:
            return Response(error.code, error.headers, error.read().decode())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def wait_until_up(process: subprocess.Popen, url: str, errors: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn ended with {process.returncode}:\n{errors.read_text()}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=5):
                return
        except urllib.error.HTTPError:
            return  # it answers; the tests judge the status
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer within {STARTUP_TIMEOUT} s:\n{errors.read_text()}")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("serve-data")
    port = free_port()
    env = {key: os.environ[key] for key in PASSED_ENV if key in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="cms.settings.production",
        PLAIN_HTTP_LOOPBACK="1",
        SECRET_KEY=get_random_secret_key(),
        DATA_DIR=str(data_dir),
        PORT=str(port),
        WEB_CONCURRENCY="2",
        GUNICORN_THREADS="2",
    )
    # What `make serve` does before it starts the server, less the demo content.
    run_manage(env, "migrate", "--noinput", "-v0")
    run_manage(env, "createcachetable")
    run_manage(env, "collectstatic", "--noinput", "-v0")

    log, errors = data_dir / "access.log", data_dir / "error.log"
    with log.open("w") as stdout, errors.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "cms/gunicorn.conf.py"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,  # its own process group: the workers go with the master
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(process, url, errors)
        yield Server(url=url, log=log)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def test_healthz_answers_json(server):
    response = server.get("/healthz")
    assert response.status == 200  # no redirect to HTTPS over plain HTTP
    assert response.headers["Content-Type"] == "application/json"
    assert json.loads(response.body)["database"] == "ok"


def test_admin_login_with_debug_off_and_cookies_that_work_over_http(server):
    response = server.get("/admin/login/")
    assert response.status == 200
    assert 'name="csrfmiddlewaretoken"' in response.body
    [cookie] = [value for value in response.headers.get_all("Set-Cookie", []) if value.startswith("csrftoken=")]
    assert "secure" not in cookie.lower()  # a secure cookie would never come back over HTTP
    assert "Strict-Transport-Security" not in response.headers


def test_missing_page_is_the_german_404_and_static_files_come_from_the_manifest(server):
    response = server.get("/gibt-es-nicht/")
    assert response.status == 404
    assert "Seite nicht gefunden" in response.body  # the site's template, not Django's debug page
    stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', response.body)
    assert stylesheet, "no hashed stylesheet URL: collectstatic's manifest was not used"
    static = server.get(stylesheet.group(1))
    assert static.status == 200
    assert static.headers["Content-Type"].startswith("text/css")
    assert "immutable" in static.headers["Cache-Control"]


def test_the_server_header_names_no_version(server):
    assert "/" not in server.get("/healthz").headers.get("Server", "")


def test_the_access_log_has_no_client_address_and_no_query_string(server):
    server.get("/gibt-es-nicht/?q=vertraulicher-suchbegriff")
    # Gunicorn writes the access line after the response; give it a moment to reach the file.
    deadline = time.monotonic() + 10
    while "/gibt-es-nicht/" not in server.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    log = server.log.read_text()
    assert '"GET /gibt-es-nicht/ HTTP/1.1" 404' in log
    assert "vertraulicher-suchbegriff" not in log
    assert "127.0.0.1" not in log


# --------------------------------------------------------------------------- the plain-HTTP switch


def test_production_defaults_keep_https_and_secure_cookies(monkeypatch):
    production = production_settings(monkeypatch)
    assert production.PLAIN_HTTP_LOOPBACK is False
    assert production.SECURE_SSL_REDIRECT is True
    assert production.SESSION_COOKIE_SECURE is True and production.CSRF_COOKIE_SECURE is True
    assert production.SECURE_HSTS_SECONDS >= 31536000


def test_plain_http_loopback_turns_off_exactly_redirect_secure_cookies_and_hsts(monkeypatch):
    monkeypatch.setattr(base_settings, "ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
    production = production_settings(monkeypatch, PLAIN_HTTP_LOOPBACK="1")
    assert production.SECURE_SSL_REDIRECT is False
    assert production.SESSION_COOKIE_SECURE is False and production.CSRF_COOKIE_SECURE is False
    assert production.SECURE_HSTS_SECONDS == 0
    assert production.DEBUG is False
    assert production.SESSION_COOKIE_HTTPONLY is True and production.X_FRAME_OPTIONS == "DENY"


def test_plain_http_loopback_is_refused_for_a_public_host_name(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setattr(base_settings, "ALLOWED_HOSTS", ["127.0.0.1", "plattform.example.org"])
    with pytest.raises(ImproperlyConfigured):
        production_settings(monkeypatch, PLAIN_HTTP_LOOPBACK="1")
    sys.modules.pop("cms.settings.production", None)


# --------------------------------------------------------------------------- the generated secret key


def test_the_secret_key_is_generated_once_private_and_long_enough(tmp_path):
    def secret_key() -> str:
        env = {key: os.environ[key] for key in PASSED_ENV if key in os.environ}
        result = subprocess.run(
            [sys.executable, "scripts/secret_key.py"],
            cwd=settings.BASE_DIR,
            env={**env, "DATA_DIR": str(tmp_path / "data")},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    first = secret_key()
    key_file = tmp_path / "data" / "secret_key"
    assert len(first) >= 50 and len(set(first)) >= 5
    assert key_file.read_text().strip() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert secret_key() == first
    assert [path.name for path in key_file.parent.iterdir()] == ["secret_key"]  # no temporary left


def test_a_damaged_secret_key_file_is_reported_not_used(tmp_path):
    (tmp_path / "secret_key").write_text("zu-kurz\n")
    env = {key: os.environ[key] for key in PASSED_ENV if key in os.environ}
    result = subprocess.run(
        [sys.executable, "scripts/secret_key.py"],
        cwd=settings.BASE_DIR,
        env={**env, "DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert result.stdout == ""
    assert "zu-kurz" not in result.stderr  # the file's content is never printed
