"""Browser fixtures: Playwright driving Debian's Chromium against pytest-django's live server.

In CI (CI=true) a missing browser or axe-core is a failure; on a laptop the tests skip
with the reason shown.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def _missing(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (in CI a browser test must not be skipped)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_browser():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        _missing(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    # Playwright's sync API runs an event loop in this thread; Django's ORM must still be usable.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


# Runs in every document of the context before the page's own scripts. Init scripts and bindings
# go over the DevTools protocol, so the policy under test does not block the reporter itself.
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (event) => {
    window.__reportCspViolation({
        document: event.documentURI,
        directive: event.effectiveDirective,
        blocked: event.blockedURI,
        source: event.sourceFile ? event.sourceFile + ":" + event.lineNumber : "",
        sample: event.sample,
    });
}, true);
"""


def watch_csp(context) -> list:
    """Collect every Content-Security-Policy violation in the browser context's pages.

    Two witnesses: the DOM's securitypolicyviolation event, and Chromium's console error
    ("Refused to ... because it violates the following Content Security Policy directive"),
    which also covers violations no script could observe.
    """
    violations: list = []
    context.expose_binding("__reportCspViolation", lambda source, report: violations.append(report))
    context.add_init_script(CSP_REPORTER)

    def on_console(message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            violations.append({"console": message.text, "location": message.location.get("url", "")})

    context.on("console", on_console)
    return violations


@pytest.fixture
def page(chromium_browser, live_server):
    """A fresh browser tab on the live server. Requests to other hosts are blocked and recorded;
    a Content-Security-Policy violation anywhere (public site or admin) fails the test."""
    context = chromium_browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    third_party: list[str] = []

    def guard(route):
        url = route.request.url
        if url.startswith(live_server.url) or url.startswith("data:") or url.startswith("blob:"):
            route.continue_()
        else:
            third_party.append(url)
            route.abort()

    context.route("**/*", guard)
    violations = watch_csp(context)
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    pg.third_party_requests = third_party
    pg.csp_violations = violations
    yield pg
    context.close()
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(map(str, violations)), pytrace=False)


# Waits for the page's finite CSS animations and transitions to end (endless ones, such as a
# spinner, are left running).
SETTLE_ANIMATIONS = """async () => {
    const finite = document.getAnimations().filter(
        (animation) => animation.effect && animation.effect.getComputedTiming().endTime !== Infinity
    );
    await Promise.all(finite.map((animation) => animation.finished.catch(() => null)));
}"""


@pytest.fixture
def axe(page):
    """Run axe-core (WCAG 2.1 A/AA rules) on the current page and return its violations."""
    if not AXE_JS.exists():
        _missing(f"axe-core not installed at {AXE_JS}: run npm ci")

    def scan() -> list[dict]:
        # Evaluated over the DevTools protocol, which the page's CSP does not govern; a script tag
        # (page.add_script_tag) would be an inline script, which the site's policy blocks.
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
        # Colours are measured as drawn: a message still fading in would fail color-contrast.
        page.evaluate(SETTLE_ANIMATIONS)
        result = page.evaluate(
            """async () => await axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
            })"""
        )
        return [
            {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"]
        ]

    return scan


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
