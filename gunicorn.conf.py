"""gunicorn settings for Coverdesk (read by ``make run``; gunicorn also finds this file by itself
when started from the project folder). Each can be changed with its COVERDESK_WEB_* variable."""

import multiprocessing
import os

bind = os.environ.get("COVERDESK_WEB_BIND", "127.0.0.1:5000")
# Sync workers: a request is short (documents are jobs), and each worker has its own database
# connections; two per core, as gunicorn advises, at least two so one slow answer blocks nobody.
workers = int(os.environ.get("COVERDESK_WEB_WORKERS", max(2, min(2 * multiprocessing.cpu_count(), 8))))
worker_class = "sync"
timeout = int(os.environ.get("COVERDESK_WEB_TIMEOUT", "60"))
graceful_timeout = 30
# A worker is replaced after this many requests, plus up to the jitter so they are not all
# replaced at once: memory a library leaks is given back. 0 turns recycling off.
max_requests = int(os.environ.get("COVERDESK_WEB_MAX_REQUESTS", "5000"))
max_requests_jitter = int(os.environ.get("COVERDESK_WEB_MAX_REQUESTS_JITTER", "500"))
# The app is made once, in the master, and each worker is a fork of it: a worker replaced after
# max_requests serves at once, instead of spending a second making the app while the others take
# its share (a p95 of 820 ms in benchmarks/queue_and_stall.py). portal.wsgi closes the master's
# database connections before the workers fork; each opens its own. New code needs a restart
# (TERM, then start): HUP forks fresh workers from the app already loaded.
preload_app = True
# The desk logs one line per request itself (with request id, user and duration).
accesslog = None
errorlog = "-"
loglevel = "info"
# Behind a reverse proxy on the same machine: trust its X-Forwarded-* headers, nobody else's.
forwarded_allow_ips = os.environ.get("COVERDESK_WEB_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = "coverdesk-web"
# gunicorn's control socket is one path per user: several desks (or tests) on a machine would
# share it. Stop with TERM; HUP replaces the workers (with the app already loaded).
control_socket_disable = True
