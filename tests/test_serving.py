"""How a server process serves.

It collects garbage as `config.runtime` sets it: the app loaded before is frozen out of
the collector's sight, young objects are collected less often.

gunicorn serves with gunicorn.conf.py, started as production starts it (`gunicorn
config.wsgi` in the project's folder): a connection is closed after its answer. A worker
that keeps a connection open keeps every later request on it, whether its core is free
or not: the connections of a load balancer or of `bench_load`'s wrk once all sat on one
worker, one of two cores busy.
"""

from __future__ import annotations

import gc
import http.client
import os
import runpy
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.runtime import GC_THRESHOLD, tune_gc
from tests.servers import servers
from tests.test_startup_keys import RIGHT_KEY, _run, database  # noqa: F401  (fixture)

PROBE = "import gc, {module}; print(gc.get_threshold(), gc.get_freeze_count() > 0)"


@pytest.mark.parametrize("module", ["config.wsgi", "config.asgi"])
def test_the_servers_tune_the_garbage_collector(database, module):  # noqa: F811
    result = _run(database, RIGHT_KEY, "-c", PROBE.format(module=module))
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == [*(str(GC_THRESHOLD).split()), "True"]


def test_tune_gc_freezes_what_is_loaded_and_collects_less_often():
    before = gc.get_threshold()
    # From Python's defaults: an earlier test of this process may have tuned it already
    # (the smoke test runs bench_pages in-process, which tunes it as a server does).
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    try:
        tune_gc()
        assert gc.get_threshold() == GC_THRESHOLD
        assert GC_THRESHOLD[0] > 700
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


@pytest.fixture
def server(tmp_path) -> Iterator[int]:
    environment = {
        **os.environ,
        "HARBOR_DEBUG": "true",
        # A database of its own: /health/ answers 503 on it (not migrated), an answer
        # all the same.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serving.sqlite3'}",
        "HARBOR_VAR_DIR": str(tmp_path),
    }
    with servers(environment, workers=2) as ports:
        yield ports[0]


def test_each_answer_closes_its_connection(server):
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=30)
    try:
        # HTTP/1.1 keeps a connection open unless the server says otherwise.
        connection.request("GET", "/health/")
        response = connection.getresponse()
        response.read()
        assert response.status in {200, 503}
        assert response.getheader("Connection", "").lower() == "close"
        assert response.will_close
    finally:
        connection.close()


def test_gunicorn_runs_a_worker_per_core_and_one_more_unless_told(monkeypatch):
    """gunicorn.conf.py: cores + 1 sync workers (five, on two cores, spent more CPU per
    request than three); WEB_CONCURRENCY sets another number."""
    path = str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py")
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    config = runpy.run_path(path)
    assert (config["worker_class"], config["workers"]) == ("sync", (os.cpu_count() or 1) + 1)
    monkeypatch.setenv("WEB_CONCURRENCY", "9")
    assert runpy.run_path(path)["workers"] == 9
