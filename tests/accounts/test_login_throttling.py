"""Login throttling (django-axes) and the password-reset limit, through the real login forms."""

from __future__ import annotations

import logging

import pytest
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from cms.core.clientip import client_ip

pytestmark = pytest.mark.django_db

LOGIN_URL = "/admin/login/"
DJANGO_ADMIN_LOGIN_URL = "/django-admin/login/"
PASSWORD_RESET_URL = "/admin/password_reset/"
PASSWORD = "Laternen-Funk-2024!"
WRONG = "falsches-Passwort-7"
LOCKED_TEXT = "Anmeldung vorübergehend gesperrt"

OFFICE = "192.0.2.10"  # the client that mistypes
HOME_OFFICE = "198.51.100.20"  # the same person (or a colleague) somewhere else
PROXY = "10.0.0.1"


@pytest.fixture(autouse=True)
def fresh_cache():
    """The password-reset limit counts in the cache, which outlives a test's transaction."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def redaktion(db):
    return get_user_model().objects.create_superuser("redaktion", "redaktion@plattform.example.org", PASSWORD)


def login(client: Client, username: str, password: str, url: str = LOGIN_URL, **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


def logged_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def fail(client: Client, username: str, times: int, **extra) -> None:
    """``times`` wrong passwords; each answered with the login form again or, once locked, the lockout page."""
    for _ in range(times):
        response = login(client, username, WRONG, **extra)
        assert response.status_code in (200, 429)
    assert not logged_in(client)


def assert_locked(response) -> None:
    assert response.status_code == 429
    text = response.content.decode()
    assert LOCKED_TEXT in text and "in 15 Minuten erneut" in text
    assert int(response["Retry-After"]) == 15 * 60


def test_four_failures_do_not_lock_and_a_success_starts_the_count_again(redaktion):
    office = Client(REMOTE_ADDR=OFFICE)
    fail(office, "redaktion", settings.LOGIN_FAILURE_LIMIT_PER_USER - 1)
    response = login(office, "redaktion", PASSWORD)
    assert response.status_code == 302 and logged_in(office)

    office.logout()
    fail(office, "redaktion", settings.LOGIN_FAILURE_LIMIT_PER_USER - 1)
    assert login(office, "redaktion", PASSWORD).status_code == 302


def test_five_failures_lock_the_user_name_on_that_client_even_with_the_right_password(redaktion):
    assert settings.LOGIN_FAILURE_LIMIT_PER_USER == 5
    office = Client(REMOTE_ADDR=OFFICE)
    for _ in range(4):
        assert login(office, "redaktion", WRONG).status_code == 200
    # The fifth failure already answers with the lockout page.
    assert_locked(login(office, "redaktion", WRONG))

    response = login(office, "redaktion", PASSWORD)
    assert_locked(response)
    assert not logged_in(office)
    assert office.get("/admin/").status_code == 302  # back to the login form


def test_a_lock_on_one_client_does_not_lock_the_user_out_elsewhere(redaktion):
    fail(Client(REMOTE_ADDR=OFFICE), "redaktion", 5)
    assert_locked(login(Client(REMOTE_ADDR=OFFICE), "redaktion", PASSWORD))

    home = Client(REMOTE_ADDR=HOME_OFFICE)
    assert login(home, "redaktion", PASSWORD).status_code == 302
    assert logged_in(home)


def test_the_django_admin_login_is_throttled_too(redaktion):
    office = Client(REMOTE_ADDR=OFFICE)
    fail(office, "redaktion", 5, url=DJANGO_ADMIN_LOGIN_URL)
    response = login(office, "redaktion", PASSWORD, url=DJANGO_ADMIN_LOGIN_URL)
    assert_locked(response)
    assert not logged_in(office)


def test_one_client_trying_many_user_names_is_locked_for_every_name(redaktion):
    limit = settings.LOGIN_FAILURE_LIMIT_PER_CLIENT
    assert limit == 30
    office = Client(REMOTE_ADDR=OFFICE)
    for number in range(limit - 1):
        assert login(office, f"gast{number}", WRONG).status_code == 200

    # One below the limit: the right password still works, and a success forgives only its own name.
    assert login(office, "redaktion", PASSWORD).status_code == 302
    office.logout()

    assert_locked(login(office, "noch-ein-gast", WRONG))
    assert_locked(login(office, "redaktion", PASSWORD))
    assert not logged_in(office)

    # The same user name from another client is not affected.
    assert login(Client(REMOTE_ADDR=HOME_OFFICE), "redaktion", PASSWORD).status_code == 302


def test_x_forwarded_for_is_ignored_without_a_trusted_proxy(redaktion, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    office = Client(REMOTE_ADDR=OFFICE)
    for number in range(5):
        # A fresh made-up address per attempt must not give a fresh budget.
        login(office, "redaktion", WRONG, HTTP_X_FORWARDED_FOR=f"203.0.113.{number}")
    assert_locked(login(office, "redaktion", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.99"))


def test_x_forwarded_for_is_honoured_behind_one_trusted_proxy(redaktion, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    via_proxy = Client(REMOTE_ADDR=PROXY)
    fail(via_proxy, "redaktion", 5, HTTP_X_FORWARDED_FOR=OFFICE)
    assert_locked(login(via_proxy, "redaktion", PASSWORD, HTTP_X_FORWARDED_FOR=OFFICE))
    # The proxy appends the address it saw; what the client wrote further left does not count.
    spoofed = f"{HOME_OFFICE}, {OFFICE}"
    assert_locked(login(via_proxy, "redaktion", PASSWORD, HTTP_X_FORWARDED_FOR=spoofed))

    # Another client behind the same proxy is someone else.
    other = Client(REMOTE_ADDR=PROXY)
    assert login(other, "redaktion", PASSWORD, HTTP_X_FORWARDED_FOR=HOME_OFFICE).status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.5", PROXY),  # no trusted proxy: the header is the client's own text
        (1, "203.0.113.5", "203.0.113.5"),
        (1, f"{HOME_OFFICE}, 203.0.113.5", "203.0.113.5"),  # left of the proxy's entry: made up
        (2, f"{HOME_OFFICE}, 203.0.113.5", HOME_OFFICE),
        (2, "203.0.113.5", PROXY),  # fewer entries than proxies: the header was not set as expected
        (1, "kein-ip", PROXY),
    ],
)
def test_the_client_address_behind_trusted_proxies(settings, rf, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_an_administrator_can_lift_the_lock(redaktion):
    office = Client(REMOTE_ADDR=OFFICE)
    fail(office, "redaktion", 5)
    assert_locked(login(office, "redaktion", PASSWORD))

    call_command("axes_reset_username", "redaktion", verbosity=0)

    assert login(office, "redaktion", PASSWORD).status_code == 302
    assert logged_in(office)


def test_the_failed_attempts_are_listed_in_the_django_admin(redaktion):
    fail(Client(REMOTE_ADDR=OFFICE), "redaktion", 5)
    admin = Client(REMOTE_ADDR=HOME_OFFICE)
    admin.force_login(redaktion)
    response = admin.get("/django-admin/axes/accessattempt/")
    assert response.status_code == 200
    assert OFFICE in response.content.decode()


def test_a_lockout_is_signalled_and_logged_without_the_password(redaktion, caplog):
    locked_out = []

    def receiver(sender, request, username, ip_address, **kwargs):
        locked_out.append((username, ip_address))

    user_locked_out.connect(receiver)
    try:
        with caplog.at_level(logging.WARNING):
            fail(Client(REMOTE_ADDR=OFFICE), "redaktion", 5)
    finally:
        user_locked_out.disconnect(receiver)

    assert locked_out == [("redaktion", OFFICE)]
    axes_warnings = [r for r in caplog.records if r.name.startswith("axes") and r.levelno == logging.WARNING]
    assert len(axes_warnings) >= 5
    assert WRONG not in caplog.text


def test_the_password_reset_form_is_rate_limited_per_client(redaktion):
    limit, window = settings.PASSWORD_RESET_LIMIT_PER_CLIENT
    office = Client(REMOTE_ADDR=OFFICE)
    assert office.get(PASSWORD_RESET_URL).status_code == 200  # looking costs nothing
    for _ in range(limit):
        response = office.post(PASSWORD_RESET_URL, {"email": "redaktion@plattform.example.org"})
        assert response.status_code == 302

    response = office.post(PASSWORD_RESET_URL, {"email": "redaktion@plattform.example.org"})
    assert response.status_code == 429
    assert "Zu viele Anfragen zum Zurücksetzen des Passworts" in response.content.decode()
    assert 0 < int(response["Retry-After"]) <= window

    other = Client(REMOTE_ADDR=HOME_OFFICE)
    assert other.post(PASSWORD_RESET_URL, {"email": "redaktion@plattform.example.org"}).status_code == 302


def test_a_server_without_a_client_address_still_throttles_instead_of_failing(redaktion):
    """A unix socket without a trusted proxy passes an empty REMOTE_ADDR: axes then stores NULL
    (its column holds IP addresses only, ``inet`` on PostgreSQL), never the "unknown" bucket text."""
    anonymous = Client(REMOTE_ADDR="")
    fail(anonymous, "redaktion", settings.LOGIN_FAILURE_LIMIT_PER_USER)
    assert_locked(login(anonymous, "redaktion", PASSWORD))
    assert login(Client(REMOTE_ADDR=OFFICE), "redaktion", PASSWORD).status_code == 302
