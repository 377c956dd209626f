"""Which database a read goes to: reports read from the replica when there is one.

The API (kernel layer, so `reports` may import it):

- `reporting()`: a context manager. Inside it every *read* that Django routes (a
  queryset without `.using()`) goes to the `replica` alias when the settings define one
  (`DATABASE_REPLICA_URL`), else to `default`. Writes never move: `config.routers`
  sends every write (and every read of a queryset marked for write: `select_for_update`,
  `get_or_create`) to `default`, so the audit row of a download is written to the
  primary in the same transaction as before. Use it around a dashboard, statistics or
  export view's body::

      with dbroutes.reporting():
          rows = list(Case.objects.visible_to(user)...)

- `reporting_db()`: the alias name itself, for an explicit `.using(reporting_db())`.

Why an opt-in context and not a router that guesses: a replica lags the primary by a
moment. A page that shows what was just saved (a case after its edit form, the audit
trail after an action) must read the primary; only aggregate, read-only pages
(dashboards, statistics, exports) tolerate the lag, and they say so by opting in.
Without a replica both return/route to `default`, so the code is the same everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA_DB_ALIAS = "replica"

_reporting: ContextVar[bool] = ContextVar("harbor_reporting_reads", default=False)


def reporting_db() -> str:
    """The alias reports read from: `replica` when configured, else `default`."""
    return REPLICA_DB_ALIAS if REPLICA_DB_ALIAS in connections.settings else DEFAULT_DB_ALIAS


def reads_from_replica() -> bool:
    """Whether the current code runs inside `reporting()` (the router asks this)."""
    return _reporting.get()


@contextmanager
def reporting() -> Iterator[str]:
    """Route the reads inside the block to `reporting_db()`; yields that alias."""
    token = _reporting.set(True)
    try:
        yield reporting_db()
    finally:
        _reporting.reset(token)
