"""`make serve`: gunicorn with cms/gunicorn.conf.py and the production settings, over plain HTTP,
beside the background worker and the hourly maintenance (scripts/serve.py).

The server runs in a subprocess, as `make serve` runs it (scripts/serve.py): production settings
with the PLAIN_HTTP_LOOPBACK switch, DEBUG off, static files collected into a manifest, and a
migrated SQLite database with an empty search index in a temporary data directory (no demo
content; the pages checked here need none).
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
from contextlib import contextmanager
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
            pytest.fail(f"scripts/serve.py ended with {process.returncode}:\n{errors.read_text()}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=5):
                return
        except urllib.error.HTTPError:
            return  # it answers; the tests judge the status
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer within {STARTUP_TIMEOUT} s:\n{errors.read_text()}")


@pytest.fixture(scope="module")
def served_env(tmp_path_factory) -> dict[str, str]:
    """The environment `make serve` gives its processes, and a data directory prepared as it does."""
    data_dir = tmp_path_factory.mktemp("serve-data")
    env = {key: os.environ[key] for key in PASSED_ENV if key in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="cms.settings.production",
        PLAIN_HTTP_LOOPBACK="1",
        SECRET_KEY=get_random_secret_key(),
        DATA_DIR=str(data_dir),
        WEB_CONCURRENCY="2",
        GUNICORN_THREADS="2",
    )
    # What `make serve` does before it starts the server, less the demo content.
    run_manage(env, "migrate", "--noinput", "-v0")
    run_manage(env, "createcachetable")
    run_manage(env, "search_rebuild", "--if-needed")
    run_manage(env, "collectstatic", "--noinput", "-v0")
    return env


@contextmanager
def serve(env: dict[str, str], name: str, **extra: str) -> Iterator[tuple[subprocess.Popen, Server, Path]]:
    """scripts/serve.py on a free port, until the block ends; yields it, the server and its error log."""
    data_dir = Path(env["DATA_DIR"])
    port = free_port()
    log, errors = data_dir / f"{name}-access.log", data_dir / f"{name}-error.log"
    with log.open("w") as stdout, errors.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "scripts/serve.py"],
            cwd=settings.BASE_DIR,
            env={**env, "PORT": str(port), **extra},
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,  # as from a terminal: its own process group
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(process, url, errors)
        yield process, Server(url=url, log=log), errors
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture(scope="module")
def server(served_env) -> Iterator[Server]:
    with serve(served_env, "module") as (_, server, _):
        yield server


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


def test_image_renditions_are_served_but_originals_and_documents_are_not(server, served_env):
    media = Path(served_env["DATA_DIR"]) / "media"
    for folder in ("images", "original_images", "documents"):
        (media / folder).mkdir(parents=True, exist_ok=True)
        (media / folder / "probe.txt").write_text("Bildvariante")
    rendition = server.get("/media/images/probe.txt")
    assert rendition.status == 200 and rendition.body == "Bildvariante"
    assert server.get("/media/original_images/probe.txt").status == 404
    assert server.get("/media/documents/probe.txt").status == 404
    # Out of the folder is refused (Django: a suspicious path is a 400), never the file.
    assert server.get("/media/images/../documents/probe.txt").status in (400, 404)


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


# --------------------------------------------------------------------------- worker and maintenance beside it

# Run in the served site's environment (its database): queue index work as a publish does, then
# wait for the worker to have run the drain and for the first maintenance run that serve.py
# starts at once. Prints the outcome as JSON.
WATCH_BACKGROUND = """
import json, time
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from cms.core.models import MaintenanceRun
from search.models import IndexTask
from search.sync import drain_task, enqueue
enqueue([987654321], IndexTask.Action.DELETE)  # a page that is gone; committed, so the drain is queued
drains = DBTaskResult.objects.filter(task_path=drain_task.module_path)
deadline = time.monotonic() + 45
while time.monotonic() < deadline and (
    IndexTask.objects.pending().exists()
    or drains.exclude(status=TaskResultStatus.SUCCESSFUL).exists()
    or not MaintenanceRun.objects.exists()
):
    time.sleep(0.2)
print(json.dumps({
    "pending": IndexTask.objects.pending().count(),
    "drains": sorted(drains.values_list("status", flat=True)),
    "maintenance_runs": MaintenanceRun.objects.count(),
}))
"""


def test_the_worker_indexes_in_the_background_and_maintenance_ran_at_start(server, served_env):
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", WATCH_BACKGROUND],
        cwd=settings.BASE_DIR,
        env=served_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["pending"] == 0
    assert outcome["drains"] and set(outcome["drains"]) == {"SUCCESSFUL"}  # run by the worker
    assert outcome["maintenance_runs"] >= 1


def children(pid: int) -> dict[str, int]:
    """The direct children of ``pid`` by role (Linux /proc), once both are there."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    found: dict[str, int] = {}
    while time.monotonic() < deadline:
        found = {}
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
            role = "worker" if b"db_worker" in cmdline else "gunicorn" if b"gunicorn" in cmdline else "other"
            found[role] = int(child)
        if {"worker", "gunicorn"} <= found.keys():
            return found
        time.sleep(0.2)
    pytest.fail(f"serve.py did not start gunicorn and the worker: {found}")


def gone(pids: list[int], timeout: float = 60) -> bool:
    """Whether every process in the process groups ``pids`` has ended (zombies count as ended)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = []
        for proc_stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = proc_stat.read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue  # ended while we looked
            state, pgid = fields[0], int(fields[2])
            if pgid in pids and state != "Z":
                alive.append(proc_stat.parent.name)
        if not alive:
            return True
        time.sleep(0.2)
    return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_when_gunicorn_ends_the_worker_is_stopped_and_serve_ends(served_env):
    with serve(served_env, "gunicorn-ends", WEB_CONCURRENCY="1", MAINTENANCE_INTERVAL="0") as (process, _, errors):
        roles = children(process.pid)
        os.kill(roles["gunicorn"], signal.SIGTERM)
        process.wait(timeout=90)
        assert gone([roles["gunicorn"], roles["worker"]])
        assert "gunicorn ist beendet" in errors.read_text()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_a_killed_serve_leaves_no_process_behind(served_env):
    with serve(served_env, "killed", WEB_CONCURRENCY="1", MAINTENANCE_INTERVAL="0") as (process, _, _):
        roles = children(process.pid)
        os.kill(process.pid, signal.SIGKILL)  # no chance to clean up
        process.wait(timeout=10)
        assert gone([roles["gunicorn"], roles["worker"]])


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
