"""The database router: reads inside `dbroutes.reporting()` go to the replica.

Active only when `DATABASE_REPLICA_URL` defines the `replica` alias (config.settings).
Everything else (every write, every read outside `reporting()`, every read marked for
write) goes to `default`. Migrations run on `default` only: the replica is a
streaming copy of it, not a database Django manages. See `dbroutes` for why reports
opt in rather than every read going to the replica.
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Model

import dbroutes


class ReplicaRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        if dbroutes.reads_from_replica():
            return dbroutes.reporting_db()
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        # Both aliases hold the same rows: a replica's object may relate to a primary's.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS
