import logging
from collections.abc import Callable

import psycopg
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)


class NoStoreMiddleware:
    """Tell browsers and proxies never to keep a page shown to a logged-in user.

    Such pages carry case data; a shared computer's back button or a proxy cache
    must not bring them back.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


def _is_query_canceled(error: BaseException) -> bool:
    """A statement stopped by statement_timeout (or pg_cancel_backend), as Django raises it."""
    return isinstance(error, OperationalError) and isinstance(
        error.__cause__, psycopg.errors.QueryCanceled
    )


class QueryCanceledMiddleware:
    """Answer a request whose query outran HARBOR_STATEMENT_TIMEOUT_MS with a plain 503.

    PostgreSQL cancels the statement (config.settings sets statement_timeout per web
    connection), so the worker is free again at once; the transaction the view was in
    rolls back. The user sees "try again shortly", not an error page, and the log gets a
    warning naming the path (never parameters or values), not an error with a traceback.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not _is_query_canceled(exception):
            return None
        logger.warning("Statement timeout: %s %s answered 503", request.method, request.path)
        response = HttpResponse(
            loader.render_to_string("503.html"), status=503, content_type="text/html"
        )
        response["Retry-After"] = "30"
        add_never_cache_headers(response)
        return response
