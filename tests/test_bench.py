"""`make bench` keeps working: a small run of bench/run.py end to end, in its own process.

It asserts what the run produced, never how fast: timings belong to the benchmark itself.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from search.facets import FACETS


def test_quick_benchmark_run_writes_results_with_the_full_baseline(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    completed = subprocess.run(
        [sys.executable, "bench/run.py", "--quick", "--sizes", "300", "--output", str(tmp_path)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]

    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    run = results["runs"]["300"]
    assert run["rebuild"]["docs_per_s"] > 0
    assert run["engine"]["n"] == run["api"]["n"] == len(results["query_mix"]["queries"])

    baseline = results["baseline"]
    # ``.facet()`` per facet: every facet but the two Wagtail cannot count on ProjectPage.
    assert sorted(baseline["facets_not_computed"]) == ["has_evaluation", "reused"]
    assert len(baseline["facets_computed"]) == len(FACETS) - 2
    assert baseline["check"]["errors"] == []
    assert baseline["check"]["facet_agreement"]["facets"]
    assert baseline["minimal"]["facets_computed"] == ["content_type", "status"]

    names = [t["name"] for t in results["targets"]]
    assert "Beschleunigung ggü. Wagtail (p50) bei 300" in names
    markdown = Path(tmp_path / "results.md").read_text(encoding="utf-8")
    assert "## Ziele" in markdown and f"{len(FACETS) - 2} von {len(FACETS)} Facetten" in markdown
