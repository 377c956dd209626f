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

# One process per core keeps that core busy, and one more runs while another waits for
# PostgreSQL. More cost more: with PostgreSQL on the same two cores, `bench_load` served
# 59.5 to 62.5 mixed requests/s with three workers against 51.9 to 55.9 with five, in
# four interleaved pairs; the five spent 27 to 29 ms of the workers' CPU per request,
# the three 23 to 25 (switching between more processes than cores). With PostgreSQL on
# a machine of its own, the workers wait longer: raise WEB_CONCURRENCY (gunicorn's own
# variable) and measure.
workers = int(os.environ.get("WEB_CONCURRENCY", "0")) or (os.cpu_count() or 1) + 1

# A request's queries stop at HARBOR_STATEMENT_TIMEOUT_MS (10 s) with a 503; a worker
# still busy after this many seconds is restarted by gunicorn.
timeout = 30
