"""The worker's periodic jobs (huey, run by `manage.py run_huey`; `make run` starts it).

Each job's state is in the database (the notifications' unique key, the digest's
high-water mark), so a restarted worker repeats nothing.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import ProgrammingError, connection
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from audit import partitions
from notifications import services

logger = logging.getLogger(__name__)


@db_task()
def send_reminders(now: datetime.datetime | None = None) -> int:
    """Write the reminders due at `now` (tests pass a moved-forward `now`)."""
    return services.send_due_reminders(now)


@db_periodic_task(crontab(minute="*/15"))
def send_reminders_periodically() -> int:
    return services.send_due_reminders()


@db_periodic_task(crontab(hour="7", minute="0"))
def send_daily_digests() -> int:
    return services.send_daily_digests(base_url=settings.HARBOR_BASE_URL)


@db_periodic_task(crontab(hour="2", minute="30"))
def create_audit_partitions() -> int:
    """The audit trail's monthly partitions a year ahead (PostgreSQL; idempotent).

    Daily, not monthly: a worker down on the 1st must not leave a month to the
    DEFAULT partition. Nearly always a single catalogue query that creates nothing.
    """
    try:
        return len(partitions.ensure_partitions(connection).created)
    except ProgrammingError as error:
        # The worker serves as the runtime role, which may not create tables: the
        # owner's cron runs `manage.py audit_partitions`; meanwhile rows go to DEFAULT.
        logger.warning("Audit partitions not created (%s): run manage.py audit_partitions", error)
        return 0
