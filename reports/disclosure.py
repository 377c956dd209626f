"""Statistical disclosure control: the one place that decides which counts are shown.

A count from 1 to k-1 can single out a victim, so it is hidden (primary suppression).
Hiding it alone is not enough: beside a shown total, the other cells of its table give
it back (Female 12 + Unknown 15 of 30 victims leaves Male = 3). So further cells are
hidden (complementary suppression) until no hidden cell can be worked out from what is
shown: no sum has a single hidden term, and none has hidden terms that can only be 1.
Every hidden cell, small or complementary, shows the same marker, ``[c]``: two
markers would tell a reader which hidden cells are small and give them back through
the totals. Zero is shown: it singles out nobody. Tables of the same population
(victims by sex, by age band, by nationality) share one total cell, so a total shown
in one table is a total known in all of them.

Which k, where (the decision, and why):

- **Every download and publication** uses ``HARBOR_PUBLISH_K`` (default 11, the CTDC
  and IOM threshold): the figures leave Harbor and its access rules.
- **The yearly statistics page** is the publication seen before it is downloaded: the
  figures agencies report. It shows exactly what the CSV and XLSX contain, with the
  publish k, to every viewer, and no request parameter turns suppression off. (A
  supervisor can open every case behind it, but what is on this page gets copied into
  reports; the exact counts are on the dashboard.)
- **On-screen internal figures** use ``HARBOR_INTERNAL_K`` (default 5) for a viewer
  without record-level access to every record behind them, and no suppression for one
  who has it: hiding a count from someone who can list the records it counts protects
  nobody.
- **The dashboard needs no suppression.** Every figure counts records of the viewer's
  own scopes (``Case.objects.visible_to``, ``Referral.objects.visible_to``,
  ``PreventionActivity.objects.visible_to``): supervisors and agency admins see every
  case of their agency, and each count links to the list of exactly those records
  (tests/reports/test_dashboard.py checks count = list length). The imported CTDC
  reference data is counted over the same visible cases, and the CTDC published it
  already suppressed. So today no on-screen figure has a viewer without record-level
  access; the internal k is for the first one that does (a figure across agencies,
  or shown to a role with a narrower scope).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from reports.statistics import StatTable

HIDDEN = "[c]"  # the GSS "confidential" symbol, for every hidden cell alike


def publish_k() -> int:
    """The k of every download and of the yearly statistics (settings.HARBOR_PUBLISH_K)."""
    return settings.HARBOR_PUBLISH_K


def screen_k(*, record_access: bool) -> int | None:
    """The k of a figure shown on screen: none for a viewer who can open every record
    it counts, else settings.HARBOR_INTERNAL_K."""
    return None if record_access else settings.HARBOR_INTERNAL_K


def footnote(k: int) -> str:
    """The line that defines the marker, under every table and in every download."""
    return _(
        "%(marker)s: hidden. Counts from 1 to %(below)d are hidden, and so are other "
        "counts where needed so that a hidden count cannot be worked out from the totals."
    ) % {"marker": HIDDEN, "below": k - 1}


# --- the algorithm: cells and the sums between them ---------------------------------------


@dataclass(frozen=True)
class Sum:
    """The cells at `parts` add up to the cell at `whole` (indices into the values)."""

    parts: tuple[int, ...]
    whole: int

    @property
    def terms(self) -> tuple[int, ...]:
        return (*self.parts, self.whole)


def hidden_cells(values: Sequence[int], sums: Sequence[Sum], k: int) -> frozenset[int]:
    """The indices of the cells to hide so that none from 1 to k-1 shows and no hidden
    cell can be recomputed from the shown cells and the sums.

    Primary: every cell from 1 to k-1. Complementary, until nothing is revealed: in a
    sum that reveals a hidden term, hide its smallest non-zero shown part (else its
    whole). Ends because each round hides one more cell.
    """
    hidden = {i for i, value in enumerate(values) if 0 < value < k}
    while True:
        revealing = [s for s in sums if _reveals(values, s, hidden)]
        if not revealing:
            # Bounds across several sums can still pin a cell: hide more where it sits,
            # or, failing that, the smallest shown count anywhere.
            exposed = recoverable(values, sums, hidden)
            if not exposed:
                return frozenset(hidden)
            revealing = [s for s in sums if exposed.intersection(s.terms)]
        choice = next(
            (c for c in (_next_to_hide(values, s, hidden) for s in revealing) if c is not None),
            None,
        )
        if choice is None:
            shown = sorted((v, i) for i, v in enumerate(values) if i not in hidden and v > 0)
            if not shown:
                return frozenset(hidden)
            choice = shown[0][1]
        hidden.add(choice)


def _reveals(values: Sequence[int], total: Sum, hidden: set[int]) -> bool:
    """One hidden term is the shown terms' difference; hidden parts beside a shown whole
    that add up to their number are all 1 (a hidden cell is never 0)."""
    terms = [t for t in total.terms if t in hidden]
    if len(terms) == 1:
        return True
    return bool(terms) and total.whole not in hidden and sum(values[t] for t in terms) == len(terms)


def _next_to_hide(values: Sequence[int], total: Sum, hidden: set[int]) -> int | None:
    parts = sorted((values[p], p) for p in total.parts if p not in hidden and values[p] > 0)
    if parts:
        return parts[0][1]
    if total.whole not in hidden and values[total.whole] > 0:
        return total.whole
    return None


def recoverable(values: Sequence[int], sums: Sequence[Sum], hidden: set[int]) -> frozenset[int]:
    """The hidden cells a reader can pin to one value: the audit of a suppression.

    The reader knows the shown cells, that a hidden cell is at least 1 and every sum;
    bounds are narrowed sum by sum until nothing changes (interval propagation). A
    hidden cell whose lowest and highest possible values meet is recovered.
    """
    low = [1 if i in hidden else v for i, v in enumerate(values)]
    high: list[float] = [math.inf if i in hidden else v for i, v in enumerate(values)]
    changed = True
    while changed:
        changed = False
        for total in sums:
            w = total.whole
            bounds: dict[int, tuple[float, float]] = {
                w: (
                    max(low[w], sum(low[p] for p in total.parts)),
                    min(high[w], sum(high[p] for p in total.parts)),
                )
            }
            for p in total.parts:
                others_low = sum(low[o] for o in total.parts if o != p)
                others_high = sum(high[o] for o in total.parts if o != p)
                bounds[p] = (
                    max(low[p], low[w] - others_high),
                    min(high[p], high[w] - others_low),
                )
            for cell, (lo, hi) in bounds.items():
                if (lo, hi) != (low[cell], high[cell]):
                    low[cell], high[cell] = int(lo), hi  # lo is finite: a value or 1
                    changed = True
    return frozenset(i for i in hidden if low[i] == high[i])


# --- the statistics tables ------------------------------------------------------------------


@dataclass(frozen=True)
class ShownTable:
    """A statistics table as published: counts or the marker, and its total if it has one."""

    key: str
    title: str
    rows: list[tuple[str, int | str]]
    total: int | str | None = None
    definition: str = ""


def protect(tables: Sequence[StatTable], k: int) -> list[ShownTable]:
    """The tables as they may be shown with threshold k, suppressed together.

    A table with a `population` partitions it: its rows add up to a total, one total
    cell per population, shared by every table of that population.
    """
    values: list[int] = []
    sums: list[Sum] = []
    totals: dict[str, int] = {}
    spans = []
    for table in tables:
        parts = tuple(range(len(values), len(values) + len(table.rows)))
        values += [n for _label, n in table.rows]
        whole = None
        if table.population:
            whole = totals.setdefault(table.population, len(values))
            if whole == len(values):
                values.append(sum(n for _label, n in table.rows))
            elif values[whole] != sum(n for _label, n in table.rows):
                raise ValueError(f"Tables of {table.population} disagree on their total.")
            sums.append(Sum(parts, whole))
        spans.append((parts, whole))
    hidden = hidden_cells(values, sums, k)

    def shown(i: int) -> int | str:
        return HIDDEN if i in hidden else values[i]

    return [
        ShownTable(
            key=table.key,
            title=str(table.title),
            rows=[(label, shown(i)) for (label, _n), i in zip(table.rows, parts, strict=True)],
            total=None if whole is None else shown(whole),
            definition=str(table.definition),
        )
        for table, (parts, whole) in zip(tables, spans, strict=True)
    ]
