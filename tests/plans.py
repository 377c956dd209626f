"""PostgreSQL's plan of a captured query, as it would be over many rows."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection


def explain(sql: str, off: Iterable[str] = ("seqscan",)) -> str:
    """`EXPLAIN` of `sql` with the named plan types turned off for the test's transaction:
    with a few test rows PostgreSQL would rightly read the tables whole (seqscan) or sort
    them (sort), where a national agency's rows take the index the test looks for."""
    with connection.cursor() as cursor:
        for kind in off:
            cursor.execute(f"SET LOCAL enable_{kind} = off")
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(line for (line,) in cursor.fetchall())
