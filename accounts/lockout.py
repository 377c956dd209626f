"""Login lockout: failures counted per account, however its address is spelled, and per address.

django-axes counts failures under the username exactly as typed, while login matches the
email case-insensitively: counted that way, `SUPERVISOR@…` and `Supervisor@…` would each
get their own five guesses, and a locked account would open under another spelling. So
axes is given one identity per account (`normalised_login`, also what the login form
passes to `authenticate`), and this handler counts two things in the cool-off window:

- failures against one identity, from anywhere: AXES_FAILURE_LIMIT (5) locks that account;
- failures from one client address, against any identities: HARBOR_LOCKOUT_ADDRESS_FAILURES
  (higher, so one office behind a NAT is not locked out by a few typos) locks that address.

A successful login clears only its own identity's failures, never the address's: an
attacker who owns one account cannot wipe the count of guesses made at another.
The client address is REMOTE_ADDR, as in the audit trail.

Where the two counts are kept depends on the deployment (settings.AXES_HANDLER): in the
database (`LockoutHandler`, axes' AccessAttempt rows) by default, and in Redis through
the cache (`CachedLockoutHandler`) when REDIS_URL is set, shared by every app server.
Both read the counts into `counted_failures`, the rule's one home.
"""

from __future__ import annotations

import hashlib
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.cache import AxesCacheHandler
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cache_timeout, get_client_username, get_credentials, get_failure_limit
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import HttpRequest


def normalised_login(value: str | None) -> str:
    """The one spelling of a login name: trimmed and case-folded."""
    return (value or "").strip().casefold()


def lockout_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """AXES_USERNAME_CALLABLE: the identity axes counts failures under (None if none typed)."""
    field = settings.AXES_USERNAME_FORM_FIELD
    typed = credentials.get(field) if credentials else None
    if typed is None and request is not None:
        typed = getattr(request, "data", request.POST).get(field)
    return normalised_login(typed) or None


def _failures(attempts: QuerySet[AccessAttempt]) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def counted_failures(
    request: HttpRequest,
    credentials: dict[str, Any] | None,
    *,
    by_identity: int,
    by_address: int,
) -> int:
    """What axes compares with AXES_FAILURE_LIMIT: the identity's failures in the cool-off
    window, raised to the limit once the client address is over its own (higher) limit."""
    if by_address >= settings.HARBOR_LOCKOUT_ADDRESS_FAILURES:
        return max(by_identity, get_failure_limit(request, credentials))
    return by_identity


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler, with separate limits per identity and per client address."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """Failures of this identity; at least the limit once the address is over its own."""
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        username = get_client_username(request, credentials)
        return counted_failures(
            request,
            credentials,
            by_identity=_failures(recent.filter(username=username)) if username else 0,
            by_address=_failures(recent.filter(ip_address=request.axes_ip_address)),  # type: ignore[attr-defined]
        )

    def reset_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> int:
        """After a successful login: forget this identity's failures, and only those."""
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def identity_key(username: str) -> str:
    """The cache key of an identity's failures: a digest, never the address itself."""
    return "harbor-lockout:identity:" + hashlib.sha256(username.encode()).hexdigest()


def address_key(ip_address: str | None) -> str:
    return f"harbor-lockout:address:{ip_address or ''}"


class CachedLockoutHandler(AxesCacheHandler):
    """The same two counts in the cache: Redis when REDIS_URL is set (settings), so that a
    lockout on one app server holds on every other.

    Each failure adds one to its identity's and its address's counter, and keeps both
    for the cool-off time after the last failure; a successful login deletes its own
    identity's counter only. Redis must keep them: the README's production section asks
    for persistence and no eviction.
    """

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        username = get_client_username(request, credentials)
        return counted_failures(
            request,
            credentials,
            by_identity=self.cache.get(identity_key(username), 0) if username else 0,
            by_address=self.cache.get(address_key(request.axes_ip_address), 0),  # type: ignore[attr-defined]
        )

    def _add_failure(self, key: str, timeout: int | None) -> None:
        if self.cache.add(key, 1, timeout):
            return
        try:
            self.cache.incr(key)
        except ValueError:  # expired between the two calls: this failure starts it again
            self.cache.add(key, 1, timeout)
        else:
            self.cache.touch(key, timeout)

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs
    ) -> None:
        """Count the failure under the identity and the address; lock out at the limit
        (as axes' own handlers do, lockout signal included)."""
        if request is None:
            return
        username = get_client_username(request, credentials)
        # A failure while locked out counts too (restarting the cool-off) unless settings
        # say otherwise; either way the lockout is announced again.
        counts = (
            not request.axes_locked_out  # type: ignore[attr-defined]
            or settings.AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT
        )
        if counts:
            if self.is_whitelisted(request, credentials):
                return
            timeout = get_cache_timeout(request)
            if username:
                self._add_failure(identity_key(username), timeout)
            self._add_failure(address_key(request.axes_ip_address), timeout)  # type: ignore[attr-defined]
            failures = self.get_failures(request, credentials)
            request.axes_failures_since_start = failures  # type: ignore[attr-defined]
            limit = get_failure_limit(request, credentials)
            if not settings.AXES_LOCK_OUT_AT_FAILURE or failures < limit:
                return
            request.axes_locked_out = True  # type: ignore[attr-defined]
        request.axes_credentials = credentials  # type: ignore[attr-defined]
        user_locked_out.send(
            "axes",
            request=request,
            username=username,
            ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
        )

    def user_logged_in(self, sender: Any, request: HttpRequest, user: Any, **kwargs) -> None:
        """After a successful login: forget this identity's failures, and only those."""
        if settings.AXES_RESET_ON_SUCCESS:
            username = get_client_username(request, get_credentials(user.get_username()))
            if username:
                self.cache.delete(identity_key(username))

    def reset_attempts(
        self,
        *,
        ip_address: str | None = None,
        username: str | None = None,
        ip_or_username: bool = False,
    ) -> int:
        """`axes_reset_username` / `axes_reset_ip`: forget an identity's or an address's
        failures (`username` as typed, under its one spelling)."""
        keys = []
        if username:
            keys.append(identity_key(normalised_login(username)))
        if ip_address:
            keys.append(address_key(ip_address))
        return sum(1 for key in keys if self.cache.delete(key))
