"""Gunicorn settings for `make serve` (``gunicorn --config cms/gunicorn.conf.py``).

Everything the production WSGI server needs lives here, so the Makefile, a service unit and the
tests start it the same way. Values that depend on the machine come from the environment.
"""

import os

wsgi_app = "cms.wsgi:application"

# Loopback only: `make serve` speaks plain HTTP (see PLAIN_HTTP_LOOPBACK in
# cms/settings/production.py); anything reachable from outside belongs behind a TLS proxy.
bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"

# Processes × threads. Two worker processes suit the 2 cores this runs on (WEB_CONCURRENCY is
# gunicorn's own variable for it); threads let a worker serve other requests while one waits on
# the database, the search index or a slow client. Each process opens the search index itself.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"

# No preloading: each worker imports the application after the fork, so nothing the embedded
# search engine (Tantivy) starts, threads and open index files, is shared across a fork.
preload_app = False

# A request that takes longer than this is stuck; the worker is restarted. Generous, because
# admin imports and exports of large exchange files run inside a request.
timeout = 60
# On stop or reload, requests under way get this long to finish.
graceful_timeout = 30
keepalive = 5

# Access log on stdout, errors on stderr. The access log records neither the client's address
# nor the query string (search terms), referrer or user agent: time, request line without the
# query, status, size and duration are enough to run the site (data minimisation).
accesslog = "-"
errorlog = "-"
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'

# Gunicorn's control socket (for `gunicornc`) defaults to one fixed path per user, which a second
# instance on the same machine would fight over; nothing here uses it.
control_socket_disable = True
