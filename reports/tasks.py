"""The worker's refresh of the dashboard's summary cube (huey finds this module by name)."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone, translation
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
    reads them from the cache (reports.statistics.SNAPSHOT_SECONDS) at any scale. Once
    per language: a snapshot holds its labels translated, and a coordinator reading
    another language must not wait for the count (about ten seconds at a million cases)."""
    year = timezone.localdate().year
    tables = 0
    with dbroutes.reporting():
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                tables += len(statistics.national_snapshot(year, refresh=True).tables)
    return tables
