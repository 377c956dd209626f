"""Where the current action comes from, without handing an HttpRequest to services.

`audit.middleware.RequestContextMiddleware` binds the client's address and user
agent for the length of each request; `audit.services.record_event` reads them from
here. Outside a request (a management command, a shell, a test) nothing is bound and
rows are written as the `system` channel; a command binds its own context with
`bound(RequestContext(channel=AuditEvent.Channel.COMMAND))`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

# Values of `AuditEvent.Channel`, spelled here so this module needs no model import.
WEB = "web"
SYSTEM = "system"

# Longer user agents are cut: the column holds 256 characters (`AuditEvent.user_agent`).
USER_AGENT_MAX_LENGTH = 256


@dataclass(frozen=True)
class RequestContext:
    """The origin of the current action: client address, user agent and audit channel."""

    ip: str | None = None
    user_agent: str = ""
    channel: str = SYSTEM


OUTSIDE_REQUEST = RequestContext()

_current: ContextVar[RequestContext] = ContextVar("harbor_audit_context", default=OUTSIDE_REQUEST)


def current() -> RequestContext:
    """The context bound for the running request or command (`OUTSIDE_REQUEST` if none)."""
    return _current.get()


@contextmanager
def bound(context: RequestContext) -> Iterator[RequestContext]:
    """Bind `context` for the duration of the `with` block, then restore the previous one."""
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)
