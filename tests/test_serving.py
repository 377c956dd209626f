"""A server process collects garbage as `config.runtime` sets it: the app loaded before
is frozen out of the collector's sight, young objects are collected less often."""

from __future__ import annotations

import gc

import pytest

from config.runtime import GC_THRESHOLD, tune_gc
from tests.test_startup_keys import RIGHT_KEY, _run, database  # noqa: F401  (fixture)

PROBE = "import gc, {module}; print(gc.get_threshold(), gc.get_freeze_count() > 0)"


@pytest.mark.parametrize("module", ["config.wsgi", "config.asgi"])
def test_the_servers_tune_the_garbage_collector(database, module):  # noqa: F811
    result = _run(database, RIGHT_KEY, "-c", PROBE.format(module=module))
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == [*(str(GC_THRESHOLD).split()), "True"]


def test_tune_gc_freezes_what_is_loaded_and_collects_less_often():
    before = gc.get_threshold()
    try:
        tune_gc()
        assert gc.get_threshold() == GC_THRESHOLD
        assert GC_THRESHOLD[0] > before[0]
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
