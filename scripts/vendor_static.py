#!/usr/bin/env python3
"""Copy the browser libraries the site serves itself from node_modules into static/vendor/.

The copies are committed, so running the site needs no npm; after changing a pinned version
in package.json run ``npm ci && python scripts/vendor_static.py`` and commit the result.
``--check`` exits non-zero if the committed copies differ from node_modules (for CI).
"""

from __future__ import annotations

import argparse
import filecmp
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "static" / "vendor"

# package → [(file in the package, target below static/vendor/)]
FILES: dict[str, list[tuple[str, str]]] = {
    "leaflet": [
        ("dist/leaflet.js", "leaflet/leaflet.js"),
        ("dist/leaflet.js.map", "leaflet/leaflet.js.map"),  # referenced by leaflet.js; collectstatic needs it
        ("dist/leaflet.css", "leaflet/leaflet.css"),
        ("dist/images/layers.png", "leaflet/images/layers.png"),
        ("dist/images/layers-2x.png", "leaflet/images/layers-2x.png"),
        ("dist/images/marker-icon.png", "leaflet/images/marker-icon.png"),
        ("dist/images/marker-icon-2x.png", "leaflet/images/marker-icon-2x.png"),
        ("dist/images/marker-shadow.png", "leaflet/images/marker-shadow.png"),
        ("LICENSE", "leaflet/LICENSE"),
    ],
    "leaflet.markercluster": [
        ("dist/leaflet.markercluster.js", "leaflet/markercluster/leaflet.markercluster.js"),
        ("dist/leaflet.markercluster.js.map", "leaflet/markercluster/leaflet.markercluster.js.map"),
        ("dist/MarkerCluster.css", "leaflet/markercluster/MarkerCluster.css"),
        ("dist/MarkerCluster.Default.css", "leaflet/markercluster/MarkerCluster.Default.css"),
        ("MIT-LICENCE.txt", "leaflet/markercluster/MIT-LICENCE.txt"),
    ],
}
VERSIONS_FILE = VENDOR / "leaflet" / "VERSIONS.txt"


def versions() -> str:
    lines = ["Copied from node_modules by scripts/vendor_static.py; do not edit by hand.", ""]
    for package in FILES:
        meta = json.loads((NODE_MODULES / package / "package.json").read_text(encoding="utf-8"))
        lines.append(f"{package} {meta['version']} ({meta.get('license', '')})")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare, copy nothing")
    args = parser.parse_args(argv)
    missing = [p for p in FILES if not (NODE_MODULES / p / "package.json").exists()]
    if missing:
        print(f"Nicht installiert: {', '.join(missing)}. Bitte zuerst `npm ci` ausführen.", file=sys.stderr)
        return 2
    differing = []
    for package, files in FILES.items():
        for source, target in files:
            src, dst = NODE_MODULES / package / source, VENDOR / target
            if dst.exists() and filecmp.cmp(src, dst, shallow=False):
                continue
            differing.append(target)
            if not args.check:
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dst)
    text = versions()
    if not VERSIONS_FILE.exists() or VERSIONS_FILE.read_text(encoding="utf-8") != text:
        differing.append(str(VERSIONS_FILE.relative_to(VENDOR)))
        if not args.check:
            VERSIONS_FILE.parent.mkdir(parents=True, exist_ok=True)
            VERSIONS_FILE.write_text(text, encoding="utf-8")
    if args.check:
        for target in differing:
            print(f"veraltet: static/vendor/{target}", file=sys.stderr)
        return 1 if differing else 0
    for target in differing:
        print(f"kopiert: static/vendor/{target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
