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
from django_filters import FilterSet


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
