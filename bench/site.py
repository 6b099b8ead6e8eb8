"""The benchmark's operator and visitor phases: a real site, built through the importer, served as
``make serve`` serves it, under load (bench/README.md, "Betrieb und Last").

Everything happens in a site directory of its own under the benchmark's temporary directory (its
own DATA_DIR: SQLite database, search index, static files, page cache) and in processes of their
own with the production settings, as `make serve` runs them:

1. set-up: the benchmark's freshly migrated database is copied in, then ``migrate``,
   ``load_registry`` (with the municipality register), ``search_rebuild --if-needed`` and
   ``collectstatic`` under the production settings;
2. ``import``: a generated exchange file (``bench/exchange.py``, 10,000 content records by
   default), ``import_content`` file by file until the time budget is spent;
3. ``rebuild_db``: ``manage.py search_rebuild`` from that database, end to end;
4. ``scripts/serve.py``, the process `make serve` runs (gunicorn with ``cms/gunicorn.conf.py``,
   the background worker, maintenance) on a free loopback port, then ``load.think`` (visitors
   who wait between requests), ``publish_to_searchable_ms`` and ``load.saturation`` (no waiting);
5. ``manage.py runserver --noreload`` on the same data, the same saturation load.

The load generator (``bench/load.py``) runs in this process and shares the machine's cores with
the server: the numbers are what both together manage on this machine.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.exchange import ExchangeFile, schema_errors, write_exchange_files
from bench.load import LOOPBACK, LoadGenerator, Request

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# What `make serve` runs after its set-up: gunicorn (cms/gunicorn.conf.py), the background worker
# and the maintenance at start, stopped together on SIGTERM.
SERVE = str(ROOT / "scripts" / "serve.py")
STEPS = str(ROOT / "bench" / "site_steps.py")
PAGE_SIZE = 20
# The request mix of the load phases (issue 12): JSON search, the search page, project pages, and
# the home page, municipality pages and knowledge pages in equal parts of the rest.
MIX = (("api", 0.5), ("suche", 0.2), ("projekt", 0.2), ("start", 0.1 / 3), ("kommune", 0.1 / 3), ("wissen", 0.1 / 3))
# Environment variables of the calling shell that would point the site elsewhere.
FOREIGN_ENV = (
    "DATABASE_URL",
    "DJANGO_SETTINGS_MODULE",
    "SEARCH_INDEX_DIR",
    "MEDIA_ROOT",
    "DEBUG",
    "ALLOWED_HOSTS",
    "REDIS_URL",
    "PAGE_CACHE_ENABLED",
    "TRUSTED_PROXY_COUNT",
)


@dataclass
class SiteConfig:
    """Sizes and time budgets of the phases (``make bench`` defaults; ``--quick`` and the tests shrink them)."""

    items: int = 10_000
    import_budget_s: float = 240.0
    rebuild_runs: int = 3
    visitors: int = 100
    think_s: float = 1.0
    think_duration_s: float = 60.0
    concurrency: int = 16
    saturation_duration_s: float = 30.0
    warmup_s: float = 5.0
    publish_samples: int = 5
    publish_timeout_s: float = 20.0
    seed: int = 20250601


class SiteError(SystemExit):
    """A phase could not run; the benchmark stops with the reason (and the log's tail)."""


def snapshot_database(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database (WAL included), through SQLite's backup API."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


class Site:
    """One site directory and the environment every process of the site runs with."""

    def __init__(self, directory: Path, engine: str):
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if k not in FOREIGN_ENV}
        env |= {
            "DATA_DIR": str(directory),
            "DJANGO_SETTINGS_MODULE": "cms.settings.production",
            # What `make serve` sets: plain HTTP on the loopback address.
            "PLAIN_HTTP_LOOPBACK": "1",
            # `make serve` takes SECRET_KEY from the environment or generates one; a throwaway site gets a fresh one.
            "SECRET_KEY": secrets.token_urlsafe(64),
            "SEARCH_ENGINE": engine,
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "ERROR"),
            "PYTHONUNBUFFERED": "1",
        }
        if engine == "elasticsearch":
            env["ELASTICSEARCH_INDEX_PREFIX"] = f"bench-site-{os.getpid()}"
        self.env = env
        self.processes: list[subprocess.Popen] = []

    def log(self, name: str) -> Path:
        return self.dir / f"{name}.log"

    def run(self, args: list[str], name: str, timeout: float) -> str:
        """Run a command of the site to the end; its stdout, or SiteError with the log's tail."""
        with open(self.log(name), "a", encoding="utf-8") as errors:
            try:
                completed = subprocess.run(
                    args, cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=errors, text=True, timeout=timeout
                )
            except subprocess.TimeoutExpired:
                raise SiteError(f"{' '.join(args[1:3])}: nach {timeout:.0f} s abgebrochen") from None
        if completed.returncode != 0:
            tail = self.log(name).read_text(encoding="utf-8")[-3000:]
            raise SiteError(
                f"{' '.join(args[1:3])} scheiterte ({completed.returncode}):\n{completed.stdout[-2000:]}\n{tail}"
            )
        return completed.stdout

    def manage(self, *args: str, timeout: float = 300) -> str:
        return self.run([PYTHON, "manage.py", *args], args[0], timeout)

    def step(self, *args: str, timeout: float = 300) -> list[dict[str, Any]]:
        output = self.run([PYTHON, STEPS, *args], f"step-{args[0]}", timeout)
        return [json.loads(line) for line in output.splitlines() if line.startswith("{")]

    def start(self, args: list[str], name: str, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
        log = open(self.log(name), "a", encoding="utf-8")  # noqa: SIM115 - closed with the process in stop()
        process = subprocess.Popen(
            args, cwd=ROOT, env=self.env | (extra_env or {}), stdout=log, stderr=subprocess.STDOUT, text=True
        )
        process.log_file = log  # type: ignore[attr-defined]
        self.processes.append(process)
        return process

    def stop(self, process: subprocess.Popen, timeout: float = 40) -> None:
        """SIGTERM, then wait (gunicorn lets requests under way finish); SIGKILL only if it hangs."""
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        process.log_file.close()  # type: ignore[attr-defined]
        if process in self.processes:
            self.processes.remove(process)

    def stop_all(self) -> None:
        for process in list(self.processes):
            self.stop(process)

    def wait_until_serving(self, process: subprocess.Popen, port: int, name: str, timeout: float = 90) -> float:
        """Seconds until ``GET /`` answers 200 (the server started and rendered the home page)."""
        import http.client

        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            if process.poll() is not None:
                raise SiteError(
                    f"{name} beendete sich beim Start:\n{self.log(name).read_text(encoding='utf-8')[-3000:]}"
                )
            try:
                connection = http.client.HTTPConnection(LOOPBACK, port, timeout=10)
                connection.request("GET", "/")
                status = connection.getresponse().status
                connection.close()
            except OSError:
                status = None  # not listening yet
            if status == 200:
                return time.perf_counter() - started
            time.sleep(0.2)
        raise SiteError(f"{name} antwortete nicht innerhalb von {timeout:.0f} s")


# --------------------------------------------------------------------------- request mix


class RequestMix:
    """Chooses the next request of a visitor: JSON search and the search page with a query of
    the benchmark's fixed mix (``bench/corpus.QUERY_MIX``: text and facet selections), project
    pages, the home page, municipality and knowledge pages, each uniformly among the imported ones."""

    def __init__(self, urls: dict[str, list[str]], queries: list):
        self.urls = urls
        self.queries = queries
        self.kinds = [kind for kind, _ in MIX]
        self.weights = [weight for _, weight in MIX]
        for kind, key in (("projekt", "projects"), ("kommune", "municipalities"), ("wissen", "knowledge")):
            if not urls.get(key):
                raise SiteError(f"Keine Seiten für „{kind}“ importiert; der Lastmix braucht sie.")

    def pick(self, rng) -> Request:
        kind = rng.choices(self.kinds, self.weights)[0]
        if kind in ("api", "suche"):
            query = self.queries[int(rng.random() * len(self.queries))]
            if kind == "api":
                return kind, "/api/v1/search/?" + urlencode(query.params(PAGE_SIZE))
            params = [(k, v) for k, v in query.params(PAGE_SIZE) if k != "page_size"]
            return kind, "/suche/" + (f"?{urlencode(params)}" if params else "")
        if kind == "start":
            return kind, "/"
        key = {"projekt": "projects", "kommune": "municipalities", "wissen": "knowledge"}[kind]
        choices = self.urls[key]
        return kind, choices[int(rng.random() * len(choices))]


# --------------------------------------------------------------------------- phases


def _loadavg() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def prepare(site: Site, base_db: Path) -> dict[str, Any]:
    started = time.perf_counter()
    snapshot_database(base_db, site.dir / "db.sqlite3")
    site.manage("migrate", "--noinput", "-v0")
    site.manage("load_registry", "-v0")
    site.manage("search_rebuild", "--if-needed")
    site.manage("collectstatic", "--noinput", "-v0")
    return {"setup_s": round(time.perf_counter() - started, 1)}


def generate_exchange(site: Site, config: SiteConfig) -> tuple[list[ExchangeFile], dict[str, Any]]:
    started = time.perf_counter()
    files = write_exchange_files(config.items, site.dir / "import", config.seed)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    for exchange_file in files:
        problems = schema_errors(exchange_file.path)
        if problems:
            raise SiteError(f"{exchange_file.path.name} verletzt das Schema: {problems}")
    return files, {
        "files": len(files),
        "content_items": sum(f.content_items for f in files),
        "pages": sum(f.pages for f in files),
        "megabytes": round(sum(f.path.stat().st_size for f in files) / 1e6, 1),
        "generation_s": round(generated, 1),
        "schema_validation_s": round(time.perf_counter() - started, 1),
    }


def run_import(site: Site, files: list[ExchangeFile], budget_s: float, target_items: int) -> dict[str, Any]:
    rows = site.step("import", f"{budget_s:.1f}", *(str(f.path) for f in files), timeout=budget_s * 3 + 300)
    imported = [r for r in rows if "file" in r]
    by_name = {f.path.name: f for f in files}
    done = [by_name[r["file"]] for r in imported]
    for row, exchange_file in zip(imported, done, strict=True):
        if row["pages"] != exchange_file.pages:
            raise SiteError(f"{row['file']}: {row['pages']} Seiten angelegt, {exchange_file.pages} erwartet")
    seconds = sum(r["seconds"] for r in imported)
    items = sum(f.content_items for f in done)
    pages = sum(f.pages for f in done)
    counts: dict[str, int] = {}
    for f in done:
        for kind, n in f.counts.items():
            counts[kind] = counts.get(kind, 0) + n
    rate = items / seconds if seconds else 0.0
    per_file = [round(f.content_items / r["seconds"], 1) for r, f in zip(imported, done, strict=True)]
    return {
        "items_per_s": round(rate, 1),
        "pages_per_s": round(pages / seconds, 1) if seconds else 0.0,
        "items": items,
        "pages": pages,
        "counts": counts,
        "seconds": round(seconds, 1),
        "files": len(done),
        "budget_s": budget_s,
        "target_items": target_items,
        "reached_target": items >= target_items,
        "estimated_s_for_target": round(target_items / rate) if rate else None,
        "items_per_s_by_file": per_file,
    }


REBUILT = re.compile(r"neu aufgebaut: (\d+) Dokumente in ([\d.]+) s")


def run_rebuild(site: Site, runs: int) -> dict[str, Any]:
    """``manage.py search_rebuild`` as an operator runs it; the rate from the command's own timing
    (reading the pages in batches, building the documents, writing the index, replaying the outbox),
    the process's wall time (with Django's start) beside it."""
    samples, walls, documents = [], [], 0
    for _ in range(runs):
        started = time.perf_counter()
        output = site.manage("search_rebuild", timeout=900)
        walls.append(time.perf_counter() - started)
        match = REBUILT.search(output)
        if not match:
            raise SiteError(f"search_rebuild meldete kein Ergebnis:\n{output[-1000:]}")
        documents = int(match.group(1))
        samples.append(float(match.group(2)))
    seconds = statistics.median(samples)
    return {
        "docs_per_s": round(documents / seconds, 1) if seconds else None,
        "documents": documents,
        "seconds": round(seconds, 2),
        "runs": runs,
        "samples_s": samples,
        "wall_s_with_startup": [round(w, 2) for w in walls],
    }


def run_load(site: Site, port: int, mix: RequestMix, visitors: int, duration: float, think: float, seed: int):
    before = _loadavg()
    result = LoadGenerator(LOOPBACK, port, mix.pick, visitors, duration, think, seed).run()
    return result.summary() | {"loadavg_before": before, "loadavg_after": _loadavg()}


def saturation(site: Site, port: int, mix: RequestMix, config: SiteConfig) -> dict[str, Any]:
    """The same warm-up, then the same measured load (same seeds, so the same requests in the same order)."""
    if config.warmup_s:
        LoadGenerator(LOOPBACK, port, mix.pick, config.concurrency, config.warmup_s, 0.0, seed=7).run()
    return run_load(site, port, mix, config.concurrency, config.saturation_duration_s, 0.0, seed=11)


def publish_to_searchable(site: Site, port: int, project_ids: list[int], config: SiteConfig) -> dict[str, Any]:
    """Publish a project with a new word in its title (a separate process, through Wagtail), then ask
    the served JSON API for that word every 50 ms until the project is among the hits."""
    import http.client

    errors = open(site.log("step-publisher"), "a", encoding="utf-8")  # noqa: SIM115 - closed below
    publisher = subprocess.Popen(
        [PYTHON, STEPS, "publisher"],
        cwd=ROOT,
        env=site.env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
    )
    samples: list[dict[str, Any]] = []
    try:
        if json.loads(publisher.stdout.readline() or "{}").get("ready") is not True:
            raise SiteError("Der Veröffentlichungsprozess startete nicht (siehe step-publisher.log)")
        connection = http.client.HTTPConnection(LOOPBACK, port, timeout=10)
        for i in range(config.publish_samples):
            page_id = project_ids[(i * 7919) % len(project_ids)]
            marker = f"messmarke{secrets.token_hex(4)}"
            query = "/api/v1/search/?" + urlencode({"q": marker, "page_size": PAGE_SIZE})
            publisher.stdin.write(f"{page_id} {marker}\n")
            publisher.stdin.flush()
            found_at, polls = None, 0
            deadline = time.time() + config.publish_timeout_s
            while time.time() < deadline:
                connection.request("GET", query)
                body = connection.getresponse().read()
                polls += 1
                if any(hit.get("id") == str(page_id) for hit in json.loads(body).get("results", [])):
                    found_at = time.time()
                    break
                time.sleep(0.05)
            line = publisher.stdout.readline()
            if not line.startswith("{"):
                tail = site.log("step-publisher").read_text(encoding="utf-8")[-2000:]
                raise SiteError(f"Der Veröffentlichungsprozess brach ab:\n{tail}")
            published = json.loads(line)
            if "error" in published:
                samples.append({"page_id": page_id, "error": published["error"], "searchable_ms": None, "polls": polls})
                continue
            samples.append(
                {
                    "page_id": page_id,
                    "publish_call_ms": round((published["published"] - published["started"]) * 1000, 1),
                    "searchable_ms": round((found_at - published["started"]) * 1000, 1) if found_at else None,
                    "polls": polls,
                }
            )
        connection.close()
    finally:
        publisher.stdin.close()
        publisher.wait(30)
        errors.close()
    found = [s["searchable_ms"] for s in samples if s["searchable_ms"] is not None]
    failed = [s for s in samples if "error" in s]
    return {
        "publish_errors": len(failed),
        "median_ms": round(statistics.median(found), 1) if found else None,
        "max_ms": max(found) if found else None,
        "not_found_within_s": config.publish_timeout_s if len(found) < len(samples) - len(failed) else None,
        "samples": samples,
        "poll_interval_ms": 50,
    }


def run_site(config: SiteConfig, workdir: Path, base_db: Path, queries: list, engine: str) -> dict[str, Any]:
    """All operator and visitor phases; returns the keys for results.json."""
    site = Site(workdir / "site", engine)
    out: dict[str, Any] = {}
    try:
        print("== Betrieb: Import, Neuaufbau, Last ==", flush=True)
        out["site"] = prepare(site, base_db)
        files, exchange = generate_exchange(site, config)
        out["site"]["exchange"] = exchange
        print(
            f"    Austauschdateien: {exchange['files']} Dateien, {exchange['content_items']:,} Inhalte, "
            f"{exchange['megabytes']} MB, schemagültig",
            flush=True,
        )
        out["import"] = run_import(site, files, config.import_budget_s, config.items)
        imp = out["import"]
        print(
            f"    import_content: {imp['items']:,} Inhalte ({imp['pages']:,} Seiten) in {imp['seconds']:.0f} s, "
            f"{imp['items_per_s']:.1f} Inhalte/s" + ("" if imp["reached_target"] else " (Zeitbudget erreicht)"),
            flush=True,
        )
        out["rebuild_db"] = run_rebuild(site, config.rebuild_runs)
        print(
            f"    search_rebuild: {out['rebuild_db']['documents']:,} Dokumente, "
            f"{out['rebuild_db']['docs_per_s']:,.0f} Dok./s",
            flush=True,
        )
        urls = site.step("urls")[0]
        mix = RequestMix(urls, queries)
        background = site.step("background")[0]

        port = free_port()
        serve = site.start([PYTHON, SERVE], "serve", {"PORT": str(port)})
        server = {
            "command": "scripts/serve.py (wie make serve)",
            "start_s": round(site.wait_until_serving(serve, port, "serve"), 1),
            "config": "cms/gunicorn.conf.py",
            "web_concurrency": os.environ.get("WEB_CONCURRENCY", "2 (Standard)"),
            "gunicorn_threads": os.environ.get("GUNICORN_THREADS", "4 (Standard)"),
            "background_tasks": background,
        }
        load: dict[str, Any] = {"server": server}
        load["think"] = run_load(site, port, mix, config.visitors, config.think_duration_s, config.think_s, seed=3)
        t = load["think"]
        print(
            f"    Last mit Wartezeit ({config.visitors} Besucher, {config.think_s:g} s): {t['requests']} Anfragen, "
            f"{t['errors']} Fehler, p50 {t['p50_ms']:.0f} / p95 {t['p95_ms']:.0f} / p99 {t['p99_ms']:.0f} ms",
            flush=True,
        )
        try:
            publish = publish_to_searchable(site, port, urls["project_ids"], config)
        except SiteError as exc:
            # Recorded, and the load phases still run: one failed publish must not void the rest.
            publish = {"median_ms": None, "error": str(exc)[-2000:], "samples": []}
        out["publish"] = publish
        out["publish_to_searchable_ms"] = publish["median_ms"]
        print(
            f"    Veröffentlicht → auffindbar: Median {publish['median_ms']} ms {publish.get('error', '')}", flush=True
        )
        served = saturation(site, port, mix, config)
        site.stop(serve)

        port = free_port()
        runserver = site.start([PYTHON, "manage.py", "runserver", "--noreload", f"{LOOPBACK}:{port}"], "runserver")
        server["runserver_start_s"] = round(site.wait_until_serving(runserver, port, "runserver"), 1)
        dev = saturation(site, port, mix, config)
        site.stop(runserver)
        load["saturation"] = {
            "concurrency": config.concurrency,
            "duration_s": config.saturation_duration_s,
            "warmup_s": config.warmup_s,
            "rps": served["rps"],
            "runserver_rps": dev["rps"],
            "ratio": round(served["rps"] / dev["rps"], 2) if dev["rps"] else None,
            "gunicorn": served,
            "runserver": dev,
        }
        print(
            f"    Sättigung ({config.concurrency} parallel): gunicorn {served['rps']:.1f} Anfragen/s "
            f"(p95 {served['p95_ms']:.0f} ms, {served['errors']} Fehler), runserver {dev['rps']:.1f} Anfragen/s "
            f"(p95 {dev['p95_ms']:.0f} ms, {dev['errors']} Fehler)",
            flush=True,
        )
        load["note"] = (
            "Lastgenerator (bench/load.py, Threads in diesem Prozess) und Server teilen sich dieselben Kerne; "
            "alle Besucher kommen von 127.0.0.1."
        )
        out["load"] = load
    finally:
        site.stop_all()
    return out
