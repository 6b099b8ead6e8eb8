"""Settings shared by every environment; everything deployment-specific comes from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
FIXTURES_ROOT = BASE_DIR / "fixtures"
DATA_DIR = Path(os.environ.get("DATA_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "registry",
    "cms.core",
    "cms.projects",
    "cms.knowledge",
    "cms.exchange",
    "cms.accounts",
    "cms.access",
    "cms.contact",
    "cms.replication",
    # Between cms/ and search/: the coverage page and the visitor's municipality (explore/apps.py).
    "explore",
    "search",
    # Above search/ (it imports it): `manage.py maintenance`.
    "operations",
    # Above search/ too: the read API (django-ninja; it mounts each layer's router), the open-data
    # downloads and DCAT catalogue, and the Atom feeds and e-mail alerts.
    "api",
    "opendata",
    "syndication",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.routable_page",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "axes",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks_db",
    "django.contrib.sitemaps",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Anonymous visitors' pages from the "pages" cache (cms/core/pagecache.py). Outside everything
    # below, so that a stored page keeps the headers they set (Content-Security-Policy too) and the
    # cookies they set decide whether it may be stored.
    "cms.core.pagecache.PageCacheMiddleware",
    # Before WhiteNoise, so static files (SVG too) carry the policy as well; see CONTENT_SECURITY_POLICY.
    "cms.core.csp.PathPolicyCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # The admin in German whatever the browser asks for (cms/accounts/admin_language.py).
    "cms.accounts.admin_language.AdminLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Lends the request to the review workflow's signal receivers (cms/accounts/review_messages.py).
    "cms.accounts.review_messages.ReviewMessagesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as axes asks: it turns a login that axes refused into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cms.urls"
WSGI_APPLICATION = "cms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the server's reads go on while a command or the background worker writes.
    # IMMEDIATE: a transaction takes the write lock when it starts, so a second writer (server
    # and worker under `make serve`) waits for it up to ``timeout`` seconds instead of failing at
    # once with "database is locked" when its read transaction would have to become a write.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        init_command="PRAGMA journal_mode=WAL;", transaction_mode="IMMEDIATE", timeout=20
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "de"
# German only until locale/en exists: with "en" listed, an English browser got German pages
# with English number formats and Django's English form errors, under lang="de".
LANGUAGES = [("de", _("Deutsch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_URL = "/static/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
MEDIA_URL = "/media/"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

WAGTAIL_SITE_NAME = "Smart-City-Erfahrungsplattform"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
# The admin's help texts, role guides and review messages are German only: no language choice.
WAGTAILADMIN_PERMITTED_LANGUAGES = [("de", "Deutsch")]
# German labels for the login form (Wagtail's own leaves "Password" untranslated).
WAGTAILADMIN_USER_LOGIN_FORM = "cms.accounts.forms.PlatformLoginForm"
# The admin's own search stays on Wagtail's database backend; the public search lives in search/.
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILEMBEDS_FINDERS: list = []  # no third-party requests, not even from the admin

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "plattform@example.invalid")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # Failed logins and lockouts (django-axes logs them at WARNING) reach the root handlers even
    # when LOG_LEVEL is raised to ERROR, and axes' INFO chatter stays out when it is lowered.
    "loggers": {"axes": {"level": "WARNING"}},
}

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
# No page of the site may be framed. Wagtail's own preview views (PreviewOnEdit/PreviewOnCreate and
# the StreamField block preview, wagtail.admin.views.generic.preview) set SAMEORIGIN on their
# responses themselves, so the editor's preview panel keeps working.
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp), set on every response by cms.core.csp.PathPolicyCSPMiddleware.
# The public site: everything from this server only. No inline scripts, event-handler attributes,
# inline styles or style attributes (the templates have none; keep it that way: put them in
# static/js and static/css), no plugins, no <base> elsewhere, no framing, forms post only here.
# img-src is spelled out because the map page (search.map_views.project_map) adds the origin of
# MAP_TILE_URL to it; no other page may load images from another server.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
# The admins (Wagtail under /admin/, Django's under /django-admin/) ship inline scripts and styles
# of their own and draw image thumbnails from data: and blob: URLs, so they get this laxer policy
# instead, still limited to this server. Responses the editor frames (Wagtail's previews, which
# set X-Frame-Options SAMEORIGIN) get frame-ancestors 'self'; page previews keep the public policy
# otherwise (see cms.core.csp). Public templates must pass the public policy on their own;
# tests/test_csp.py and the browser tests check both.
CONTENT_SECURITY_POLICY_ADMIN = {
    "URL_PREFIXES": ["/admin/", "/django-admin/"],
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, UNSAFE_INLINE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# Public search (search/): "embedded" (Tantivy, index files under DATA_DIR) or "elasticsearch".
SEARCH_ENGINE = os.environ.get("SEARCH_ENGINE", "embedded")
SEARCH_INDEX_DIR = Path(os.environ.get("SEARCH_INDEX_DIR", DATA_DIR / "search-index"))
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
ELASTICSEARCH_INDEX_PREFIX = os.environ.get("ELASTICSEARCH_INDEX_PREFIX", "smartcity")

# Background tasks (django-tasks). Two backends, on purpose:
# * "background" (BACKGROUND_TASKS) carries the project's own tasks, the work an editor must not
#   wait for: draining the search outbox (search.sync.drain_task) and extracting a report's PDF
#   text (cms.projects.tasks). In production it is the database backend of django-tasks-db; the
#   worker (`manage.py db_worker --backend background`, started by `make serve` or the systemd
#   unit deploy/systemd/smartcity-worker.service) runs them. dev.py and test.py run them
#   immediately instead, so `make run` and the tests need no worker.
# * "default" keeps Wagtail's own tasks (reference index, admin search index, image focal points,
#   file deletion, frontend-cache purge) running immediately, inside the request, as before.
#   They are small per-object updates whose result the editor expects at once (usage counts,
#   the admin's search, a purged proxy cache right after publishing); Wagtail queues one per save
#   of every indexed object, so bulk imports and `setup_demo` would fill the worker's queue with
#   tens of thousands of rows that it would work off for minutes while serving visitors, and with
#   the worker stopped the admin itself would go stale. The project's tasks, by contrast, coalesce
#   (one waiting drain covers every publish) and heal themselves: the outbox and the PDF
#   fingerprint stay the truth, and `manage.py maintenance` replays what a lost task left undone.
BACKGROUND_TASKS = "background"
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    BACKGROUND_TASKS: {"BACKEND": "django_tasks_db.DatabaseBackend"},
}

# Exchange import (cms/exchange): larger JSON files are refused before they are read, so that an
# import can neither exhaust memory nor produce pages too big to render and search.
EXCHANGE_MAX_FILE_BYTES = int(os.environ.get("EXCHANGE_MAX_FILE_BYTES", str(20 * 1024 * 1024)))
# Uploads in the admin ("Steckbriefe hochladen", cms/exchange/onboarding.py): JSON or XLSX, refused above this.
EXCHANGE_UPLOAD_MAX_BYTES = int(os.environ.get("EXCHANGE_UPLOAD_MAX_BYTES", str(5 * 1024 * 1024)))

# Rate limits (access requests, contact relay) must hold across server processes, so the
# default cache lives in the database; `make run` creates the table.
# "pages" is the full-page cache for anonymous visitors (cms/core/pagecache.py, README "Seiten-Cache"),
# an alias of its own so that emptying it never resets the rate limits. Files under DATA_DIR need no
# server and are shared by all gunicorn processes, so an invalidation reaches every one of them.
# PAGE_CACHE_TIMEOUT bounds how long what the signals do not see (the search index's part of a
# page, bulk registry loads) can lag behind; MAX_ENTRIES bounds the disk (about 10 KB a page).
PAGE_CACHE_ENABLED = env_bool("PAGE_CACHE_ENABLED", True)
PAGE_CACHE_TIMEOUT = int(os.environ.get("PAGE_CACHE_TIMEOUT", "300"))
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "platform_cache",
    },
    "pages": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "page-cache"),
        "TIMEOUT": PAGE_CACHE_TIMEOUT,
        "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("PAGE_CACHE_MAX_ENTRIES", "20000"))},
    },
}

# No third-party requests, not even avatars in the admin.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Nor the dashboard's version check for superusers (releases.wagtail.org); the admin's
# Content-Security-Policy would block it anyway.
WAGTAIL_ENABLE_UPDATE_CHECK = False

# Map tiles: loaded only after the visitor clicks "Karte laden" (see templates/map/map.html).
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = os.environ.get(
    "MAP_TILE_ATTRIBUTION", '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>-Mitwirkende'
)
MAP_TILE_PROVIDER = os.environ.get("MAP_TILE_PROVIDER", "")

# The licence of the platform's own content (cms/core/licence.py lists the choices); shown in the
# footer, the API, the downloads and the DCAT catalogue. The registry data keeps dl-de/by-2-0.
CONTENT_LICENCE = os.environ.get("CONTENT_LICENCE", "cc-by-4.0")

# The DCAT-AP.de catalogue (/katalog.ttl, /katalog.jsonld; opendata/catalogue.py), which GovData
# harvests. Empty values fall back to the site: its name (WAGTAIL_SITE_NAME), its address and
# DEFAULT_FROM_EMAIL. GOVDATA_CONTRIBUTOR_ID is the Datenbereitsteller-ID that GovData assigns
# (the part after http://dcat-ap.de/def/contributors/, or the whole URI); until it is set, the
# catalogue omits dcatde:contributorID and says so, and `check --deploy` reminds the operator.
CATALOGUE_PUBLISHER_NAME = os.environ.get("CATALOGUE_PUBLISHER_NAME", "")
CATALOGUE_PUBLISHER_URL = os.environ.get("CATALOGUE_PUBLISHER_URL", "")
CATALOGUE_CONTACT_EMAIL = os.environ.get("CATALOGUE_CONTACT_EMAIL", "")
GOVDATA_CONTRIBUTOR_ID = os.environ.get("GOVDATA_CONTRIBUTOR_ID", "")

# BITV 2.0: where "Barriere melden" (/barrierefreiheit/melden/) sends its reports (empty: to
# DEFAULT_FROM_EMAIL), and the operator's video in Deutsche Gebärdensprache for /gebaerdensprache/
# with its WebVTT captions: paths on this site (e.g. /static/dgs/plattform.mp4); anything else is ignored.
ACCESSIBILITY_FEEDBACK_EMAIL = os.environ.get("ACCESSIBILITY_FEEDBACK_EMAIL", "")
SIGN_LANGUAGE_VIDEO_URL = os.environ.get("SIGN_LANGUAGE_VIDEO_URL", "")
SIGN_LANGUAGE_CAPTIONS_URL = os.environ.get("SIGN_LANGUAGE_CAPTIONS_URL", "")

# Behind a reverse proxy, set to the number of proxies so rate limits see the client address.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# django-ninja's own reading of X-Forwarded-For, for anything in it that asks; the API's rate limit
# identifies clients through cms.core.clientip like every other limit (api/throttling.py).
NINJA_NUM_PROXIES = TRUSTED_PROXY_COUNT
# Requests per client address to the read API (/api/v1/): "count/period", period s, m, h or d.
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "300/m")

# Login throttling (django-axes; see cms/accounts/throttling.py and README "Sicherheit").
# Five failures for one user name from one client lock that pair for 15 minutes; 30 failures
# from one client across all user names lock that client. Others can still log in as the same
# user from elsewhere, so nobody can lock a colleague out from outside. Axes keeps its records
# in the database (its default handler), so the lock holds across server processes.
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out login before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_FAILURE_LIMIT_PER_USER = 5
LOGIN_FAILURE_LIMIT_PER_CLIENT = 30
AXES_FAILURE_LIMIT = "cms.accounts.throttling.failure_limit"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = timedelta(minutes=15)
# Attempts during a lock are refused without extending it: the lock ends 15 minutes after the
# failure that caused it, as the lockout page says.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "cms.accounts.throttling.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# The same client address as every other rate limit of the site (TRUSTED_PROXY_COUNT).
AXES_CLIENT_IP_CALLABLE = "cms.core.clientip.client_ip_address"
# Failed attempts count for the cool-off time and are deleted at the next login after it;
# successful logins are not recorded with their address at all (data minimisation; the rate
# limits store no addresses either).
AXES_DISABLE_ACCESS_LOG = True
# The password-reset form (cms.accounts.throttling.password_reset): submissions per client and window.
PASSWORD_RESET_LIMIT_PER_CLIENT = (5, 60 * 60)
