"""docs/operations.md and the deployment files under deploy/ agree with the code they describe.

The configuration table is checked against the settings source itself: every environment
variable that cms/settings/*.py reads must be in it, so a new variable cannot ship undocumented.
The nginx example and the systemd unit are checked against the limits and timeouts they must
match (upload sizes, gunicorn's address and timeouts), taken from the settings and from
cms/gunicorn.conf.py rather than repeated here.
"""

from __future__ import annotations

import ast
import configparser
import os
import re
import runpy
from functools import cache
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from wagtail.images.fields import WagtailImageField

ROOT = Path(settings.BASE_DIR)
OPERATIONS = ROOT / "docs" / "operations.md"
SETTINGS_DIR = ROOT / "cms" / "settings"
NGINX_CONF = ROOT / "deploy" / "nginx" / "smartcity.conf"
WEB_UNIT = ROOT / "deploy" / "systemd" / "smartcity-web.service"
CONFIG_HEADING = "## Konfigurationsreferenz"

# Reading the environment: calls whose first argument names the variable, ``os.environ[...]`` and
# ``... in os.environ``. Settings helpers named env_* (env_bool, env_list in base.py) count as such
# calls; only inside them may the name be a variable, because their callers pass it.
ENVIRON_CALLS = {"os.environ.get", "os.getenv", "os.environ.setdefault", "environ.get", "getenv"}


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def environment_variables(path: Path) -> set[str]:
    """Every environment variable ``path`` reads; a read whose name cannot be known fails the test."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    helpers = {
        id(inner)
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef) and function.name.startswith("env_")
        for inner in ast.walk(function)
    }
    names: set[str] = set()

    def take(node: ast.AST, where: ast.AST) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            names.add(node.value)
        elif id(where) not in helpers:
            raise AssertionError(
                f"{path.name}:{where.lineno}: the variable name is computed; read each variable with a literal name "
                "so that docs/operations.md can be checked against it"
            )

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            function = _dotted(node.func)
            if function in ENVIRON_CALLS or function.split(".")[-1].startswith("env_"):
                if node.args:
                    take(node.args[0], node)
        elif isinstance(node, ast.Subscript) and _dotted(node.value) == "os.environ":
            take(node.slice, node)
        elif isinstance(node, ast.Compare) and any(isinstance(op, ast.In | ast.NotIn) for op in node.ops):
            if any(_dotted(comparator) == "os.environ" for comparator in node.comparators):
                take(node.left, node)
    return names


@cache
def settings_variables() -> frozenset[str]:
    return frozenset(name for path in sorted(SETTINGS_DIR.glob("*.py")) for name in environment_variables(path))


@cache
def documented_variables() -> dict[str, str]:
    """Variable name → its table row, from the table under the configuration heading."""
    text = OPERATIONS.read_text(encoding="utf-8")
    assert CONFIG_HEADING in text, f"{OPERATIONS.name} has no section {CONFIG_HEADING!r}"
    section = text.split(CONFIG_HEADING, 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|") and not line.startswith("| ---")]
    variables: dict[str, str] = {}
    for row in rows[1:]:  # the first row is the header
        first_cell = row.split("|")[1]
        for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", first_cell):
            assert name not in variables, f"{name} appears twice in the configuration table"
            variables[name] = row
    return variables


def gunicorn_config() -> dict:
    """cms/gunicorn.conf.py as gunicorn reads it with its defaults (the nginx example assumes them).

    PORT is dropped for the reading: `PORT=8080 make test` must not move the address checked here.
    """
    with mock.patch.dict(os.environ):
        os.environ.pop("PORT", None)
        return runpy.run_path(str(ROOT / "cms" / "gunicorn.conf.py"))


def nginx_directive(name: str) -> list[str]:
    text = "\n".join(line.split("#", 1)[0] for line in NGINX_CONF.read_text(encoding="utf-8").splitlines())
    return re.findall(rf"^\s*{name}\s+([^;]+);", text, flags=re.MULTILINE)


def nginx_size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", value.strip()).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]


def nginx_seconds(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)(s|m)?", value.strip()).groups()
    return int(number) * (60 if unit == "m" else 1)


def test_every_variable_the_settings_read_is_in_the_configuration_table():
    missing = sorted(settings_variables() - documented_variables().keys())
    assert not missing, f"Read by cms/settings but missing from {CONFIG_HEADING} in docs/operations.md: {missing}"


def test_the_settings_reader_finds_reads_of_every_form(tmp_path):
    """The derivation above must not miss a variable because it is read another way."""
    source = tmp_path / "sample.py"
    source.write_text(
        "import os\n"
        "def env_flag(name):\n    return os.environ.get(name)\n"
        "A = os.environ.get('ONE', '')\nB = os.environ['TWO']\nC = 'THREE' in os.environ\n"
        "D = env_flag('FOUR')\nE = os.getenv('FIVE')\n",
        encoding="utf-8",
    )
    assert environment_variables(source) == {"ONE", "TWO", "THREE", "FOUR", "FIVE"}
    source.write_text("import os\nNAME = 'X'\nA = os.environ.get(NAME)\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="computed"):
        environment_variables(source)


def test_every_row_of_the_table_names_a_meaning_and_a_default():
    for name, row in documented_variables().items():
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        assert len(cells) == 3 and all(cells), f"{name}: the row needs name, meaning and default: {row}"


def test_the_table_documents_only_variables_something_reads():
    """A variable that nothing reads any more must leave the table too.

    Besides the project's own code, some documented variables are read by gunicorn (its
    configuration) and by django-storages/boto3 (the S3 credentials); their sources are searched
    for the name as well.
    """
    import gunicorn.config
    import storages.backends.s3

    own = [
        path
        for pattern in ("cms/**/*.py", "search/**/*.py", "registry/**/*.py", "scripts/*.py")
        for path in ROOT.glob(pattern)
    ]
    texts = [path.read_text(encoding="utf-8") for path in [*own, ROOT / "manage.py"]]
    texts += [Path(module.__file__).read_text(encoding="utf-8") for module in (gunicorn.config, storages.backends.s3)]
    unread = [
        name for name in documented_variables() if not any(f'"{name}"' in text or f"'{name}'" in text for text in texts)
    ]
    assert not unread, f"Documented in docs/operations.md, but nothing reads them: {unread}"


def test_readme_links_the_operations_chapter():
    assert "(docs/operations.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_deploy_file_the_chapter_names_exists():
    named = set(re.findall(r"`(deploy/[\w./-]+)`", OPERATIONS.read_text(encoding="utf-8")))
    assert {"deploy/nginx/smartcity.conf", "deploy/systemd/smartcity-web.service"} <= named
    missing = sorted(path for path in named if not (ROOT / path).is_file())
    assert not missing, f"docs/operations.md names files that do not exist: {missing}"


def test_nginx_accepts_every_upload_the_site_accepts():
    (body,) = nginx_directive("client_max_body_size")
    limits = {
        "WAGTAILDOCS_MAX_UPLOAD_SIZE": settings.WAGTAILDOCS_MAX_UPLOAD_SIZE,
        "WAGTAILIMAGES_MAX_UPLOAD_SIZE": WagtailImageField().max_upload_size,
        "EXCHANGE_MAX_FILE_BYTES": settings.EXCHANGE_MAX_FILE_BYTES,
    }
    largest = max(limits.values())
    # Above the largest file (a multipart form adds its fields and boundaries), but not far above:
    # nginx is the first place that refuses a body too big for any form of the site.
    assert largest < nginx_size(body) <= largest + 10 * 1024**2, (body, limits)


def test_nginx_talks_to_gunicorn_where_it_listens_and_waits_longer_than_gunicorn():
    config = gunicorn_config()
    assert f"server {config['bind']};" in NGINX_CONF.read_text(encoding="utf-8")
    (read_timeout,) = nginx_directive("proxy_read_timeout")
    assert nginx_seconds(read_timeout) > config["timeout"], "nginx must not cut off a request gunicorn still serves"


def test_nginx_overwrites_the_headers_the_proxy_settings_trust():
    """TRUSTED_PROXY_COUNT=1 takes the rightmost X-Forwarded-For entry, SECURE_PROXY_SSL_HEADER the scheme."""
    headers = dict(value.split(None, 1) for value in nginx_directive("proxy_set_header"))
    assert headers["X-Forwarded-For"] == "$proxy_add_x_forwarded_for"
    assert headers["X-Forwarded-Proto"] == "$scheme"
    assert headers["Host"] == "$host"
    # gunicorn refuses a request whose scheme headers contradict each other; clients must not send them.
    assert headers["X-Forwarded-Ssl"] == '""' and headers["X-Forwarded-Protocol"] == '""'


def test_nginx_serves_image_renditions_but_never_documents_directly():
    text = NGINX_CONF.read_text(encoding="utf-8")
    locations = re.findall(r"^\s*location\s+([^{]+)\{", text, flags=re.MULTILINE)
    media = [location.split()[-1] for location in locations if "/media/" in location]
    assert "/media/images/" in media, locations
    assert all(path in {"/media/images/", "/media/"} for path in media), media
    # The catch-all for the rest of /media/ (originals, documents) refuses.
    block = text.split("location /media/ {", 1)[1].split("}", 1)[0]
    assert "return 404;" in block


def test_the_web_unit_runs_gunicorn_with_the_production_settings():
    unit = configparser.ConfigParser(interpolation=None, strict=True)
    unit.optionxform = str  # systemd keys are case-sensitive
    unit.read(WEB_UNIT, encoding="utf-8")
    service = unit["Service"]
    assert service["WorkingDirectory"] == "/srv/smartcity"
    assert service["EnvironmentFile"] == "/etc/smartcity/env"
    assert service["Environment"] == "DJANGO_SETTINGS_MODULE=cms.settings.production"
    assert service["ExecStart"] == "/srv/smartcity/.venv/bin/gunicorn --config cms/gunicorn.conf.py"
    # Stopping waits for gunicorn's graceful shutdown before systemd kills what is left.
    stop = int(service["TimeoutStopSec"].removesuffix("s"))
    assert stop > gunicorn_config()["graceful_timeout"]
    assert "/srv/smartcity/var" in service["ReadWritePaths"].split()
