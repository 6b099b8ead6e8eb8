#!/usr/bin/env python3
"""`make serve`: gunicorn, the background worker, the maintenance and the alerts, started and stopped together.

What runs:

* gunicorn with cms/gunicorn.conf.py: the site;
* the background worker, ``manage.py db_worker --backend background``: the search outbox and
  PDF text (see TASKS in cms/settings/base.py);
* ``manage.py maintenance`` at start and then every ``MAINTENANCE_INTERVAL`` seconds (3600 by
  default; 0 turns it off): neither django-tasks package schedules anything, and on this
  machine no systemd timer or cron line does it (a deployment uses deploy/systemd or deploy/cron
  instead and runs gunicorn and the worker as services of their own);
* ``manage.py send_alerts`` (the e-mail digests) once the first maintenance has ended, and then
  every ``ALERTS_INTERVAL`` seconds (a day); off with the maintenance. It never runs at the same
  time as the maintenance: on SQLite two writers would wait for each other's lock.

Together means: when gunicorn or the worker ends, the other is stopped and this script exits
with that one's code, so `make serve` never goes on with half a site; SIGTERM, SIGINT (Ctrl+C)
or SIGHUP stop both. No child outlives the script: each runs in its own process group (a Ctrl+C
in the terminal reaches only this script, which stops the children once and in order, instead
of every process getting it at the same time) and, on Linux, asks the kernel for SIGTERM should
this script die without cleaning up (``PR_SET_PDEATHSIG``, even after a SIGKILL).

The environment is passed on unchanged: the Makefile has set the settings module, SECRET_KEY,
PORT and the plain-HTTP switch.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MANAGE = [sys.executable, str(ROOT / "manage.py")]
SERVER = [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "cms" / "gunicorn.conf.py")]
# The task backend of the project's own tasks (BACKGROUND_TASKS in cms/settings/base.py); the
# worker refuses to start with a name the settings do not define as a database backend.
WORKER = [*MANAGE, "db_worker", "--backend", "background", "--no-reload"]
MAINTENANCE = [*MANAGE, "maintenance"]
ALERTS = [*MANAGE, "send_alerts"]
# Digests are due daily or weekly; a run finds what is due, so one a day suffices (and more do no harm).
ALERTS_INTERVAL = 24 * 60 * 60
# gunicorn waits up to graceful_timeout (30 s, cms/gunicorn.conf.py) for requests under way.
STOP_TIMEOUT = 40.0
POLL = 0.5  # seconds between looks at the children
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def log(message: str) -> None:
    print(f"serve: {message}", file=sys.stderr, flush=True)


def _die_with_parent(parent: int) -> None:
    """In the child, before exec: SIGTERM when the parent dies, also if it already has."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # died between fork and prctl
            os._exit(1)


def start(command: list[str]) -> subprocess.Popen:
    parent = os.getpid()
    return subprocess.Popen(command, cwd=ROOT, start_new_session=True, preexec_fn=lambda: _die_with_parent(parent))


def stop(processes: list[subprocess.Popen]) -> None:
    """SIGTERM to every running child's process group, SIGKILL to those still there after STOP_TIMEOUT."""
    running = [p for p in processes if p.poll() is None]
    for process in running:
        os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    for process in running:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log(f"{process.args[2]} reagiert nicht auf SIGTERM; wird beendet (SIGKILL).")
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def exit_code(returncode: int) -> int:
    """A child's return code as a shell reports it (killed by signal N: 128 + N)."""
    return 128 - returncode if returncode < 0 else returncode


class Supervisor:
    def __init__(self, maintenance_interval: float) -> None:
        self.maintenance_interval = maintenance_interval
        self.stop_signal: int | None = None

    def on_signal(self, signum: int, frame) -> None:
        self.stop_signal = signum

    def run(self) -> int:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, self.on_signal)
        server, worker = start(SERVER), start(WORKER)
        maintenance: subprocess.Popen | None = None
        alerts: subprocess.Popen | None = None
        next_maintenance = time.monotonic() if self.maintenance_interval > 0 else float("inf")
        next_alerts = next_maintenance
        try:
            while self.stop_signal is None:
                for name, process in (("gunicorn", server), ("Hintergrund-Worker", worker)):
                    if process.poll() is not None:
                        log(f"{name} ist beendet (Code {process.returncode}); alles wird gestoppt.")
                        return exit_code(process.returncode)
                if maintenance is not None and maintenance.poll() is not None:
                    if maintenance.returncode:
                        log(f"Wartung fehlgeschlagen (Code {maintenance.returncode}); nächster Versuch planmäßig.")
                    maintenance = None
                if alerts is not None and alerts.poll() is not None:
                    if alerts.returncode:
                        log(
                            f"Benachrichtigungen fehlgeschlagen (Code {alerts.returncode}); nächster Versuch planmäßig."
                        )
                    alerts = None
                if maintenance is None and alerts is None and time.monotonic() >= next_maintenance:
                    maintenance = start(MAINTENANCE)
                    next_maintenance = time.monotonic() + self.maintenance_interval
                elif maintenance is None and alerts is None and time.monotonic() >= next_alerts:
                    alerts = start(ALERTS)
                    next_alerts = time.monotonic() + ALERTS_INTERVAL
                time.sleep(POLL)
            log(f"{signal.Signals(self.stop_signal).name} erhalten; Server und Worker werden gestoppt.")
            return 0
        finally:
            stop([p for p in (server, worker, maintenance, alerts) if p is not None])


def main() -> int:
    raw = os.environ.get("MAINTENANCE_INTERVAL", "3600")
    try:
        interval = float(raw)
    except ValueError:
        log(f"MAINTENANCE_INTERVAL muss eine Zahl von Sekunden sein, nicht {raw!r}.")
        return 2
    return Supervisor(interval).run()


if __name__ == "__main__":
    sys.exit(main())
