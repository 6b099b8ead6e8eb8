from .base import *  # noqa: F401,F403
from .base import env_bool, os

DEBUG = env_bool("DEBUG", True)
# A fixed key is fine for a developer's laptop only; production.py refuses to start without one.
SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-key-do-not-use-in-production"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405

# Serve static files from the finders without collectstatic; no STATIC_ROOT scan at start-up.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# A developer changing a template sees the change at the next reload, not after PAGE_CACHE_TIMEOUT.
PAGE_CACHE_ENABLED = env_bool("PAGE_CACHE_ENABLED", False)

# Background tasks run at once, in the process that queues them: no worker needed (see TASKS in base.py).
TASKS = {alias: {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"} for alias in TASKS}  # noqa: F405
