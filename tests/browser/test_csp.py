"""Content-Security-Policy in a real browser: the `page` fixture fails a test on any violation
(see conftest.py); these tests show that it notices one, and cover what only a logged-in editor
sees on the public site: Wagtail's user bar."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from cms.exchange.importer import import_files
from cms.projects.models import ProjectPage
from search.engines import get_engine
from tests.factories import bundle, write_bundle

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Browser-Test-2026"

INJECT_INLINE_SCRIPT = """() => new Promise((resolve) => {
    document.addEventListener("securitypolicyviolation", () => resolve(), {once: true});
    const script = document.createElement("script");
    script.textContent = "window.inlineScriptRan = true;";
    document.body.append(script);
})"""


@pytest.fixture
def content(site, exchange_dir):
    get_engine().clear()
    import_files([write_bundle(exchange_dir, bundle())])


def test_the_page_fixture_records_a_blocked_inline_script(page, live_server, site):
    page.goto(live_server.url + "/")
    page.evaluate(INJECT_INLINE_SCRIPT)

    assert page.evaluate("window.inlineScriptRan") is None  # blocked by the policy
    assert any(v.get("directive") == "script-src-elem" for v in page.csp_violations), page.csp_violations
    page.csp_violations.clear()  # seen on purpose; the fixture must not fail this test


def log_in(page, base_url: str) -> None:
    get_user_model().objects.create_superuser("redaktion", "redaktion@example.org", PASSWORD)
    page.goto(base_url + "/admin/login/")
    page.locator("#id_username").fill("redaktion")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(base_url + "/admin/")


def test_editor_user_bar_on_public_pages_keeps_to_the_policy(page, live_server, content):
    """Wagtail's user bar renders on public pages for logged-in editors, under the public policy."""
    log_in(page, live_server.url)
    for path in ("/", ProjectPage.objects.get().url):
        response = page.goto(live_server.url + path)
        assert "unsafe-inline" not in response.headers["content-security-policy"]
        trigger = page.locator("#wagtail-userbar-trigger")  # inside the user bar's shadow root
        trigger.click()
        # The user bar's own stylesheet and script (same origin) work: the menu opens.
        page.locator("#wagtail-userbar-items").get_by_text("Zum Wagtail Admin-Interface").wait_for(state="visible")
        page.keyboard.press("Escape")


def test_preview_panel_may_frame_the_page_preview(page, live_server, content):
    """The editor's live preview frames a response under /admin/; both policies say
    frame-ancestors 'none' except for previews, or the panel would stay empty."""
    log_in(page, live_server.url)
    project = ProjectPage.objects.get()
    page.goto(f"{live_server.url}/admin/pages/{project.pk}/edit/")
    page.locator('[data-side-panel-toggle="preview"]').click()
    preview = page.frame_locator("#w-preview-iframe")
    preview.locator("h1").filter(has_text=project.title).wait_for(state="visible")
