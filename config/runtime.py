"""How a server process runs the app: the garbage collector's settings for serving.

`config.wsgi` and `config.asgi` apply them once the app is loaded, and `bench_pages`
applies them too, so that it times the pages as a server serves them.
"""

import gc

# A page builds tens of thousands of short-lived objects: with CPython's default (700,
# 10, 10) the youngest generation was collected dozens of times a page, each collection
# walking every young object. Collected every 20,000 allocations instead, the mixed staff
# pages took about 0.93 of their CPU time (four interleaved runs at 1,000,000 cases).
GC_THRESHOLD = (20_000, 20, 20)


def tune_gc() -> None:
    """Move what is loaded so far (modules, templates, settings: never garbage) out of
    the collector's sight (`gc.freeze`), then collect less often (GC_THRESHOLD)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
