from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import (
    ALLOWED_HOSTS,
    CACHES,
    MEDIA_URL,
    SECRET_KEY,
    STORAGES,
    TRUSTED_PROXY_COUNT,
    WAGTAILADMIN_BASE_URL,
    env_bool,
    os,
)
from .infrastructure import media_storage, shared_caches

DEBUG = False
# The same bar as Django's deploy check (security.W009): at least 50 characters, 5 of them different.
if not SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured("SECRET_KEY muss in der Produktion gesetzt sein (mindestens 50 zufällige Zeichen).")
# `make serve` runs these settings on this machine over plain HTTP on 127.0.0.1, with no TLS in
# front, and it is the only thing that sets PLAIN_HTTP_LOOPBACK=1. Over plain HTTP the redirect to
# HTTPS would loop, secure cookies would never come back (so no login, no CSRF-protected form) and
# HSTS means nothing, so the switch turns exactly these off. Every real deployment leaves it unset:
# then `manage.py check --deploy` is clean; with it set, the check rightly warns (security.W004,
# W008, W012, W016). It is one switch on purpose, so that HTTPS cannot be half turned off.
PLAIN_HTTP_LOOPBACK = env_bool("PLAIN_HTTP_LOOPBACK", False)
if PLAIN_HTTP_LOOPBACK and set(ALLOWED_HOSTS) - {"127.0.0.1", "localhost", "[::1]"}:
    # Names other than the loopback ones mean the site is reachable from elsewhere: there it
    # must not run without HTTPS.
    raise ImproperlyConfigured("PLAIN_HTTP_LOOPBACK ist nur mit ALLOWED_HOSTS 127.0.0.1, localhost oder [::1] erlaubt.")
SECURE_SSL_REDIRECT = not PLAIN_HTTP_LOOPBACK
SESSION_COOKIE_SECURE = not PLAIN_HTTP_LOOPBACK
CSRF_COOKIE_SECURE = not PLAIN_HTTP_LOOPBACK
SECURE_HSTS_SECONDS = 0 if PLAIN_HTTP_LOOPBACK else int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
# On by default, as `manage.py check --deploy` asks (W005, W021). A domain whose subdomains are
# not all on HTTPS, or that must not enter the browsers' preload list, turns them off here.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# Turning one off is a decision for that deployment, not an oversight: silence only its warning,
# so the deploy check (tests/test_deploy_check.py, CI) still catches everything else.
SILENCED_SYSTEM_CHECKS = [
    *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
    *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
]
# Behind a TLS proxy, Django learns that the visitor used HTTPS only from the header the proxy
# sets (X-Forwarded-Proto); without it, the HTTPS redirect would loop. The header is trusted only
# when the site says it sits behind trusted proxies, TRUSTED_PROXY_COUNT > 0 (the same declaration
# the client address for the rate limits rests on, cms/core/clientip.py), and the proxy must then
# overwrite it (deploy/nginx/smartcity.conf). Without a proxy any client could send the header
# and pass a plain-HTTP request off as a secure one.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT > 0 else None

# Several machines (docs/operations.md, "Mehrere Rechner"): media in S3-compatible storage
# (MEDIA_STORAGE=s3) and the caches that must be shared in Redis (REDIS_URL). Without these
# variables the embedded defaults of base.py stay: media on the file system, caches local.
STORAGES = media_storage(STORAGES, WAGTAILADMIN_BASE_URL, MEDIA_URL)
CACHES = shared_caches(CACHES)

if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)

EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))

# --- A caching proxy or CDN in front (wagtail.contrib.frontend_cache) --------------------------
# Off by default; the site's own page cache (cms/core/pagecache.py) needs none of this. An
# operator whose proxy keeps pages (Varnish, nginx with a purge module) lists its purge addresses
# in FRONTEND_CACHE_PURGE_URLS, comma-separated (e.g. http://127.0.0.1:6081). When a page is
# published or unpublished, Wagtail then sends each of them a PURGE request for the page's path,
# with the site's host name in the Host header. Only that page is purged, not the pages that
# list it (home, municipality, search) nor a moved or deleted page: the proxy must keep pages
# for a short time only (README "Seiten-Cache"). The pages send no max-age, and visitors with a
# session (cookie "sessionid" or "messages") must be passed through uncached, as here.
from .base import INSTALLED_APPS, env_list  # noqa: E402

FRONTEND_CACHE_PURGE_URLS = env_list("FRONTEND_CACHE_PURGE_URLS", [])
for _purge_url in FRONTEND_CACHE_PURGE_URLS:
    if not _purge_url.startswith(("http://", "https://")):
        raise ImproperlyConfigured(f"FRONTEND_CACHE_PURGE_URLS: „{_purge_url}“ ist keine http(s)-Adresse eines Proxys.")
if FRONTEND_CACHE_PURGE_URLS:
    INSTALLED_APPS = [*INSTALLED_APPS, "wagtail.contrib.frontend_cache"]
    WAGTAILFRONTENDCACHE = {
        f"proxy{number}": {"BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend", "LOCATION": url}
        for number, url in enumerate(FRONTEND_CACHE_PURGE_URLS, start=1)
    }
