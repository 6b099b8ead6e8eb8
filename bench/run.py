"""Search benchmark: indexing throughput, faceted-search latency (engine and JSON API) and the
Wagtail database search backend as baseline. ``make bench`` runs it; see bench/README.md.

    python bench/run.py              # 10k and 100k documents, writes bench/results.{json,md}
    python bench/run.py --quick      # 1k and 5k documents, fewer queries, prints only
    python bench/run.py --engine elasticsearch   # needs ELASTICSEARCH_URL

Everything runs in one process against a throwaway SQLite database and index directories
under a temporary DATA_DIR; nothing in var/ is touched.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
PAGE_SIZE = 20

# Targets from the issue; reported next to the measurements, never fatal.
TARGET_ENGINE_P95_MS = 30.0
TARGET_API_P95_MS = 80.0
TARGET_TAIL_RATIO = 5.0
TARGET_REBUILD_DOCS_PER_S = 5_000.0
TARGET_SPEEDUP = 10.0
TARGET_REBUILD_DB_DOCS_PER_S = 1_000.0  # search_rebuild from the database, at 10,000 pages on SQLite
TARGET_THINK_P95_MS = 250.0
TARGET_THINK_P99_MS = 500.0
TARGET_SATURATION_RATIO = 5.0  # gunicorn (make serve) against runserver, requests per second

# `make bench` stays within this, on the 2-core machine: the import, the one phase whose length
# depends on the machine's speed, gets what the other phases leave of it (see ``import_budget``).
TOTAL_BUDGET_S = 15 * 60
# The Wagtail baseline creates one page per document and the operator phases a site; neither
# belongs in the engine runs above this size (``--sizes 1000000`` writes results-1m.json).
MAX_SITE_SIZE = 100_000

# The baseline is what the issue names: Wagtail's ``.search()`` plus ``.facet()`` per facet.
# ``.facet(field)`` needs an ``index.FilterField`` on the model, so the benchmark declares
# the FilterFields a Wagtail site would declare for these facets (in this process only: the
# database backend reads filter fields from the model's own columns, so no migration or
# index change is involved). Wagtail field -> the facets its counts answer; the raw counts
# are turned into the facet values in Python (ids to codes, dates to years, amounts to
# budget bands). ``lead_municipality_id`` answers two facets with one call. Not countable
# this way: ``has_evaluation`` (child pages), ``reused`` and ``partner_type`` (reverse relations).
BASELINE_FACET_FIELDS: dict[str, tuple[str, ...]] = {
    "content_type_id": ("content_type",),
    "guidelines": ("guideline",),
    "lead_municipality_id": ("state", "size_class"),
    "action_fields": ("action_field",),
    "status": ("status",),
    "leitbild": ("leitbild",),
    "recommendations": ("recommendation",),
    "start_date": ("year",),
    "budget_eur": ("budget",),
    "open_source_license": ("open_source",),
    "tags": ("tag",),
}
# The comparison the previous benchmark made, kept for reference: only the two facets the
# models declare FilterFields for (status; Page's content_type).
BASELINE_MINIMAL_FIELDS: dict[str, tuple[str, ...]] = {"content_type_id": ("content_type",), "status": ("status",)}
BASELINE_DEADLINE_S = 10.0  # per request, order_by_relevance=False (a safety net; ~0.1 s expected)
BASELINE_RANKED_DEADLINE_S = 3.0  # per request, Wagtail's default relevance ordering


# --------------------------------------------------------------------------- set-up


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1k/5k documents, a third of the queries, 1 round")
    parser.add_argument("--engine", choices=("embedded", "elasticsearch"), default="embedded")
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], help="e.g. 10000,100000")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=None, help="measured rounds over the query mix (engine)")
    parser.add_argument("--skip-baseline", action="store_true", help="no Wagtail database backend comparison")
    parser.add_argument("--profile", action="store_true", help="also profile the engine at the largest size")
    parser.add_argument(
        "--output", type=Path, default=None, help="directory for results.json/.md (default: bench/; none in --quick)"
    )
    parser.add_argument("--keep-workdir", action="store_true", help="keep the temporary DATA_DIR")
    site = parser.add_argument_group("operator and visitor phases (bench/site.py)")
    site.add_argument("--skip-site", action="store_true", help="no import, search_rebuild and load phases")
    site.add_argument("--site-items", type=int, default=None, help="content records in the exchange file (10000)")
    site.add_argument("--import-budget", type=float, default=None, help="seconds for import_content at most (240)")
    site.add_argument("--visitors", type=int, default=None, help="visitors who wait between requests (100)")
    site.add_argument("--load-duration", type=float, default=None, help="seconds of the waiting visitors (60)")
    site.add_argument("--concurrency", type=int, default=None, help="parallel visitors without waiting (16)")
    site.add_argument("--saturation-duration", type=float, default=None, help="seconds per server (30)")
    return parser.parse_args(argv)


def site_config(args: argparse.Namespace, seed: int):
    """The operator phases' sizes: the defaults of ``SiteConfig``, a small set for ``--quick``,
    each overridable on the command line."""
    from bench.site import SiteConfig

    config = SiteConfig(seed=seed)
    if args.quick:
        config = SiteConfig(
            items=300,
            import_budget_s=60.0,
            rebuild_runs=1,
            visitors=20,
            think_duration_s=10.0,
            saturation_duration_s=5.0,
            warmup_s=2.0,
            publish_samples=2,
            seed=seed,
        )
    for name, value in (
        ("items", args.site_items),
        ("import_budget_s", args.import_budget),
        ("visitors", args.visitors),
        ("think_duration_s", args.load_duration),
        ("concurrency", args.concurrency),
        ("saturation_duration_s", args.saturation_duration),
    ):
        if value is not None:
            setattr(config, name, value)
    if args.saturation_duration is not None:
        config.warmup_s = min(config.warmup_s, args.saturation_duration)
    return config


def import_budget(config, elapsed_s: float) -> tuple[float, float]:
    """Seconds the import may take: its own budget, or less if the phases before it ran long, so
    that the whole run stays within ``TOTAL_BUDGET_S``. What the phases after the import need is
    reserved from their fixed durations plus set-up, rebuild and server starts (measured on the
    2-core machine). Never below 30 s: at least the first file is imported."""
    after_import = (
        150  # set-up, exchange file, search_rebuild runs, server starts, publishing
        + config.think_duration_s
        + 2 * (config.warmup_s + config.saturation_duration_s)
    )
    left = TOTAL_BUDGET_S - elapsed_s - after_import
    return max(30.0, min(config.import_budget_s, left)), after_import


def setup_django(data_dir: Path, engine_kind: str) -> None:
    """Throwaway SQLite under a temporary DATA_DIR, migrated, with the Charta taxonomy."""
    os.environ["DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "cms.settings.dev"
    os.environ.pop("DATABASE_URL", None)  # always the throwaway SQLite
    os.environ["SEARCH_INDEX_DIR"] = str(data_dir / "search-index")
    # dev settings default to DEBUG=True, which records every SQL query in memory;
    # benchmark the code path production runs.
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    if engine_kind == "embedded":
        os.environ["SEARCH_ENGINE"] = "embedded"
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("load_registry", skip_municipalities=True, verbosity=0)


def machine_info() -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    def pkg(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return ""

    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    import sqlite3

    return {
        "loadavg_at_start": list(os.getloadavg()),
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu_model": cpu_model or platform.processor(),
        "ram_gb": ram_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "tantivy": pkg("tantivy"),
        "django": pkg("Django"),
        "wagtail": pkg("wagtail"),
        "sqlite": sqlite3.sqlite_version,
    }


def make_engine(kind: str, path: Path):
    from search.engines import build_engine

    if kind == "elasticsearch":
        from django.conf import settings

        if not settings.ELASTICSEARCH_URL:
            sys.exit("--engine elasticsearch braucht ELASTICSEARCH_URL.")
        return build_engine("elasticsearch", index_prefix=f"bench-{os.getpid()}")
    return build_engine("embedded", path=str(path))


# --------------------------------------------------------------------------- statistics


def summarize(samples: list[float]) -> dict[str, float]:
    """Latency summary in ms; percentiles by linear interpolation between closest ranks."""
    if not samples:
        return {}
    if len(samples) == 1:
        cuts = [samples[0]] * 99
    else:
        cuts = statistics.quantiles(samples, n=100, method="inclusive")
    p50, p95, p99 = cuts[49], cuts[94], cuts[98]
    return {
        "n": len(samples),
        "mean": round(statistics.fmean(samples), 3),
        "p50": round(p50, 3),
        "p95": round(p95, 3),
        "p99": round(p99, 3),
        "max": round(max(samples), 3),
        "p99_p50": round(p99 / p50, 2) if p50 else None,
    }


def _cpu_ticks() -> tuple[int, int] | None:
    """(all ticks, steal ticks) of the machine from /proc/stat, or None."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    return sum(fields[:8]), fields[7] if len(fields) > 7 else 0


def measure(name: str, fn: Callable[[Any], Any], queries: list, rounds: int, warmup_rounds: int = 1) -> dict[str, Any]:
    """Warm up, then time ``fn(query)`` for every query, ``rounds`` times over the mix.

    Besides wall-clock latency (the measurement), each request's CPU time of this process
    is recorded: request handling here is single-threaded and in-process (Tantivy, SQLite),
    so CPU time is close to the latency on an otherwise idle machine and shows how much of
    the wall-clock figure is waiting for the CPU when other work shares the machine.
    """
    for _ in range(warmup_rounds):
        for query in queries:
            fn(query)
    gc.collect()
    samples: list[float] = []
    cpu_samples: list[float] = []
    by_kind: dict[str, list[float]] = defaultdict(list)
    by_query: dict[int, list[float]] = defaultdict(list)
    cpu_by_query: dict[int, list[float]] = defaultdict(list)
    steal_before = _cpu_ticks()
    started = time.perf_counter()
    cpu_started = time.process_time()
    for _ in range(rounds):
        for i, query in enumerate(queries):
            c0 = time.process_time()
            t0 = time.perf_counter()
            fn(query)
            elapsed = (time.perf_counter() - t0) * 1000
            cpu = (time.process_time() - c0) * 1000
            samples.append(elapsed)
            cpu_samples.append(cpu)
            by_kind[query.kind].append(elapsed)
            by_query[i].append(elapsed)
            cpu_by_query[i].append(cpu)
    wall = time.perf_counter() - started
    cpu_total = time.process_time() - cpu_started
    result = summarize(samples)
    # CPU seconds per wall second while measuring: well below 1.0 for this single-threaded
    # work means the process waited for the CPU (other load on the machine).
    result["cpu_per_wall"] = round(cpu_total / wall, 2) if wall else None
    result["cpu"] = summarize(cpu_samples)
    steal_after = _cpu_ticks()
    if steal_before and steal_after and steal_after[0] > steal_before[0]:
        # Share of the machine's CPU time the hypervisor gave to others (steal), while measuring.
        result["steal_share"] = round((steal_after[1] - steal_before[1]) / (steal_after[0] - steal_before[0]), 3)
    result["rounds"] = rounds
    result["wall_s"] = round(wall, 2)
    result["by_kind"] = {kind: summarize(values) for kind, values in sorted(by_kind.items())}
    result["by_query_p50"] = [round(statistics.median(by_query[i]), 3) for i in range(len(queries))]
    result["_samples"] = [by_query[i] for i in range(len(queries))]  # for subsets; not written out
    result["_cpu_samples"] = [cpu_by_query[i] for i in range(len(queries))]
    print(
        f"    {name:<28} p50 {result['p50']:8.2f} ms  p95 {result['p95']:8.2f} ms  p99 {result['p99']:8.2f} ms"
        f"  (CPU-Zeit p50 {result['cpu']['p50']:.2f} p95 {result['cpu']['p95']:.2f} ms; {len(samples)} Anfragen,"
        f" {wall:.1f} s, CPU/Wand {result['cpu_per_wall']})",
        flush=True,
    )
    return result


# --------------------------------------------------------------------------- engine and API


def engine_request(query):
    from search.query import SearchRequest

    return SearchRequest(text=query.text, filters=query.filter_dict, page_size=PAGE_SIZE)


def check_engine(engine, queries: list) -> list[dict[str, Any]]:
    """One pass that checks the answers' shape and records totals (not timed)."""
    from search.facets import FACETS

    rows = []
    for query in queries:
        result = engine.search(engine_request(query))
        missing = [f.name for f in FACETS if f.name not in result.facet_counts]
        if missing:
            raise SystemExit(f"Engine lieferte keine Zählungen für {missing} bei {query.label()}")
        if len(result.hits) > PAGE_SIZE:
            raise SystemExit(f"Engine lieferte {len(result.hits)} > {PAGE_SIZE} Treffer bei {query.label()}")
        rows.append({"kind": query.kind, "query": query.label(), "total": result.total, "hits": len(result.hits)})
    return rows


def api_client():
    from django.test import Client

    return Client(HTTP_HOST="localhost")


def api_url(query) -> str:
    return "/api/v1/search/?" + urlencode(query.params(PAGE_SIZE))


def check_api(client, queries: list, engine_name: str) -> None:
    from search.facets import FACETS

    for query in queries:
        response = client.get(api_url(query))
        if response.status_code != 200:
            raise SystemExit(f"API {response.status_code} bei {query.label()}: {response.content[:300]!r}")
        data = json.loads(response.content)
        if data["degraded"] or data["engine"] != engine_name:
            raise SystemExit(f"API lief nicht über die Suchmaschine ({data['engine']}, degraded={data['degraded']})")
        if set(data["facets"]) != {f.name for f in FACETS}:
            raise SystemExit(f"API lieferte nicht alle Facetten: {sorted(data['facets'])}")


ENGINE_PHASES = ("_text_query", "_ranked", "_hits", "_snippet", "_collect", "_searcher")


def phase_breakdown(engine, queries: list) -> dict[str, Any]:
    """Where a request's wall time goes, by wrapping the engine's internal steps on this
    instance only (the module is not changed), separately for requests with and without
    search text. Wall time, not CPU time: the embedded engine counts facets on worker
    threads while the request thread ranks, and ``_collect`` is the wait for them that is
    left after ranking. Steps that do not exist (another engine) are skipped."""
    current: dict[str, float] = defaultdict(float)
    wrapped = []

    def wrap(name: str, original: Callable) -> Callable:
        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                current[name] += (time.perf_counter() - t0) * 1000

        return timed

    for name in ENGINE_PHASES:
        original = getattr(engine, name, None)
        if callable(original):
            setattr(engine, name, wrap(name, original))
            wrapped.append(name)
    if not wrapped:
        return {}
    groups: dict[str, dict[str, list[float]]] = {"mit_text": defaultdict(list), "ohne_text": defaultdict(list)}
    aggregations: list[int] = []
    try:
        for query in queries:
            current.clear()
            t0 = time.perf_counter()
            engine.search(engine_request(query))
            current["total"] = (time.perf_counter() - t0) * 1000
            group = groups["mit_text" if query.text else "ohne_text"]
            for name in (*wrapped, "total"):
                group[name.lstrip("_")].append(current.get(name, 0.0))
            aggregations.append(2 + len(query.filters))  # unselected facets in two groups + one per selected facet
    finally:
        for name in wrapped:
            delattr(engine, name)
    result: dict[str, Any] = {
        "unit": "ms (Wandzeit) je Anfrage",
        "aggregations_per_request_mean": statistics.fmean(aggregations),
    }
    for label, totals in groups.items():
        if not totals:
            continue
        total_ms = sum(totals["total"]) or 1.0
        result[label] = {"requests": len(totals["total"])} | {
            name: {
                "mean_ms": round(statistics.fmean(values), 3),
                "p95_ms": summarize(values)["p95"],
                "share": round(sum(values) / total_ms, 3),
            }
            for name, values in totals.items()
        }
    return result


# --------------------------------------------------------------------------- Wagtail baseline

BASELINE_AGS = "03359010"  # Buxtehude (Mittelstadt): the one municipality all baseline pages hang under


def _municipality(ags: str):
    """One registry entry from the Destatis extract (the API database skips the other 10,751)."""
    import csv
    from datetime import date
    from decimal import Decimal

    from registry.loaders import STATE_NAMES
    from registry.models import District, Municipality, State
    from registry.size_class import size_class_for

    path = ROOT / "fixtures" / "municipalities" / "municipalities_extended.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if r["ags"] == ags)
    state, _ = State.objects.get_or_create(code=row["state_code"], defaults={"name": STATE_NAMES[row["state_code"]]})
    district, _ = District.objects.get_or_create(
        ags=row["district_ags"],
        defaults={
            "name": row["district"],
            "name_official": row["district"],
            "district_type": "Landkreis",
            "state": state,
        },
    )
    population = int(row["population"])
    return Municipality.objects.create(
        ags=row["ags"],
        name=row["name"],
        name_official=row["name_official"],
        municipality_type=row["type"],
        state=state,
        district=district,
        population=population,
        population_date=date.fromisoformat(row["population_date"]),
        area_km2=Decimal(row["area_km2"]),
        lat=float(row["lat"]),
        lon=float(row["lon"]),
        urbanisation=str(int(row["urbanisation_code"])),
        postal_code=row["postal_code"],
        size_class=size_class_for(population),
    )


def build_wagtail_pages(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """``len(docs)`` live ProjectPages under one MunicipalityPage, created in bulk.

    Page rows get correct treebeard paths, depth, url_path, locale and translation keys; the
    ProjectPage rows share their primary keys; the Charta relations and tags go through their
    link tables; the parent's ``numchild`` is updated and the tree checked with treebeard's
    ``find_problems``. Wagtail's own search index is then filled by ``update_index``, as an
    operator would, and timed.
    """
    import uuid
    from datetime import date, datetime
    from decimal import Decimal

    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Max
    from django.utils import timezone
    from django.utils.html import escape
    from django.utils.text import slugify as django_slugify
    from taggit.models import Tag
    from wagtail.models import Page
    from wagtail.search.models import IndexEntry

    from bench.corpus import BUDGET_AMOUNTS, slugify
    from cms.core.site_setup import ensure_site_structure, section
    from cms.projects.models import MunicipalityPage, ProjectPage, ProjectPageTag, ProjectStatus
    from registry.models import ActionField, Guideline, LeitbildAttribute, Recommendation

    started = time.perf_counter()
    ensure_site_structure()
    municipality = _municipality(BASELINE_AGS)
    parent = MunicipalityPage(title=municipality.name, slug=slugify(municipality.name), municipality=municipality)
    section("kommunen").add_child(instance=parent)
    parent.save_revision().publish()
    parent.refresh_from_db()

    content_type = ContentType.objects.get_for_model(ProjectPage)
    guidelines = dict(Guideline.objects.filter(parent__isnull=False).values_list("code", "id"))
    leitbild = dict(LeitbildAttribute.objects.values_list("code", "id"))
    recommendations = dict(Recommendation.objects.values_list("code", "id"))
    action_fields = dict(ActionField.objects.values_list("code", "id"))
    statuses = set(ProjectStatus.values)

    first_id = (Page.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    depth = parent.depth + 1
    pages: list[ProjectPage] = []
    links: dict[str, list] = defaultdict(list)
    tag_names: dict[str, None] = {}
    for i, doc in enumerate(docs):
        pk = first_id + i
        slug = f"{slugify(doc['title'])[:60]}-{i + 1}"
        day = date.fromisoformat(doc["date"])
        published = timezone.make_aware(datetime(day.year, day.month, day.day, 9, 0))
        body = doc["body"].split("\n")
        status = (doc["status"] or ["planung"])[0]
        budget = (doc["budget"] or [""])[0]
        open_source = doc["open_source"] == ["ja"]
        pages.append(
            ProjectPage(
                id=pk,
                page_ptr_id=pk,
                content_type_id=content_type.id,
                title=doc["title"],
                draft_title=doc["title"],
                slug=slug,
                path=Page._get_path(parent.path, depth, i + 1),
                depth=depth,
                numchild=0,
                url_path=f"{parent.url_path}{slug}/",
                live=True,
                has_unpublished_changes=False,
                first_published_at=published,
                last_published_at=published,
                latest_revision_created_at=published,
                locale_id=parent.locale_id,
                translation_key=uuid.uuid4(),
                external_id=f"bench-{doc['id']}",
                is_demo=True,
                summary=doc["summary"][:600],
                problem=f"<p>{escape(body[0])}</p>",
                solution="".join(f"<p>{escape(p)}</p>" for p in body[1:3]),
                lessons_learned=body[3] if len(body) > 5 else "",
                lead_municipality_id=municipality.id,
                status=status if status in statuses else "planung",
                start_date=day,
                budget_eur=Decimal(BUDGET_AMOUNTS[budget]) if budget else None,
                open_source_license="EUPL-1.2" if open_source else "",
                repository_url="https://gitlab.opencode.de/beispiel/projekt" if open_source else "",
            )
        )
        for code in doc["guideline"]:
            if code in guidelines:
                links["guidelines"].append((pk, guidelines[code]))
        for field, lookup in (("leitbild", leitbild), ("recommendations", recommendations)):
            for code in doc["leitbild" if field == "leitbild" else "recommendation"]:
                links[field].append((pk, lookup[code]))
        for code in doc["action_field"]:
            links["action_fields"].append((pk, action_fields[code]))
        for name in doc["tag"]:
            tag_names.setdefault(name)
            links["tags"].append((pk, name))

    with transaction.atomic():
        page_fields = [f for f in Page._meta.local_concrete_fields]
        project_fields = [f for f in ProjectPage._meta.local_concrete_fields]
        for model, fields in ((Page, page_fields), (ProjectPage, project_fields)):
            for start in range(0, len(pages), 250):
                model._base_manager._insert(pages[start : start + 250], fields=fields)
        Page.objects.filter(pk=parent.pk).update(numchild=len(pages))
        for field in ("guidelines", "leitbild", "recommendations", "action_fields"):
            through = getattr(ProjectPage, field).through
            source, target = (f.attname for f in through._meta.concrete_fields if f.is_relation)
            through.objects.bulk_create([through(**{source: a, target: b}) for a, b in links[field]], batch_size=1000)
        existing = set(Tag.objects.values_list("name", flat=True))
        Tag.objects.bulk_create(
            [Tag(name=n, slug=django_slugify(n, allow_unicode=False) or n) for n in tag_names if n not in existing],
            batch_size=500,
        )
        tag_ids = dict(Tag.objects.values_list("name", "id"))
        ProjectPageTag.objects.bulk_create(
            [ProjectPageTag(content_object_id=a, tag_id=tag_ids[b]) for a, b in links["tags"]], batch_size=1000
        )
    created_s = time.perf_counter() - started

    problems = Page.find_problems()
    if any(problems):
        raise SystemExit(f"Seitenbaum fehlerhaft: {[len(p) for p in problems]}")
    sample = ProjectPage.objects.live().get(pk=first_id + len(pages) // 2)
    sample.full_clean()
    if not sample.url or sample.get_parent().specific != parent:
        raise SystemExit("Stichprobe der Baseline-Seiten ungültig")
    live = ProjectPage.objects.live().count()
    if live != len(docs):
        raise SystemExit(f"{live} statt {len(docs)} ProjectPages live")

    started = time.perf_counter()
    call_command("update_index", verbosity=0)
    index_s = time.perf_counter() - started
    indexed = IndexEntry.objects.filter(content_type=content_type).count()
    if indexed != len(docs):
        raise SystemExit(f"Wagtails Suchindex enthält {indexed} statt {len(docs)} ProjectPages")
    # Table statistics for SQLite's query planner. Without them it drives the search from
    # the index-entry table and evaluates the FTS5 MATCH once per row: 0.4-2 s for every
    # count and facet at 10k pages instead of ~20 ms. In the baseline's favour.
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    analyze_s = time.perf_counter() - started
    return {
        "pages": len(docs),
        "parent": f"MunicipalityPage {parent.title} ({municipality.ags})",
        "create_s": round(created_s, 2),
        "update_index_s": round(index_s, 2),
        "update_index_docs_per_s": round(len(docs) / index_s, 1),
        "tree_problems": 0,
        "index_entries": indexed,
        "analyze_s": round(analyze_s, 2),
    }


def _baseline_filter(queryset, filters: dict[str, tuple[str, ...]]) -> tuple[Any, list[str]]:
    """Selections as ``.filter()`` on the queryset where the models allow it.

    ``status`` is a declared FilterField. The Charta relations, tags, year, budget and
    open-source selections become ``pk__in`` sub-queries on the relational data (primary key
    lookups pass Wagtail's FilterField check). Not expressible: ``state``/``size_class``
    (every baseline page has the same lead municipality), ``content_type`` and
    ``has_evaluation`` (no report pages); those selections are dropped and reported.
    """
    from django.db.models import Q

    from cms.projects.models import ProjectPage

    dropped = []
    for name, values in filters.items():
        if name == "status":
            queryset = queryset.filter(status__in=values)
            continue
        if name == "guideline":
            condition = Q(guidelines__code__in=values) | Q(guidelines__parent__code__in=values)
        elif name == "leitbild":
            condition = Q(leitbild__code__in=values)
        elif name == "recommendation":
            condition = Q(recommendations__code__in=values)
        elif name == "action_field":
            condition = Q(action_fields__code__in=values)
        elif name == "tag":
            condition = Q(tags__name__in=values)
        elif name == "year":
            condition = Q(start_date__year__in=[int(v) for v in values])
        elif name == "budget":
            bands = {
                "bis-50k": Q(budget_eur__lte=50_000),
                "50k-250k": Q(budget_eur__gt=50_000, budget_eur__lte=250_000),
                "250k-1mio": Q(budget_eur__gt=250_000, budget_eur__lte=1_000_000),
                "ueber-1mio": Q(budget_eur__gt=1_000_000),
            }
            condition = Q()
            for value in values:
                condition |= bands[value]
        elif name == "open_source":
            condition = Q()
            for value in values:
                condition |= ~Q(open_source_license="") if value == "ja" else Q(open_source_license="")
        else:
            dropped.append(name)
            continue
        queryset = queryset.filter(pk__in=ProjectPage.objects.filter(condition).values("pk"))
    return queryset, dropped


class _Deadline:
    """Aborts a running SQLite statement once a request's time budget is spent (through
    SQLite's progress handler), so one pathological query cannot eat the benchmark's budget."""

    def __init__(self) -> None:
        self.until: float | None = None

    def _check(self) -> int:
        return 1 if self.until is not None and time.perf_counter() > self.until else 0

    def arm(self, seconds: float) -> None:
        from django.db import connection

        connection.ensure_connection()  # the API's requests close the connection after each response
        connection.connection.set_progress_handler(self._check, 10_000)
        self.until = time.perf_counter() + seconds

    def disarm(self) -> None:
        self.until = None


_deadline = _Deadline()


def declare_baseline_filter_fields() -> list[str]:
    """Adds a FilterField to ProjectPage, in this process, for every field of
    ``BASELINE_FACET_FIELDS`` the models do not declare one for (a FilterField names the
    field, ``.facet()`` its column: ``lead_municipality`` / ``lead_municipality_id``).
    Returns the names added."""
    from wagtail.search import index

    from cms.projects.models import ProjectPage

    declared = {f.field_name for f in ProjectPage.search_fields if isinstance(f, index.FilterField)}
    added = [name for name in (f.removesuffix("_id") for f in BASELINE_FACET_FIELDS) if name not in declared]
    ProjectPage.search_fields = ProjectPage.search_fields + [index.FilterField(name) for name in added]
    return added


_lookups: dict[str, dict] = {}


def baseline_lookups() -> dict[str, dict]:
    """Primary keys to facet values, read once (a site would cache them the same way)."""
    if not _lookups:
        from django.contrib.contenttypes.models import ContentType
        from taggit.models import Tag

        from cms.projects.models import ProjectPage
        from registry.models import ActionField, Guideline, LeitbildAttribute, Municipality, Recommendation

        _lookups.update(
            content_type_id={ContentType.objects.get_for_model(ProjectPage).pk: "projekt"},
            guidelines={
                g.pk: (g.code, g.parent.code if g.parent else "") for g in Guideline.objects.select_related("parent")
            },
            lead_municipality_id={
                m.pk: (m.ags[:2], m.size_class)
                for m in Municipality.objects.filter(led_projects__isnull=False).distinct()
            },
            action_fields=dict(ActionField.objects.values_list("pk", "code")),
            leitbild=dict(LeitbildAttribute.objects.values_list("pk", "code")),
            recommendations=dict(Recommendation.objects.values_list("pk", "code")),
            tags=dict(Tag.objects.values_list("pk", "name")),
        )
    return _lookups


def baseline_facet_values(field: str, raw: dict) -> dict[str, dict[str, int]]:
    """One ``.facet()`` answer as the facets it serves: {facet: {value: count}}.

    Main guidelines get the sum of their sub-guidelines' counts, which counts a page with two
    sub-guidelines of the same guideline twice: Wagtail cannot facet on ``guidelines__parent``.
    """
    from search.facets import budget_band

    lookups = baseline_lookups()
    out: dict[str, dict[str, int]] = {name: defaultdict(int) for name in BASELINE_FACET_FIELDS[field]}

    def add(name: str, value: Any, count: int) -> None:
        if value not in (None, ""):
            out[name][str(value)] += count

    for key, count in raw.items():
        if field == "guidelines":
            code, parent = lookups["guidelines"].get(key, ("", ""))
            add("guideline", code, count)
            add("guideline", parent, count)
        elif field == "lead_municipality_id":
            state, size_class = lookups["lead_municipality_id"].get(key, ("", ""))
            add("state", state, count)
            add("size_class", size_class, count)
        elif field == "start_date":
            add("year", key.year if key else None, count)
        elif field == "budget_eur":
            add("budget", budget_band(key), count)
        elif field == "open_source_license":
            add("open_source", "ja" if key else "nein", count)
        elif field == "status":
            add("status", key, count)
        else:  # content type, action fields, leitbild, recommendations, tags: primary keys
            add(BASELINE_FACET_FIELDS[field][0], lookups[field].get(key), count)
    return {name: dict(values) for name, values in out.items()}


def baseline_search(
    query, relevance: bool = True, fields: dict[str, tuple[str, ...]] = BASELINE_FACET_FIELDS
) -> tuple[int, list, dict]:
    """What a Wagtail site would do: ``live().search(text)``, top 20, count, ``.facet()`` per
    facet (one call per entry of ``fields``), the counts turned into facet values."""
    from wagtail.search.query import MATCH_ALL

    from cms.projects.models import ProjectPage

    queryset, _ = _baseline_filter(ProjectPage.objects.live(), query.filter_dict)
    results = queryset.search(query.text if query.text else MATCH_ALL, order_by_relevance=relevance)
    hits = list(results[:PAGE_SIZE])
    total = results.count()
    facets: dict[str, dict[str, int]] = {}
    for field in fields:
        facets.update(baseline_facet_values(field, results.facet(field)))
    return total, hits, facets


def baseline_call(
    relevance: bool,
    deadline_s: float,
    censored: list[str],
    fields: dict[str, tuple[str, ...]] = BASELINE_FACET_FIELDS,
) -> Callable[[Any], None]:
    """``baseline_search`` under a time budget; a request that exceeds it counts with the
    time it ran (a lower bound) and is listed in ``censored``."""
    from django.db import OperationalError

    def call(query) -> None:
        _deadline.arm(deadline_s)
        try:
            baseline_search(query, relevance, fields)
        except OperationalError as exc:
            if "interrupt" not in str(exc):
                raise
            censored.append(query.label())
        finally:
            _deadline.disarm()

    return call


def check_baseline(queries: list) -> dict[str, Any]:
    """One untimed pass (also the warm-up) without relevance ordering: totals, errors and
    the selections the baseline cannot express."""
    totals, dropped_any, errors = [], defaultdict(int), []
    for query in queries:
        _, dropped = _baseline_filter(_project_pages(), query.filter_dict)
        for name in dropped:
            dropped_any[name] += 1
        try:
            _deadline.arm(BASELINE_DEADLINE_S)
            total, hits, _ = baseline_search(query, relevance=False)
            totals.append({"query": query.label(), "total": total, "hits": len(hits)})
        except Exception as exc:  # noqa: BLE001 - a query the backend cannot run is reported, not fatal
            errors.append({"query": query.label(), "error": f"{type(exc).__name__}: {exc}"[:300]})
        finally:
            _deadline.disarm()
    return {"totals": totals, "dropped_selections": dict(dropped_any), "errors": errors}


def _project_pages():
    from cms.projects.models import ProjectPage

    return ProjectPage.objects.live()


# --------------------------------------------------------------------------- profiling


def profile_engine(engine, queries: list, rounds: int = 2) -> dict[str, Any]:
    """Ablations (the same mix with one engine feature switched off at runtime, on this
    instance or by patching the module's helpers in memory) and a cProfile summary."""
    import cProfile
    import importlib
    import io
    import pstats

    module = importlib.import_module(type(engine).__module__)
    out: dict[str, Any] = {}

    def run(label: str) -> None:
        stats = measure(f"Profil: {label}", lambda q: engine.search(engine_request(q)), queries, rounds)
        stats.pop("_samples", None)
        out[label] = {k: stats[k] for k in ("p50", "p95", "p99", "mean")} | {
            "by_kind_p95": {kind: v["p95"] for kind, v in stats["by_kind"].items()}
        }

    run("vollständig")
    if hasattr(module, "_fuzzy_distance"):
        original = module._fuzzy_distance
        module._fuzzy_distance = lambda token: 0
        try:
            run("ohne Fuzzy")
        finally:
            module._fuzzy_distance = original
    if hasattr(engine, "_hits"):
        original_hits = engine._hits
        engine._hits = lambda searcher, addresses, text, parsed: original_hits(searcher, addresses, None, parsed)
        try:
            run("ohne Snippets")
        finally:
            del engine._hits
    if hasattr(engine, "_facet_jobs"):
        engine._facet_jobs = lambda *args, **kwargs: []
        try:
            run("ohne Facetten")
        finally:
            del engine._facet_jobs

    profiler = cProfile.Profile()
    profiler.enable()
    for query in queries:
        engine.search(engine_request(query))
    profiler.disable()
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(20)
    out["cprofile_tottime_top20"] = buffer.getvalue().splitlines()
    return out


# --------------------------------------------------------------------------- report


def _subset_summary(samples_by_query: list[list[float]], indexes: list[int]) -> dict[str, float]:
    return summarize([s for i in indexes for s in samples_by_query[i]])


def evaluate_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    runs = results["runs"]
    largest = str(max(int(k) for k in runs))
    targets = []

    def add(name: str, target: str, measured: float | None, ok: bool | None) -> None:
        targets.append({"name": name, "target": target, "measured": measured, "met": ok})

    for size, run in runs.items():
        rate = run["rebuild"]["docs_per_s"]
        add(
            f"Neuaufbau {int(size):,} Dok.",
            f">= {TARGET_REBUILD_DOCS_PER_S:,.0f} Dok./s",
            rate,
            rate >= TARGET_REBUILD_DOCS_PER_S,
        )
    engine, api = runs[largest]["engine"], runs[largest]["api"]
    add(
        f"Engine p95 bei {int(largest):,}",
        f"<= {TARGET_ENGINE_P95_MS:.0f} ms",
        engine["p95"],
        engine["p95"] <= TARGET_ENGINE_P95_MS,
    )
    add(
        f"JSON-API p95 bei {int(largest):,}",
        f"<= {TARGET_API_P95_MS:.0f} ms",
        api["p95"],
        api["p95"] <= TARGET_API_P95_MS,
    )
    add(
        f"Engine p99/p50 bei {int(largest):,}",
        f"<= {TARGET_TAIL_RATIO:.0f}",
        engine["p99_p50"],
        engine["p99_p50"] <= TARGET_TAIL_RATIO,
    )
    add(
        f"JSON-API p99/p50 bei {int(largest):,}",
        f"<= {TARGET_TAIL_RATIO:.0f}",
        api["p99_p50"],
        api["p99_p50"] <= TARGET_TAIL_RATIO,
    )
    baseline = results.get("baseline")
    if baseline and baseline.get("speedup"):
        size = int(baseline["documents"])
        for key in ("p50", "p95"):
            factor = baseline["speedup"][f"engine_{key}"]
            add(
                f"Beschleunigung ggü. Wagtail ({key}) bei {size:,}",
                f">= {TARGET_SPEEDUP:.0f}x",
                factor,
                factor >= TARGET_SPEEDUP,
            )
    site_targets(results, add)
    return targets


def site_targets(results: dict[str, Any], add: Callable[[str, str, float | None, bool | None], None]) -> None:
    """The operator and visitor targets of issue 12 (import has none: its rate is reported)."""
    rebuild = results.get("rebuild_db")
    if rebuild:
        rate = rebuild["docs_per_s"]
        add(
            f"search_rebuild aus der Datenbank ({rebuild['documents']:,} Seiten, Ziel gilt bei 10.000)",
            f">= {TARGET_REBUILD_DB_DOCS_PER_S:,.0f} Dok./s",
            rate,
            rate is not None and rate >= TARGET_REBUILD_DB_DOCS_PER_S,
        )
    load = results.get("load")
    if load:
        think = load["think"]
        visitors = f"{think['visitors']} Besucher mit {think['think_s']:g} s Wartezeit"
        add(f"Fehler, {visitors}", "0", think["errors"], think["errors"] == 0)
        add(
            f"p95, {visitors}",
            f"<= {TARGET_THINK_P95_MS:.0f} ms",
            think["p95_ms"],
            think["p95_ms"] <= TARGET_THINK_P95_MS,
        )
        add(
            f"p99, {visitors}",
            f"<= {TARGET_THINK_P99_MS:.0f} ms",
            think["p99_ms"],
            think["p99_ms"] <= TARGET_THINK_P99_MS,
        )
        ratio = load["saturation"]["ratio"]
        add(
            f"Sättigung gunicorn/runserver ({load['saturation']['concurrency']} parallel, Anfragen/s)",
            f">= {TARGET_SATURATION_RATIO:.0f}x",
            ratio,
            ratio is not None and ratio >= TARGET_SATURATION_RATIO,
        )


def _ms(stats: dict[str, Any]) -> str:
    return f"{stats['p50']:.1f} / {stats['p95']:.1f} / {stats['p99']:.1f}"


def _yes(ok: bool | None) -> str:
    return "–" if ok is None else ("ja" if ok else "**nein**")


def render_markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    runs = results["runs"]
    sizes = sorted(runs, key=int)
    lines = [
        f"# Suchbenchmark ({results['mode']}, Suchmaschine: {results['engine']})",
        "",
        f"Erzeugt {results['generated_at']} mit `{results['command']}`; Laufzeit {results['wall_time_s']:.0f} s.",
        f"Rechner: {m['nproc']} Kerne, {m['cpu_model']}, {m['ram_gb']} GB RAM; Python {m['python']}, "
        f"tantivy {m['tantivy']}, Django {m['django']}, Wagtail {m['wagtail']}, SQLite {m['sqlite']}.",
        f"Korpus: synthetisch, deutsch (Seed {results['corpus']['seed']}); Anfragemix: {results['query_mix']['count']} "
        f"Anfragen ({', '.join(f'{k} {v}' for k, v in results['query_mix']['by_kind'].items())}), jede mit allen "
        f"{results['query_mix']['facets']} Facetten (disjunktiv), Top {PAGE_SIZE} und Gesamtzahl.",
        "",
        "| Messung | " + " | ".join(f"{int(s):,} Dok." for s in sizes) + " | Ziel |",
        "|---|" + "---:|" * len(sizes) + "---|",
        f"| Neuaufbau (Dok./s; Median aus {runs[sizes[0]]['rebuild']['runs']}, kleinster–größter) | "
        + " | ".join(
            f"{r['docs_per_s']:,.0f} ({r['docs_per_s_min']:,.0f}–{r['docs_per_s_max']:,.0f})"
            for r in (runs[s]["rebuild"] for s in sizes)
        )
        + f" | ≥ {TARGET_REBUILD_DOCS_PER_S:,.0f} |",
        "| Engine p50 / p95 / p99 (ms) | "
        + " | ".join(_ms(runs[s]["engine"]) for s in sizes)
        + f" | p95 ≤ {TARGET_ENGINE_P95_MS:.0f} ms (größte Menge) |",
        "| Engine p99/p50 | "
        + " | ".join(f"{runs[s]['engine']['p99_p50']:.1f}" for s in sizes)
        + f" | ≤ {TARGET_TAIL_RATIO:.0f} |",
        "| JSON-API p50 / p95 / p99 (ms) | "
        + " | ".join(_ms(runs[s]["api"]) for s in sizes)
        + f" | p95 ≤ {TARGET_API_P95_MS:.0f} ms (größte Menge) |",
        "| JSON-API p99/p50 | "
        + " | ".join(f"{runs[s]['api']['p99_p50']:.1f}" for s in sizes)
        + f" | ≤ {TARGET_TAIL_RATIO:.0f} |",
        "| Engine CPU-Zeit p50 / p95 / p99 (ms) | " + " | ".join(_ms(runs[s]["engine"]["cpu"]) for s in sizes) + " | |",
        "| JSON-API CPU-Zeit p50 / p95 / p99 (ms) | " + " | ".join(_ms(runs[s]["api"]["cpu"]) for s in sizes) + " | |",
        "| CPU/Wand beim Messen (Engine, API) | "
        + " | ".join(f"{runs[s]['engine']['cpu_per_wall']:.2f}, {runs[s]['api']['cpu_per_wall']:.2f}" for s in sizes)
        + " | > 1: Facetten zählen parallel (2 Threads) |",
    ]
    baseline = results.get("baseline")
    if baseline:
        b = baseline
        r = b["default_ranking"]
        facets = results["query_mix"]["facets"]

        def bound(stats: dict[str, Any], key: str, censored: list) -> str:
            # Percentiles at or above the budget are lower bounds when requests were cut off.
            capped = censored and stats[key] >= 0.95 * r["deadline_s"] * 1000
            return ("≥ " if capped else "") + f"{stats[key]:,.0f}"

        lines += [
            "",
            f"## Vergleich mit Wagtails Datenbank-Suchbackend bei {int(b['documents']):,} Dokumenten",
            "",
            f"Baseline: {b['pages']['pages']:,} ProjectPages unter einer MunicipalityPage, Wagtails Datenbank-Backend "
            f"({b['backend'].rsplit('.', 1)[-1]}, SQLite FTS5, nach `ANALYZE`), je Anfrage: Top {PAGE_SIZE} geladen, "
            f"`.count()` und `.facet()` je Facette: **{len(b['facets_computed'])} von {facets} Facetten** in "
            f"{len(b['facet_calls'])} Aufrufen ({', '.join(f'`{c}`' for c in b['facet_calls'])}; die dafür nötigen "
            f"FilterFields deklariert der Benchmark in seinem Prozess, wie eine Wagtail-Website sie deklarieren würde). "
            f"Nicht zählbar: {', '.join(b['facets_not_computed'])}. Die Zählungen sind nicht disjunktiv, ohne Rangfolge "
            f"und ohne Snippets – weniger Arbeit als die Suchmaschine, das begünstigt die Baseline. Kontrolle: ohne Text "
            f"und Filter stimmen {', '.join(b['check']['facet_agreement']['facets'])} Wert für Wert mit der "
            f"Suchmaschine überein. Filter: {b['filters_note']}",
            f"Seiten angelegt in {b['pages']['create_s']:.1f} s, `update_index` {b['pages']['update_index_s']:.1f} s "
            f"({b['pages']['update_index_docs_per_s']:,.0f} Dok./s). "
            f"Verglichen auf {b['queries_compared']} Anfragen"
            + (f" ({len(b['check']['errors'])} liefen in Wagtail nicht)." if b["check"]["errors"] else "."),
            "",
            "| | Anfragen | p50 (ms) | p95 (ms) | p99 (ms) | Facetten |",
            "|---|---:|---:|---:|---:|---|",
            f"| Wagtail `search(text, order_by_relevance=False)` | {b['latency']['n']} | {b['latency']['p50']:.1f} | "
            f"{b['latency']['p95']:.1f} | {b['latency']['p99']:.1f} | {len(b['facets_computed'])} |",
            f"| Suchmaschine (engine.search), dieselben Anfragen | {b['engine_same_queries']['n']} | "
            f"{b['engine_same_queries']['p50']:.1f} | {b['engine_same_queries']['p95']:.1f} | "
            f"{b['engine_same_queries']['p99']:.1f} | {facets} |",
            f"| JSON-API, dieselben Anfragen | {b['api_same_queries']['n']} | {b['api_same_queries']['p50']:.1f} | "
            f"{b['api_same_queries']['p95']:.1f} | {b['api_same_queries']['p99']:.1f} | {facets} |",
            f"| **Beschleunigung Engine** | | **{b['speedup']['engine_p50']:.1f}×** | **{b['speedup']['engine_p95']:.1f}×**"
            f" | | Ziel ≥ {TARGET_SPEEDUP:.0f}× |",
            f"| Beschleunigung JSON-API | | {b['speedup']['api_p50']:.1f}× | {b['speedup']['api_p95']:.1f}× | | |",
            f"| Zum Vergleich: Wagtail mit nur {len(b['minimal']['facets_computed'])} Facetten "
            f"({', '.join(b['minimal']['facets_computed'])}, FilterFields der Modelle) | {b['minimal']['latency']['n']} | "
            f"{b['minimal']['latency']['p50']:.1f} | {b['minimal']['latency']['p95']:.1f} | "
            f"{b['minimal']['latency']['p99']:.1f} | {len(b['minimal']['facets_computed'])} |",
            f"| Beschleunigung Engine ggü. 2 Facetten (kein Ziel) | | {b['minimal']['speedup']['engine_p50']:.1f}× | "
            f"{b['minimal']['speedup']['engine_p95']:.1f}× | | |",
            f"| Beschleunigung Engine nach CPU-Zeit (Wagtail {b['latency']['cpu']['p50']:.1f} / "
            f"{b['latency']['cpu']['p95']:.1f} ms, Engine {b['engine_same_queries_cpu']['p50']:.1f} / "
            f"{b['engine_same_queries_cpu']['p95']:.1f} ms) | | {b['speedup_cpu_time']['engine_p50']:.1f}× | "
            f"{b['speedup_cpu_time']['engine_p95']:.1f}× | | |",
            f"| Wagtail-Standard `search(text)` (nach Relevanz), jede 6. Anfrage | {r['latency']['n']} | "
            f"{bound(r['latency'], 'p50', r['censored'])} | {bound(r['latency'], 'p95', r['censored'])} | "
            f"{bound(r['latency'], 'p99', r['censored'])} | {len(b['facets_computed'])} |",
            f"| Beschleunigung Engine ggü. Wagtail-Standard | | ≥ {r['speedup_at_least']['engine_p50']:.0f}× | "
            f"≥ {r['speedup_at_least']['engine_p95']:.0f}× | | |",
            "",
            f"Wagtail-Standard: {len(r['censored'])} von {r['queries']} Anfragen nach {r['deadline_s']:.0f} s "
            "abgebrochen (gezählt mit der bis dahin verbrauchten Zeit, also Untergrenzen). Unter SQLite berechnet "
            "Wagtail die Relevanz als korrelierte Unterabfrage je Treffer, die die FTS5-Suche jedes Mal wiederholt; "
            "die Kosten wachsen quadratisch mit der Trefferzahl.",
        ]
    largest = sizes[-1]
    kinds = runs[largest]["engine"]["by_kind"]
    lines += [
        "",
        f"## Nach Anfrageart bei {int(largest):,} Dokumenten (p50 / p95 ms)",
        "",
        "| Art | Anzahl | Engine | JSON-API |",
        "|---|---:|---:|---:|",
    ]
    for kind, stats in kinds.items():
        api = runs[largest]["api"]["by_kind"].get(kind, {})
        count = results["query_mix"]["by_kind"].get(kind, "")
        lines.append(
            f"| {kind} | {count} | {stats['p50']:.1f} / {stats['p95']:.1f} | "
            f"{api.get('p50', 0):.1f} / {api.get('p95', 0):.1f} |"
        )
    phases = runs[largest].get("engine_phases")
    if phases:
        for label, title in (("mit_text", "mit Suchtext"), ("ohne_text", "ohne Suchtext")):
            group = phases.get(label)
            if not group:
                continue
            lines += [
                "",
                f"Wandzeit in der Engine bei {int(largest):,} Dokumenten, {group['requests']} Anfragen {title} "
                f"(Mittel je Anfrage, gesamt {group['total']['mean_ms']:.1f} ms): "
                + ", ".join(
                    f"{name} {v['mean_ms']:.1f} ms ({v['share']:.0%})"
                    for name, v in group.items()
                    if isinstance(v, dict) and name != "total"
                )
                + ".",
            ]
    lines += render_site(results)
    lines += ["", "## Ziele", "", "| Ziel | Messwert | Vorgabe | erfüllt |", "|---|---:|---|---|"]
    for t in results["targets"]:
        value = t["measured"]
        shown = f"{value:,.1f}" if isinstance(value, float) else str(value)
        lines.append(f"| {t['name']} | {shown} | {t['target']} | {_yes(t['met'])} |")
    slow = results["slowest_queries"]
    if slow:
        lines += [
            "",
            f"Langsamste Anfragen (Engine p50 bei {int(largest):,}): "
            + "; ".join(f"{q['query']} {q['p50_ms']:.1f} ms ({q['total']:,} Treffer)" for q in slow[:5])
            + ".",
        ]
    return "\n".join(lines) + "\n"


def render_site(results: dict[str, Any]) -> list[str]:
    """The operator and visitor phases as a table (nothing if they did not run)."""
    imp, rebuild, load = results.get("import"), results.get("rebuild_db"), results.get("load")
    if not (imp and rebuild and load):
        return []
    think, sat = load["think"], load["saturation"]
    g, r = sat["gunicorn"], sat["runserver"]
    publish = results.get("publish") or {}
    counts = ", ".join(f"{k} {v:,}" for k, v in imp["counts"].items())
    reached = (
        f"{imp['items']:,} von {imp['target_items']:,} Inhalten"
        if not imp["reached_target"]
        else f"alle {imp['items']:,} Inhalte"
    )
    lines = [
        "",
        "## Betrieb: Import, Neuaufbau aus der Datenbank, Last",
        "",
        f"Eigene Site (Produktionseinstellungen, SQLite, eingebettete Suche), Seiten über `import_content` aus "
        f"einer erzeugten Austauschdatei ({reached} im Zeitbudget von {imp['budget_s']:.0f} s; {counts}). "
        f"Server wie `make serve` (`scripts/serve.py`): gunicorn mit `cms/gunicorn.conf.py` "
        f"({load['server']['web_concurrency']} Prozesse × {load['server']['gunicorn_threads']} Threads), "
        f"Hintergrund-Worker, Wartung beim Start. {load['note']}",
        "",
        "| Messung | Wert |",
        "|---|---:|",
        f"| `import_content` (Inhalte/s; Seiten/s mit Kommunen) | {imp['items_per_s']:,.1f} ({imp['pages_per_s']:,.1f}) |",
        f"| `search_rebuild` aus der Datenbank ({rebuild['documents']:,} Dok.; Dok./s) | {rebuild['docs_per_s']:,.0f} |",
        f"| {think['visitors']} Besucher, {think['think_s']:g} s Wartezeit, {think['duration_s']:.0f} s: Anfragen, "
        f"Fehler | {think['requests']:,}, {think['errors']} |",
        f"| dieselben: p50 / p95 / p99 (ms) | {think['p50_ms']:.0f} / {think['p95_ms']:.0f} / {think['p99_ms']:.0f} |",
        f"| Sättigung, {sat['concurrency']} parallel ohne Wartezeit: gunicorn (Anfragen/s; p95 ms; Fehler) | "
        f"{g['rps']:,.1f}; {g['p95_ms']:.0f}; {g['errors']} |",
        f"| dieselbe Last gegen `runserver --noreload` (Anfragen/s; p95 ms; Fehler) | "
        f"{r['rps']:,.1f}; {r['p95_ms']:.0f}; {r['errors']} |",
        f"| Verhältnis gunicorn / runserver | {sat['ratio']} |",
        f"| Veröffentlicht → über die JSON-API auffindbar (Median, ms; {len(publish.get('samples', []))} Messungen) | "
        f"{results.get('publish_to_searchable_ms')} |",
        "",
        "Systemlast (1/5/15 min) vor und nach der Last mit Wartezeit: "
        f"{think['loadavg_before']} → {think['loadavg_after']}; Sättigung gunicorn {g['loadavg_before']} → "
        f"{g['loadavg_after']}, runserver {r['loadavg_before']} → {r['loadavg_after']}.",
    ]
    return lines


def _strip_private(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_private(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [_strip_private(v) for v in value]
    return value


# --------------------------------------------------------------------------- main


def corpus_stats(docs: list[dict[str, Any]]) -> dict[str, Any]:
    kinds: dict[str, int] = defaultdict(int)
    for doc in docs:
        kinds[doc["content_type"][0]] += 1
    return {
        "body_words_mean": round(statistics.fmean(len(d["body"].split()) for d in docs), 1),
        "bytes_text_mean": round(statistics.fmean(len(d["title"]) + len(d["summary"]) + len(d["body"]) for d in docs)),
        "content_types": dict(sorted(kinds.items())),
    }


def _facet_agreement(engine) -> dict[str, Any]:
    """Checks that the baseline counts what the engine counts: for the request without text
    and without filters (the same documents on both sides, no text analysis involved), the
    facets both derive from the same data must agree value for value. Not compared: status
    and open source (guides and checklists have none, their pages get defaults), state and
    size class (all pages under one municipality), content type, main guidelines (see
    ``baseline_facet_values``)."""
    from bench.corpus import BenchQuery

    comparable = ("year", "budget", "leitbild", "recommendation", "action_field", "tag")
    everything = BenchQuery("empty", "")
    _, _, counts = baseline_search(everything, relevance=False)
    expected = engine.search(engine_request(everything)).facet_counts
    for name in comparable:
        if counts.get(name, {}) != expected[name]:
            raise SystemExit(
                f"Baseline zählt {name} anders als die Suchmaschine: {counts.get(name)} != {expected[name]}"
            )
    return {"query": everything.label(), "facets": list(comparable)}


def run_baseline(engine, size: int, pages: dict, queries: list, rounds: int, run: dict[str, Any]) -> dict[str, Any]:
    """Wagtail's database backend on the same requests: ``.search()`` plus ``.facet()`` per
    facet (``BASELINE_FACET_FIELDS``, 12 of the engine's facets in 11 calls).

    * ``order_by_relevance=False``: the full mix, ``rounds`` times. Cheaper than what the
      engine does (no ranking, no disjunctive counts, no snippets), so the speed-up against
      it is the conservative figure and the one checked against the target.
    * The same with only the two facets the models declare FilterFields for, as the previous
      benchmark measured it: for reference, not a target.
    * Wagtail's default, ranked by relevance: on SQLite the score is a correlated sub-query
      per matching row, so the cost grows with the square of the matches (seconds to minutes
      per request at 10k). Measured on every sixth request with a time budget per request;
      budget-capped requests make its percentiles, and the speed-up, lower bounds.
    """
    from modelsearch.backends import get_search_backend

    filter_fields_declared = declare_baseline_filter_fields()
    check = check_baseline(queries)
    check["facet_agreement"] = _facet_agreement(engine)
    failed = {e["query"] for e in check["errors"]}
    usable = [i for i, q in enumerate(queries) if q.label() not in failed]
    subset = [queries[i] for i in usable]
    censored: list[str] = []
    latency = measure(
        "Wagtail (ohne Relevanz)",
        baseline_call(False, BASELINE_DEADLINE_S, censored),
        subset,
        rounds,
        warmup_rounds=0,  # check_baseline was the warm-up pass
    )
    minimal_censored: list[str] = []
    minimal = measure(
        "Wagtail, nur 2 Facetten",
        baseline_call(False, BASELINE_DEADLINE_S, minimal_censored, BASELINE_MINIMAL_FIELDS),
        subset,
        rounds,
    )
    engine_same = _subset_summary(run["engine"]["_samples"], usable)
    api_same = _subset_summary(run["api"]["_samples"], usable)
    engine_same_cpu = _subset_summary(run["engine"]["_cpu_samples"], usable)

    sample = usable[::6]
    ranked_censored: list[str] = []
    ranked = measure(
        "Wagtail-Standard (Relevanz)",
        baseline_call(True, BASELINE_RANKED_DEADLINE_S, ranked_censored),
        [queries[i] for i in sample],
        1,
        warmup_rounds=0,
    )
    ranked_engine = _subset_summary(run["engine"]["_samples"], sample)
    backend = get_search_backend()
    computed = [name for names in BASELINE_FACET_FIELDS.values() for name in names]
    return {
        "documents": size,
        "backend": f"{type(backend).__module__}.{type(backend).__name__}",
        "pages": pages,
        "facet_calls": list(BASELINE_FACET_FIELDS),
        "facets_computed": computed,
        "facets_not_computed": [f for f in _facet_names() if f not in computed],
        "filter_fields_declared": filter_fields_declared,
        "filters_note": (
            "status als FilterField; Leitlinie, Leitbild, Empfehlung, Handlungsfeld, Schlagwort, Jahr, Budget und "
            "Open Source als pk__in-Unterabfrage; Bundesland, Gemeindegröße, Inhaltsart und Evaluation sind dort "
            "nicht ausdrückbar (alle Seiten unter einer Kommune, keine Berichte) und entfallen."
        ),
        "operator": "Wagtail-Standard (or)",
        "check": check,
        "queries_compared": len(subset),
        "call": "ProjectPage.objects.live().search(text, order_by_relevance=False)",
        "deadline_s": BASELINE_DEADLINE_S,
        "censored": censored,
        "latency": latency,
        "engine_same_queries": engine_same,
        "api_same_queries": api_same,
        "speedup": {
            "engine_p50": round(latency["p50"] / engine_same["p50"], 1),
            "engine_p95": round(latency["p95"] / engine_same["p95"], 1),
            "api_p50": round(latency["p50"] / api_same["p50"], 1),
            "api_p95": round(latency["p95"] / api_same["p95"], 1),
        },
        "engine_same_queries_cpu": engine_same_cpu,
        "speedup_cpu_time": {
            "engine_p50": round(latency["cpu"]["p50"] / engine_same_cpu["p50"], 1),
            "engine_p95": round(latency["cpu"]["p95"] / engine_same_cpu["p95"], 1),
        },
        "minimal": {
            "facets_computed": [name for names in BASELINE_MINIMAL_FIELDS.values() for name in names],
            "censored": minimal_censored,
            "latency": minimal,
            "speedup": {
                "engine_p50": round(minimal["p50"] / engine_same["p50"], 1),
                "engine_p95": round(minimal["p95"] / engine_same["p95"], 1),
            },
        },
        "default_ranking": {
            "call": "ProjectPage.objects.live().search(text)",
            "queries": len(sample),
            "deadline_s": BASELINE_RANKED_DEADLINE_S,
            "censored": ranked_censored,
            "latency": ranked,
            "engine_same_queries": ranked_engine,
            "speedup_at_least": {
                "engine_p50": round(ranked["p50"] / ranked_engine["p50"], 1),
                "engine_p95": round(ranked["p95"] / ranked_engine["p95"], 1),
            },
        },
    }


def run_size(args, size: int, seed: int, queries: list, rounds: dict[str, int], workdir: Path, with_baseline: bool):
    from bench import corpus
    from search.engines import reset_engine

    print(f"== {size:,} Dokumente ==", flush=True)
    run: dict[str, Any] = {"documents": size}
    started = time.perf_counter()
    docs = list(corpus.documents(size, seed))
    run["corpus"] = corpus_stats(docs) | {"generation_s": round(time.perf_counter() - started, 2)}

    engine = make_engine(args.engine, workdir / f"index-{size}")
    # A 10k rebuild takes under two seconds, so one sample mostly measures what else the
    # (virtual) machine is doing in that moment: the median of several rebuilds, each into a
    # fresh generation as ``search_rebuild`` does it, with every sample reported.
    samples = []
    for _ in range(rounds["rebuild"]):
        gc.collect()
        started = time.perf_counter()
        indexed = engine.rebuild(docs)
        samples.append(time.perf_counter() - started)
        stored = engine.stats().get("documents")
        if indexed != size or stored != size:
            raise SystemExit(f"Neuaufbau: {indexed} indexiert, {stored} im Index, {size} erwartet")
    rebuild_s = statistics.median(samples)
    run["rebuild"] = {
        "seconds": round(rebuild_s, 2),
        "docs_per_s": round(size / rebuild_s, 1),
        "runs": len(samples),
        "samples_s": [round(s, 3) for s in samples],
        "docs_per_s_min": round(size / max(samples), 1),
        "docs_per_s_max": round(size / min(samples), 1),
        "segments": engine.stats().get("segments"),
    }
    run["index_bytes"] = index_bytes(engine.stats())
    print(
        f"    Neuaufbau: Median {rebuild_s:.2f} s, {size / rebuild_s:,.0f} Dok./s "
        f"(Läufe: {', '.join(f'{size / s:,.0f}' for s in samples)} Dok./s)",
        flush=True,
    )
    pages = build_wagtail_pages(docs) if with_baseline else None
    if pages:
        print(
            f"    Wagtail-Seiten: {pages['create_s']:.1f} s angelegt, update_index {pages['update_index_s']:.1f} s",
            flush=True,
        )
    del docs  # a web process does not hold the corpus; keep the garbage collector's work realistic
    gc.collect()

    run["answers"] = check_engine(engine, queries)
    run["engine"] = measure(
        "Engine (engine.search)", lambda q: engine.search(engine_request(q)), queries, rounds["engine"]
    )
    reset_engine(engine)
    try:
        client = api_client()
        check_api(client, queries, engine.name)
        run["api"] = measure("JSON-API (Client GET)", lambda q: client.get(api_url(q)), queries, rounds["api"])
    finally:
        reset_engine(None)
    run["engine_phases"] = phase_breakdown(engine, queries)

    baseline = run_baseline(engine, size, pages, queries, rounds["baseline"], run) if with_baseline else None
    if args.profile and size == max(args.sizes_used):
        run["profile"] = profile_engine(engine, queries)
    if args.engine == "elasticsearch":
        engine.clear()
    run["peak_rss_mb"] = peak_rss_mb()
    return run, baseline


def index_bytes(stats: dict[str, Any]) -> int | None:
    """Size on disk of the live index generation (the embedded engine's ``path``/``generation``;
    None for an engine without files here, Elasticsearch)."""
    if not stats.get("path") or not stats.get("generation"):
        return None
    directory = Path(stats["path"]) / stats["generation"]
    return sum(f.stat().st_size for f in directory.rglob("*") if f.is_file())


def peak_rss_mb() -> float:
    """The benchmark process's peak resident memory so far (``ru_maxrss``, KiB on Linux): it only
    grows, so per size it is the peak up to and including that size (corpus, rebuild, searches)."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _facet_names() -> list[str]:
    from search.facets import FACETS

    return [f.name for f in FACETS]


def results_name(sizes: list[int]) -> str:
    """``results`` for the usual sizes; a run at a million documents or more (``--sizes 1000000``)
    writes ``results-1m`` beside it, so that the default results stay those of `make bench`."""
    largest = max(sizes)
    return f"results-{largest // 1_000_000}m" if largest >= 1_000_000 else "results"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wall_started = time.perf_counter()
    sizes = args.sizes or ([1_000, 5_000] if args.quick else [10_000, 100_000])
    args.sizes_used = sizes
    rounds = {
        "engine": args.rounds or (1 if args.quick else 5),
        "api": max(1, (args.rounds or (1 if args.quick else 5)) * 3 // 5),
        "baseline": 1 if args.quick else 2,
        # A rebuild of a million documents takes minutes: one run, as for --quick.
        "rebuild": 1 if args.quick or max(sizes) >= 1_000_000 else 3,
    }
    output = args.output if args.output else (None if args.quick else BENCH_DIR)
    workdir = Path(tempfile.mkdtemp(prefix="smartcity-bench-"))
    try:
        print(f"Arbeitsverzeichnis {workdir}", flush=True)
        setup_django(workdir, args.engine)
        run_site_phases = not args.skip_site and max(sizes) <= MAX_SITE_SIZE
        if run_site_phases:
            from bench.site import snapshot_database

            # The freshly migrated database, before the baseline adds its pages: the site starts from it.
            snapshot_database(workdir / "db.sqlite3", workdir / "site-base.sqlite3")
        from bench import corpus

        seed = args.seed if args.seed is not None else corpus.DEFAULT_SEED
        queries = corpus.query_mix(args.quick)
        by_kind: dict[str, int] = defaultdict(int)
        for query in queries:
            by_kind[query.kind] += 1
        results: dict[str, Any] = {
            "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "command": "python bench/run.py " + " ".join(sys.argv[1:] if argv is None else argv),
            "mode": "quick" if args.quick else "voll",
            "engine": args.engine,
            "machine": machine_info(),
            "corpus": {"seed": seed, "sizes": sizes},
            "query_mix": {
                "count": len(queries),
                "by_kind": dict(by_kind),
                "facets": len(_facet_names()),
                "page_size": PAGE_SIZE,
                "rounds": rounds,
                "warmup_rounds": 1,
                "queries": [q.label() for q in queries],
            },
            "runs": {},
        }
        for i, size in enumerate(sizes):
            with_baseline = i == 0 and not args.skip_baseline and size <= MAX_SITE_SIZE
            run, baseline = run_size(args, size, seed, queries, rounds, workdir, with_baseline)
            results["runs"][str(size)] = run
            if baseline:
                results["baseline"] = baseline
        if run_site_phases:
            from bench.corpus import query_mix
            from bench.site import run_site

            config = site_config(args, seed)
            budget, reserved = import_budget(config, time.perf_counter() - wall_started)
            config.import_budget_s = budget
            # Every visitor request draws from the full mix, also in --quick.
            results |= run_site(config, workdir, workdir / "site-base.sqlite3", query_mix(), args.engine)
            results["import"]["budget_note"] = (
                f"Zeitbudget {budget:.0f} s: höchstens {TOTAL_BUDGET_S} s für den ganzen Lauf, abzüglich der "
                f"{time.perf_counter() - wall_started - results['import']['seconds']:.0f} s der übrigen Phasen "
                f"(vorab reserviert: {reserved:.0f} s für die Phasen nach dem Import)"
            )
        largest = results["runs"][str(max(sizes))]
        slow = sorted(
            (
                {"query": a["query"], "kind": a["kind"], "p50_ms": p50, "total": a["total"]}
                for a, p50 in zip(largest["answers"], largest["engine"]["by_query_p50"], strict=True)
            ),
            key=lambda q: -q["p50_ms"],
        )
        results["slowest_queries"] = slow[:10]
        results["wall_time_s"] = round(time.perf_counter() - wall_started, 1)
        results["machine"]["loadavg_at_end"] = list(os.getloadavg())
        results["targets"] = evaluate_targets(results)
        results = _strip_private(results)
        markdown = render_markdown(results)
        print()
        print(markdown)
        if output:
            output.mkdir(parents=True, exist_ok=True)
            name = results_name(sizes)
            (output / f"{name}.json").write_text(
                json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
            )
            (output / f"{name}.md").write_text(markdown, encoding="utf-8")
            print(f"Geschrieben: {output / f'{name}.json'}, {output / f'{name}.md'}")
    finally:
        if args.keep_workdir:
            print(f"Arbeitsverzeichnis bleibt: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
