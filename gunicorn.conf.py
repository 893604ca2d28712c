"""gunicorn settings. Every value can be overridden on the command line or by env."""

import multiprocessing
import os

from app.config import check_processes

bind = os.environ.get("BIND", "127.0.0.1:8000")
# Sync workers: requests are short and CPU-bound (a postcode lookup, a form
# check, one insert), so one process per core, plus one to cover a worker
# blocked on the database, keeps the CPUs busy without thrashing.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
worker_class = "sync"
# Production refuses per-process rate limits when several processes serve.
check_processes(os.environ, workers)
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle a worker after this many requests: a guard against slow leaks,
# not a routine. Each restart leaves the others to carry its share for a
# moment; at 10,000 that happened every few seconds under load and put the
# API's p99 at 20-27 ms instead of 9-15 (bench/http.py).
max_requests = int(os.environ.get("MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 10
# Load the app (and the postcode index) once, then fork: the index's arrays
# are shared copy-on-write by every worker instead of loaded N times.
preload_app = True
# Access log without client IPs or query strings (postcodes live there).
accesslog = os.environ.get("ACCESS_LOG", "-")
access_log_format = '"%(m)s %(U)s" %(s)s %(b)s %(M)sms'
if os.environ.get("LOG_FORMAT") == "json":
    from app.logs import gunicorn_config

    logconfig_dict = gunicorn_config()  # every line one JSON object (app/logs.py)


def child_exit(server, worker):
    from app.metrics import process_gone

    process_gone(worker.pid)


def when_ready(server):
    if getattr(server.app, "app_uri", "wsgi:app") != "wsgi:app":
        return  # another app served with these settings (bench/http.py's bare endpoint)
    import wsgi
    from app.reference.warming import warm_up

    warm_up(wsgi.app)
