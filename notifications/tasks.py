"""The worker's periodic jobs (huey, run by `manage.py run_huey`; `make run` starts it).

Each job's state is in the database (the notifications' unique key, the digest's
high-water mark), so a restarted worker repeats nothing.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from notifications import services


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
