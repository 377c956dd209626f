"""The worker's refresh of the dashboard's summary cube (huey finds this module by name)."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

import dbroutes
from reports import figures, statistics


@db_periodic_task(crontab(minute="*/5"))
def refresh_dashboard_figures() -> int | None:
    """Every five minutes, every agency: the page says how old its figures are. A run
    finding the previous one still busy skips its turn (None) instead of queueing."""
    return figures.refresh(wait=False)


@db_periodic_task(crontab(minute="*/5"))
def refresh_national_statistics() -> int:
    """Every five minutes, the national statistics of this year: the coordinator's page
    reads them from the cache (reports.statistics.SNAPSHOT_SECONDS) at any scale."""
    year = timezone.localdate().year
    with dbroutes.reporting():
        return len(statistics.national_snapshot(year, refresh=True).tables)
