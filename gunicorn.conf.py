"""How gunicorn serves Harbor: the one home of the serving settings.

gunicorn reads this file from the directory it starts in, so `gunicorn config.wsgi`
run in the project's folder serves with it, and so does `manage.py bench_load`; an
option on the command line (`--workers 9`) overrides the value here (README,
Production: "Serve").
"""

import os

# Sync workers. Harbor's pages are CPU-bound Python, and a sync worker takes a connection
# only when it is idle and closes it after the answer: every request waits in the
# listening socket's queue for the next free worker, and both cores stay busy. A
# threaded (gthread) worker keeps accepting while its thread works and keeps each
# connection open between requests: the connections of a load balancer or a load tool
# stay with the worker that accepted them: in 3 of 25 `bench_load` runs with five such
# workers (7 of 11 with two to four), all sixteen of wrk's connections sat on one worker
# (one core busy, half the requests/s).
worker_class = "sync"

# One process per core keeps that core busy; the others run while those wait for
# PostgreSQL. WEB_CONCURRENCY (gunicorn's own variable) sets another number.
workers = int(os.environ.get("WEB_CONCURRENCY", "0")) or 2 * (os.cpu_count() or 1) + 1

# A request's queries stop at HARBOR_STATEMENT_TIMEOUT_MS (10 s) with a 503; a worker
# still busy after this many seconds is restarted by gunicorn.
timeout = 30
