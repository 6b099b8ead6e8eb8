"""Steps of the benchmark that run inside the benchmark site's own Django process.

``bench/site.py`` starts this script with the site's environment (production settings, the
site's DATA_DIR and database), the same environment the served site has:

    python bench/site_steps.py import BUDGET_S FILE...   # import_content per file, within a time budget
    python bench/site_steps.py urls                      # the URLs the load generator visits
    python bench/site_steps.py background                # the task backend that drains the index (reported)
    python bench/site_steps.py publisher                 # publishes pages on request (stdin), reports when

Every step prints one JSON object per line on stdout; everything else goes to stderr.
"""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def emit(value: dict) -> None:
    print(json.dumps(value, ensure_ascii=False), flush=True)


def import_within(budget_s: float, files: list[str]) -> None:
    """``import_content`` once per file, in order, as long as the next file still fits the budget.

    The files are about equally large, so the next one is expected to take as long as the slowest
    so far; the first one always runs. Each line reports one file: seconds and the pages it created
    (counted in the database, so a file that created fewer pages than it holds is visible).
    """
    from django.core.management import call_command

    from cms.knowledge.models import ChecklistPage, GuidePage
    from cms.projects.models import EvaluationReportPage, ExperienceReportPage, MunicipalityPage, ProjectPage

    models = (MunicipalityPage, ProjectPage, ExperienceReportPage, EvaluationReportPage, GuidePage, ChecklistPage)

    def content_pages() -> int:
        # The first import also creates the site's skeleton (home page, sections): not counted.
        return sum(model.objects.count() for model in models)

    spent = 0.0
    slowest = 0.0
    for path in files:
        if spent and spent + slowest > budget_s:
            emit({"stopped": True, "spent_s": round(spent, 2)})
            return
        before = content_pages()
        output = io.StringIO()
        started = time.perf_counter()
        call_command("import_content", path, stdout=output, verbosity=0)
        seconds = time.perf_counter() - started
        spent += seconds
        slowest = max(slowest, seconds)
        emit({"file": Path(path).name, "seconds": round(seconds, 3), "pages": content_pages() - before})
    emit({"stopped": False, "spent_s": round(spent, 2)})


def site_urls() -> None:
    """Relative URLs of the live pages the load mix visits (the site's root page is ``/``)."""
    from wagtail.models import Site

    from cms.knowledge.models import ChecklistPage, GuidePage
    from cms.projects.models import MunicipalityPage, ProjectPage

    site = Site.objects.get(is_default_site=True)
    root_path = site.root_page.url_path

    def urls(*models) -> list[str]:
        found: list[str] = []
        for model in models:
            paths = model.objects.live().public().order_by("path").values_list("url_path", flat=True)
            found += ["/" + path[len(root_path) :] for path in paths if path.startswith(root_path)]
        return found

    projects = urls(ProjectPage)
    sample = ProjectPage.objects.live().order_by("path").first()
    if sample is not None and projects[0] != sample.get_url():
        raise SystemExit(f"URL-Ableitung stimmt nicht: {projects[0]} != {sample.get_url()}")
    emit(
        {
            "projects": projects,
            "municipalities": urls(MunicipalityPage),
            "knowledge": urls(GuidePage, ChecklistPage),
            "project_ids": list(ProjectPage.objects.live().order_by("path").values_list("pk", flat=True)),
        }
    )


def background() -> None:
    """Which backend runs the search-index drain after a publish (reported beside the publish delay):
    a database backend is worked off by the worker `make serve` starts; an immediate backend drains
    in the publishing process itself."""
    from django.conf import settings

    alias = getattr(settings, "BACKGROUND_TASKS", None)
    backend = settings.TASKS.get(alias, {}).get("BACKEND", "") if alias else ""
    emit({"alias": alias, "backend": backend, "needs_worker": "django_tasks_db" in backend})


def publisher() -> None:
    """For every line ``PAGE_ID MARKER`` on stdin: append MARKER to the project's title and publish
    it through Wagtail (a new revision, ``revision.publish()``), as an editor's "Veröffentlichen"
    does; report the wall-clock time before and after the publish and the page's URL.

    SQLite lets one writer at a time; a publish whose transaction loses against the site's other
    writers (the worker, the server) fails with "database is locked". That is reported as the
    sample's error, not hidden: it is what an editor would see."""
    from django.db import OperationalError

    from cms.projects.models import ProjectPage

    emit({"ready": True})
    for line in sys.stdin:
        page_id, marker = line.split()
        page = ProjectPage.objects.get(pk=int(page_id))
        page.title = f"{page.title[:200]} {marker}"
        started = time.time()
        try:
            page.save_revision().publish()
        except OperationalError as exc:
            print(f"Veröffentlichen von Seite {page_id} scheiterte: {exc}", file=sys.stderr, flush=True)
            emit({"error": f"{type(exc).__name__}: {exc}"})
            continue
        emit({"started": started, "published": time.time(), "url": page.get_url()})


def main(argv: list[str]) -> int:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    command, args = argv[0], argv[1:]
    if command == "import":
        import_within(float(args[0]), args[1:])
    elif command == "urls":
        site_urls()
    elif command == "background":
        background()
    elif command == "publisher":
        publisher()
    else:
        raise SystemExit(f"Unbekannter Schritt: {command}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
