from .base import *  # noqa: F401,F403
from .base import os

DEBUG = False
SECRET_KEY = "test-only-key"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if "DATABASE_URL" not in os.environ:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

# Serve static files from the finders without collectstatic; no STATIC_ROOT scan at start-up.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Each test run gets its own embedded search index.
import tempfile  # noqa: E402

SEARCH_INDEX_DIR = Path(tempfile.mkdtemp(prefix="smartcity-search-test-"))  # noqa: F405
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages"},
}
# Off, so that every test (and every query budget) sees pages rendered; tests/test_page_cache.py
# switches it on.
PAGE_CACHE_ENABLED = False
# The API's limit counts per client address, and every test client is 127.0.0.1 in one cache for
# the whole run: far above what the suite sends, tests/api lowers it where it tests the limit.
API_RATE_LIMIT = "1000000/m"

# Background tasks run at once, in the process that queues them: no worker needed (see TASKS in base.py).
TASKS = {alias: {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"} for alias in TASKS}  # noqa: F405
