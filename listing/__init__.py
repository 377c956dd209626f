"""The one way lists are built: an allow-listed FilterSet, then a page of it.

Filter and sort values outside the FilterSet's choices are a client error (400),
never silently ignored; the page number is clamped like Django's paginator does.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import BadRequest
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters import filters as django_filters_filters
from django_filters.filterset import FilterSet as BaseFilterSet


def _descending(label: str) -> str:
    return gettext("%s (descending)") % label


# Evaluated when the page renders, in the reader's language (not once, at import).
_descending_lazy = lazy(_descending, str)


class OrderingFilter(django_filters_filters.OrderingFilter):
    """Sort options whose labels, descending ones included, follow the reader's language."""

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
    """Every list's FilterSet: the empty choice of a dropdown reads "Any", not "---------"."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for filter_ in self.filters.values():
            if isinstance(
                filter_,
                django_filters_filters.ChoiceFilter | django_filters_filters.ModelChoiceFilter,
            ):
                filter_.extra["empty_label"] = _("Any")
                filter_.__dict__.pop("_field", None)


def filter_queryset(
    filterset_class: type[FilterSet], request: HttpRequest, queryset: QuerySet, **kwargs
) -> FilterSet:
    """Bind the request's query string to the FilterSet; 400 when a value is not allowed."""
    filterset = filterset_class(request.GET or None, queryset=queryset, request=request, **kwargs)
    if filterset.is_bound and not filterset.is_valid():
        raise BadRequest("Invalid filter: " + ", ".join(sorted(filterset.errors)))
    return filterset


def paginate(request: HttpRequest, queryset: QuerySet, per_page: int | None = None) -> Page:
    paginator = Paginator(queryset, per_page or settings.HARBOR_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))
