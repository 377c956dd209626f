"""Keyset paging of the audit trail: "Older" and "Newer", never OFFSET, never COUNT(*).

A page is the `size` rows just older (or newer) than a cursor, the cursor being the
last seen row's (occurred_at, id): `(occurred_at, id) < (t, i)`, written as
`occurred_at <= t AND (occurred_at < t OR id < i)` so the first term bounds the index
range scan of (agency, occurred_at DESC, id DESC) and prunes the monthly partitions.
The cost of a page is the same on the first page and ten million rows deep.

A cursor in a URL is `<microseconds since the epoch>_<id>`; anything else is a 400.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import BadRequest
from django.db.models import Q, QuerySet

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
ONE_MICROSECOND = datetime.timedelta(microseconds=1)
CURSOR = re.compile(r"^(-?\d{1,18})_(\d{1,19})$")

OLDER = "older"
NEWER = "newer"


def encode(occurred_at: datetime.datetime, pk: int) -> str:
    return f"{(occurred_at - EPOCH) // ONE_MICROSECOND}_{pk}"


def decode(value: str) -> tuple[datetime.datetime, int]:
    match = CURSOR.match(value)
    if match is None:
        raise BadRequest("Invalid page cursor.")
    try:
        moment = EPOCH + int(match[1]) * ONE_MICROSECOND
    except OverflowError:
        raise BadRequest("Invalid page cursor.") from None
    return moment, int(match[2])


@dataclass
class KeysetPage:
    """One page of rows, newest first, with the cursors of the pages beside it."""

    object_list: list[Any]
    older_cursor: str | None
    newer_cursor: str | None

    @property
    def has_older(self) -> bool:
        return self.older_cursor is not None

    @property
    def has_newer(self) -> bool:
        return self.newer_cursor is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_older or self.has_newer


def keyset_page(
    queryset: QuerySet[Any], params: Any, size: int, time_field: str = "occurred_at"
) -> KeysetPage:
    """The page `params` (a QueryDict: `older` or `newer` cursor, else the newest) asks for."""
    older, newer = params.get(OLDER), params.get(NEWER)
    if older and newer:
        raise BadRequest("Ask for older or newer rows, not both.")
    if newer:
        moment, pk = decode(newer)
        after = Q(**{f"{time_field}__gt": moment}) | Q(pk__gt=pk)
        rows = list(
            queryset.filter(**{f"{time_field}__gte": moment})
            .filter(after)
            .order_by(time_field, "pk")[: size + 1]
        )
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        return _page(rows, time_field, older=bool(rows), newer=more_newer)
    rows_qs = queryset.order_by(f"-{time_field}", "-pk")
    if older:
        moment, pk = decode(older)
        before = Q(**{f"{time_field}__lt": moment}) | Q(pk__lt=pk)
        rows_qs = rows_qs.filter(**{f"{time_field}__lte": moment}).filter(before)
    rows = list(rows_qs[: size + 1])
    return _page(rows[:size], time_field, older=len(rows) > size, newer=bool(older) and bool(rows))


def _page(rows: list[Any], time_field: str, *, older: bool, newer: bool) -> KeysetPage:
    first, last = (rows[0], rows[-1]) if rows else (None, None)
    return KeysetPage(
        object_list=rows,
        older_cursor=encode(getattr(last, time_field), last.pk) if older and last else None,
        newer_cursor=encode(getattr(first, time_field), first.pk) if newer and first else None,
    )
