from .base import *  # noqa: F401,F403
from .base import env_bool, os

DEBUG = env_bool("DEBUG", True)
# A fixed key is fine for a developer's laptop only; production.py refuses to start without one.
SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-key-do-not-use-in-production"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405

# Serve static files from the finders without collectstatic; no STATIC_ROOT scan at start-up.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
