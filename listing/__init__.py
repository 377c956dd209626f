"""The one way lists are built: an allow-listed FilterSet, then a page of it.

Filter and sort values outside the FilterSet's choices are a client error (400),
never silently ignored; the page number is clamped like Django's paginator does.
A list counts its rows only up to COUNT_CAP (`CappedPaginator`): an agency's whole
caseload is "more than 1000 results", never a full COUNT(*) on every request.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, Literal, cast

from django import forms
from django.conf import settings
from django.core.exceptions import BadRequest
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import BooleanField, Exists, ExpressionWrapper, Q, QuerySet
from django.db.models.expressions import Col
from django.db.models.lookups import Exact, In
from django.db.models.sql.where import AND, WhereNode
from django.http import HttpRequest
from django.utils.encoding import force_str
from django.utils.functional import cached_property, lazy
from django.utils.hashable import make_hashable
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django_filters import filters as django_filters_filters
from django_filters.filterset import FilterSet as BaseFilterSet

# How a capped count reads its rows (count_up_to): by id, newest first, or in the list's
# own order.
CountOrder = Literal["newest", "listed"]


def _descending(label: str) -> str:
    return gettext("%s (descending)") % label


# Evaluated when the page renders, in the reader's language (not once, at import).
_descending_lazy = lazy(_descending, str)


class OrderingFilter(django_filters_filters.OrderingFilter):
    """Sort options whose labels, descending ones included, follow the reader's language.

    The chosen order ends with the primary key, in the direction of the last key chosen:
    rows that tie (every "open" case when sorting by status) keep one order from page to
    page, so no row shows on two pages and none on neither; and one index on
    (scope, key, id) serves both directions (issue 12)."""

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        ordered = super().filter(qs, value)
        ordering = [str(key) for key in ordered.query.order_by]
        if value in django_filters_filters.EMPTY_VALUES or not ordering:
            return ordered
        if {key.lstrip("-") for key in ordering} & {"pk", "id"}:
            return ordered
        return ordered.order_by(*ordering, "-pk" if ordering[-1].startswith("-") else "pk")

    def build_choices(self, fields, labels):
        ascending = [
            (param, labels.get(field, param.replace("_", " ").capitalize()))
            for field, param in fields.items()
        ]
        descending = [
            (f"-{param}", labels.get(f"-{param}", _descending_lazy(label)))
            for param, label in ascending
        ]
        return [choice for pair in zip(ascending, descending, strict=True) for choice in pair]


class FilterSet(BaseFilterSet):
    """Every list's FilterSet: the empty choice of a dropdown reads "Any", not "---------",
    and the bar's fields render in one pass each (widgets.FormRenderer), not a template
    per field and per option."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for filter_ in self.filters.values():
            if isinstance(
                filter_,
                django_filters_filters.ChoiceFilter | django_filters_filters.ModelChoiceFilter,
            ):
                filter_.extra["empty_label"] = _("Any")
                filter_.__dict__.pop("_field", None)

    # Whether the capped count reads the rows in the list's own order: the walk its last
    # page (the 40th) takes, so the count costs what that page costs; read late
    # (`rows_by_id`), the count and the page then share that one walk
    # (CappedPaginator._listed_ids). For a list whose orders each have an index its
    # filters start from (the task, case, person and MLA lists, the referral queue);
    # every other list counts by id, newest first (`count_order`).
    counts_in_list_order: ClassVar[bool] = False

    @property
    def count_order(self) -> CountOrder:
        """How the list's capped count reads its rows (listing.count_up_to)."""
        return "listed" if self.counts_in_list_order else "newest"


# A staff dropdown lists at most STAFF_CHOICES people: a national agency's thousand
# caseworkers would make every list page some 100 KB and grow with its headcount (issue 12).
# Past it the dropdown offers the reader and whoever is chosen, and the name filter beside
# it finds anybody else. Any of the agency's staff stays a valid value: the dashboard's
# caseload figures link to the lists with a caseworker's id.
STAFF_CHOICES = 50


def bound_staff_choices(filterset: FilterSet, names: tuple[str, ...]) -> None:
    """Cut the staff dropdowns `names` (ModelChoiceFilters of users, with `full_name` and
    `email`) to STAFF_CHOICES people (see there); one query each, however big the agency,
    and the reader and the chosen person are always offered."""
    form = filterset.form
    reader = getattr(filterset.request, "user", None)
    for name in names:
        field = cast(forms.ModelChoiceField, form.fields[name])
        chosen = form.cleaned_data.get(name) if form.is_bound and form.is_valid() else None
        pinned = [user.pk for user in (reader, chosen) if user is not None and user.pk]
        first = ExpressionWrapper(Q(pk__in=pinned), output_field=BooleanField())
        queryset = cast(QuerySet[Any], field.queryset)
        # The pinned people and any STAFF_CHOICES + 1 others, by key: more than
        # STAFF_CHOICES rows only when the agency has more staff than that. Sorted by
        # name in the database, the agency's whole staff was read and sorted for them
        # (1,213 at 1,000,000 cases: 0.9 ms a dropdown; by key 0.16 ms).
        some = queryset.order_by().values("pk")[: STAFF_CHOICES + 1]
        staff = list(
            queryset.filter(Q(pk__in=pinned) | AmongIds("pk", some))
            .annotate(pinned=first)
            .only("pk", "full_name", "email")
            .order_by()
        )
        if len(staff) > STAFF_CHOICES:
            staff = [user for user in staff if user.pinned]
        staff.sort(key=lambda user: (user.full_name, user.email))
        field.widget.choices = [
            ("", field.empty_label or ""),
            *((user.pk, field.label_from_instance(user)) for user in staff),
        ]


def filter_queryset(
    filterset_class: type[FilterSet], request: HttpRequest, queryset: QuerySet, **kwargs
) -> FilterSet:
    """Bind the request's query string to the FilterSet; 400 when a value is not allowed."""
    filterset = filterset_class(request.GET or None, queryset=queryset, request=request, **kwargs)
    if filterset.is_bound and not filterset.is_valid():
        raise BadRequest("Invalid filter: " + ", ".join(sorted(filterset.errors)))
    return filterset


@functools.cache
def _labels_of(field: models.Field, language: str | None) -> dict[Any, str]:
    # Translated once per language: each reader sees their own.
    return {value: force_str(label) for value, label in field.flatchoices}


class ChoiceLabels:
    """`get_<field>_display()` as one dictionary lookup, for the models lists show.

    Django's builds a dictionary of every choice on each call, hashing each label, and
    hashing a lazy label translates it: about 0.4 ms a call, tens of milliseconds for a
    page of 25 rows with two such columns. Same result, the labels translated once per
    field and language.
    Put it first among a model's bases (`class Case(ChoiceLabels, VersionedModel)`).
    """

    def _get_FIELD_display(self, field: models.Field) -> str:
        value = getattr(self, field.attname)
        labels = _labels_of(field, get_language())
        return force_str(labels.get(make_hashable(value), value), strings_only=True)


class RowExists(Exists):
    """A correlated EXISTS that PostgreSQL evaluates row by row: an index probe per row.

    A plain `Exists` may be planned as a hashed subplan, built from every row the
    subquery could match (a big agency's whole caseload) before the first row of the
    page. Where the outer rows are already narrowed by an indexed column (a referral's
    agency), probing each is what keeps a page flat from 10,000 to 1,000,000 cases.
    `OFFSET 0` is how: PostgreSQL neither pulls such a subquery up into a join nor
    hashes it. Same rows as `Exists`.
    """

    # Exists ends its subquery with LIMIT 1, which OFFSET may follow.
    template = "EXISTS(%(subquery)s OFFSET 0)"


class AmongIds(models.Func):
    """True when `column` is among the ids a subquery selects. On PostgreSQL the ids are
    read once, into an array (`column = ANY(ARRAY(ids))`), and the column's index is
    walked once per id, however big the table (issue 12).

    For id sets small by construction (a caseworker's own cases, the people of those).
    As `IN (subquery)`, PostgreSQL may turn the test into a join and, tempted by a LIMIT,
    rescan the whole id list for every row of a big table; an OR of EXISTS probes walks
    the whole table for the few rows that match. A query that picks its rows by key
    (a record's page, a page of ranked search results) tests the ids for those rows
    alone, as an EXISTS correlated to the row. Elsewhere (SQLite) it is always that EXISTS:
    the same rows.
    """

    output_field = models.BooleanField()
    conditional = True

    def __init__(self, column: str, ids: QuerySet[Any]) -> None:
        super().__init__(models.F(column), models.Subquery(ids))

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra: Any) -> Any:
        column, ids = self.get_source_expressions()
        column_sql, column_params = compiler.compile(column)
        ids_sql, ids_params = compiler.compile(ids)  # parenthesised
        selected = connection.ops.quote_name(ids.query.values_select[0])
        sql = f'EXISTS(SELECT 1 FROM {ids_sql} AS "ids" WHERE "ids".{selected} = {column_sql})'  # noqa: S608
        return sql, (*ids_params, *column_params)

    def as_postgresql(self, compiler: Any, connection: Any, *args: Any, **extra: Any) -> Any:
        if _picks_by_key(compiler.query):
            # A lookup of a record (or of a few) by key: the ids are tested for those rows
            # alone, PostgreSQL pushing the key into each branch of the ids' subquery. Read
            # whole, a caseworker's people cost a detail page 5.5 ms (5,897 buffers) to
            # check one person; tested for it, 0.2 ms (15 buffers). Same rows either way.
            return self.as_sql(compiler, connection, *args, **extra)
        column, ids = self.get_source_expressions()
        column_sql, column_params = compiler.compile(column)
        ids_sql, ids_params = compiler.compile(ids)
        return f"{column_sql} = ANY(ARRAY{ids_sql})", (*column_params, *ids_params)


# A query picking its rows by a literal list of at most this many keys is a lookup.
KEYS_OF_A_LOOKUP = 200


def _picks_by_key(query: Any) -> bool:
    """Whether the query keeps only rows of its own table whose primary key is a given
    value or among a short literal list (`get(pk=…)`, `filter(pk__in=[…])`), whatever else
    it asks: then its rows are a handful, whatever the size of the table."""

    def by_key(node: Any) -> bool:
        if isinstance(node, WhereNode):
            return node.connector == AND and not node.negated and any(map(by_key, node.children))
        if not isinstance(node, Exact | In) or not isinstance(node.lhs, Col):
            return False
        if node.lhs.alias != query.base_table or not node.lhs.target.primary_key:
            return False
        if isinstance(node, Exact):
            return not hasattr(node.rhs, "resolve_expression")
        return isinstance(node.rhs, list | tuple | set | frozenset) and (
            len(node.rhs) <= KEYS_OF_A_LOOKUP
        )

    return by_key(query.where)


# A list counts at most this many rows; beyond it the page says "more than COUNT_CAP"
# and offers its first COUNT_CAP / page size pages (40 of 25): past those, the filters
# find a row sooner than paging (GitHub's search stops at 1,000 results too). Counting a
# row can mean probing its case (referrals, services), so the cap is what an unfiltered
# national list costs: 2,000 probes took an agency admin's referral list 17 ms of its 46
# (issue 12).
COUNT_CAP = 1_000


def in_order(ids: list[Any], rows: Iterable[Any]) -> list[Any]:
    """The rows of these ids, in the order of the ids: the second step of a late read,
    whose first step took the ids of the rows to show, in order, from the scoped
    queryset. The rows are then read by key (`rows_by_id`) without the scope's filters:
    applied again to a few ids, they led PostgreSQL to a plan forty times slower."""
    found = {row.pk: row for row in rows}
    return [found[pk] for pk in ids if pk in found]


def count_up_to(queryset: QuerySet, cap: int, *, order: CountOrder | None = None) -> int:
    """The number of rows, counted only up to cap + 1 (so "more than cap" can be said).

    Counts the ids of at most cap + 1 rows: PostgreSQL stops there instead of counting
    every row of a big agency. Unordered, PostgreSQL picks the way; a panel's fixed rule
    (overdue services, expiring permits) has its own index for it. `order="newest"` (the
    lists, CappedPaginator) counts in id order, newest first: rows come in over time, so
    the filters readers choose most (a recent intake, this year's reference numbers) find
    theirs at the top of the key. Unordered, a list filtered on this year's intakes was
    counted through a merge join by person that read 810,000 cases to find 1,001 (506 ms
    at a million cases; 41 ms newest first). A panel's overdue services counted newest
    first read 540 ms of services that are not overdue: hence the choice per caller.
    `order="listed"` keeps the list's own order (FilterSet.counts_in_list_order): the
    count then reads what the list's last page reads. Newest first, the task list filtered
    on last month's intakes probed 10,000 tasks' cases to sort them by id (33 ms at a
    million cases, of a 60 ms page).
    """
    if order == "listed":
        return queryset.values("pk")[: cap + 1].count()
    orders = {"newest": ("-pk",), None: ()}
    return queryset.order_by(*orders[order]).values("pk")[: cap + 1].count()


class CappedPaginator(Paginator):
    """Django's paginator with a count that stops at `cap` rows.

    `count` is exact up to the cap (a filtered list, a caseworker's cases); above it
    `count` is the cap, `capped` is true and the pages stop at the cap's last page
    (next/previous and page numbers still work within it). The count reads the ids of
    at most cap + 1 rows (count_up_to): PostgreSQL stops there instead of counting the
    agency's whole caseload.
    """

    def __init__(
        self,
        object_list,
        per_page: int,
        cap: int = COUNT_CAP,
        *,
        rows_by_id: Callable[[list[Any]], Iterable[Any]] | None = None,
        count_order: CountOrder = "newest",
    ) -> None:
        super().__init__(object_list, per_page)
        self.cap = cap
        self.rows_by_id = rows_by_id
        self.count_order = count_order

    def page(self, number: Any) -> Page:
        """With `rows_by_id`, a page of a QuerySet is read late (`in_order`): the ids of
        its rows in order (only the tables its filters and order need), then those rows
        by key with their joins. Sorting a caseworker's 900 tasks then joins 25 cases,
        people and assignees instead of 900 (issue 12)."""
        if self.rows_by_id is None or not isinstance(self.object_list, QuerySet):
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if self._listed_ids is not None:
            ids = self._listed_ids[bottom:top]
        else:
            ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        return Page(in_order(ids, self.rows_by_id(ids)) if ids else [], number, self)

    @cached_property
    def _listed_ids(self) -> list[Any] | None:
        """For a list counted in its own order and read late: the ids of its first
        cap + 1 rows in that order, read once. The count is their number and every page's
        ids are a slice of them (the pages stop at the cap): one walk, where the count and
        the page each walked the list (a referral queue's page 40 walked its first 1,000
        rows twice). None for any other list."""
        if (
            self.count_order != "listed"
            or self.rows_by_id is None
            or not isinstance(self.object_list, QuerySet)
        ):
            return None
        return list(self.object_list.values_list("pk", flat=True)[: self.cap + 1])

    @cached_property
    def total(self) -> int:
        """The number of rows, counted up to cap + 1."""
        if self._listed_ids is not None:
            return len(self._listed_ids)
        if isinstance(self.object_list, QuerySet):
            return count_up_to(self.object_list, self.cap, order=self.count_order)
        return len(self.object_list)

    @cached_property
    def capped(self) -> bool:
        """Whether there are more rows than the cap (the count says "more than")."""
        return self.total > self.cap

    @cached_property
    def count(self) -> int:
        return min(self.total, self.cap)


def paginate(
    request: HttpRequest,
    rows: QuerySet | FilterSet,
    per_page: int | None = None,
    *,
    rows_by_id: Callable[[list[Any]], Iterable[Any]] | None = None,
    count_order: CountOrder | None = None,
) -> Page:
    """The requested page of a list, counted up to COUNT_CAP rows (CappedPaginator;
    `rows_by_id` for a list whose rows join several tables). Given a FilterSet, its rows,
    counted the way the FilterSet says (FilterSet.count_order); a QuerySet newest first
    unless `count_order` says otherwise."""
    if count_order is None:
        count_order = rows.count_order if isinstance(rows, FilterSet) else "newest"
    queryset = rows.qs if isinstance(rows, FilterSet) else rows
    paginator = CappedPaginator(
        queryset,
        per_page or settings.HARBOR_PAGE_SIZE,
        cap=COUNT_CAP,
        rows_by_id=rows_by_id,
        count_order=count_order,
    )
    return paginator.get_page(request.GET.get("page"))
