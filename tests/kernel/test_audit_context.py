"""audit: every row knows where the action came from, without services taking a request."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from audit.context import OUTSIDE_REQUEST, RequestContext, bound, current
from audit.middleware import RequestContextMiddleware
from audit.models import AuditEvent
from audit.services import record_event, record_out_of_scope, record_view
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

MIDDLEWARE_PATH = "audit.middleware.RequestContextMiddleware"


# --- the context -------------------------------------------------------------------------


def test_outside_a_request_the_context_is_the_system_channel():
    assert current() == OUTSIDE_REQUEST
    assert (current().ip, current().user_agent, current().channel) == (None, "", "system")


def test_bound_context_holds_inside_the_block_and_is_restored_after():
    command = RequestContext(channel=AuditEvent.Channel.COMMAND)
    web = RequestContext(ip="198.51.100.7", user_agent="Firefox", channel="web")
    with bound(command):
        assert current() is command
        with bound(web):
            assert current() is web
        assert current() is command
    assert current() == OUTSIDE_REQUEST


def test_bound_context_is_restored_when_the_block_raises():
    with pytest.raises(RuntimeError), bound(RequestContext(ip="198.51.100.7")):
        raise RuntimeError
    assert current() == OUTSIDE_REQUEST


# --- the middleware ----------------------------------------------------------------------


def _view_that_audits(actor):
    def view(request: HttpRequest) -> HttpResponse:
        record_event(actor=actor, action=AuditEvent.Action.VIEW, target=actor)
        return HttpResponse()

    return view


def test_middleware_gives_every_row_of_the_request_its_address_and_user_agent(caseworker):
    middleware = RequestContextMiddleware(_view_that_audits(caseworker))
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Mozilla/5.0")
    middleware(request)
    event = AuditEvent.objects.get()
    assert (event.ip_address, event.user_agent, event.channel) == (
        "203.0.113.9",
        "Mozilla/5.0",
        AuditEvent.Channel.WEB,
    )
    assert current() == OUTSIDE_REQUEST


def test_middleware_cuts_an_overlong_user_agent(caseworker):
    middleware = RequestContextMiddleware(_view_that_audits(caseworker))
    middleware(RequestFactory().get("/", HTTP_USER_AGENT="x" * 5000))
    assert AuditEvent.objects.get().user_agent == "x" * 256


def test_middleware_unbinds_the_context_when_the_view_raises():
    def broken(request: HttpRequest) -> HttpResponse:
        raise RuntimeError

    with pytest.raises(RuntimeError):
        RequestContextMiddleware(broken)(RequestFactory().get("/", REMOTE_ADDR="203.0.113.9"))
    assert current() == OUTSIDE_REQUEST


def test_reading_a_case_page_records_the_readers_address(settings, login, agency_a, caseworker):
    if MIDDLEWARE_PATH not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [settings.MIDDLEWARE[0], MIDDLEWARE_PATH, *settings.MIDDLEWARE[1:]]
    case = CaseFactory(agency=agency_a, created_by=caseworker, caseworkers=[caseworker])
    client = login(caseworker)
    response = client.get(
        reverse("cases:detail", args=[case.pk]),
        REMOTE_ADDR="203.0.113.9",
        HTTP_USER_AGENT="Mozilla/5.0 (harbor test)",
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditEvent.Action.VIEW)
    assert (event.ip_address, event.user_agent) == ("203.0.113.9", "Mozilla/5.0 (harbor test)")


# --- the services ------------------------------------------------------------------------


def test_rows_written_outside_a_request_have_no_address(caseworker):
    event = record_event(actor=caseworker, action=AuditEvent.Action.VIEW, target=caseworker)
    assert (event.ip_address, event.user_agent, event.channel) == (None, "", "system")


def test_an_explicit_channel_wins_over_the_context(caseworker):
    with bound(RequestContext(ip="203.0.113.9", channel="web")):
        event = record_event(
            actor=caseworker,
            action=AuditEvent.Action.EXPORT,
            object_type="reports.export",
            channel=AuditEvent.Channel.EXPORT,
        )
    assert (event.channel, event.ip_address) == ("export", "203.0.113.9")


def test_a_command_binds_its_own_channel(caseworker):
    with bound(RequestContext(channel=AuditEvent.Channel.COMMAND)):
        event = record_event(actor=caseworker, action=AuditEvent.Action.CREATE, target=caseworker)
    assert event.channel == "command"


def test_agency_can_be_named_for_a_row_without_a_known_actor(agency_a):
    event = record_event(actor=None, action=AuditEvent.Action.LOGIN_FAILED, agency_id=agency_a.pk)
    assert (event.actor, event.agency_id, event.role) == (None, agency_a.pk, "")


def test_record_view_takes_the_user(caseworker, agency_a):
    event = record_view(caseworker, agency_a)
    assert (event.action, event.actor, event.object_type, event.object_id) == (
        "view",
        caseworker,
        "partners.agency",
        str(agency_a.pk),
    )


def test_record_out_of_scope_names_the_refused_record(outsider):
    event = record_out_of_scope(outsider, "cases.case", "42")
    assert (event.action, event.actor, event.object_type, event.object_id) == (
        AuditEvent.Action.OUT_OF_SCOPE,
        outsider,
        "cases.case",
        "42",
    )
    assert event.agency_id == outsider.agency_id


# --- the model and the viewer ------------------------------------------------------------


def test_only_holders_of_reads_audit_read_their_own_agencys_trail(
    agency_admin, supervisor, caseworker, outsider, outsider_admin, platform_admin
):
    mine = record_event(actor=caseworker, action=AuditEvent.Action.VIEW, target=caseworker)
    record_event(actor=outsider, action=AuditEvent.Action.VIEW, target=outsider)
    assert list(AuditEvent.objects.readable_by(agency_admin)) == [mine]
    for reader in (supervisor, caseworker, platform_admin):
        assert not AuditEvent.objects.readable_by(reader).exists()


def test_role_label_is_the_policys_label(caseworker):
    event = record_event(actor=caseworker, action=AuditEvent.Action.VIEW, target=caseworker)
    assert event.role_label == "Caseworker"


def test_the_viewer_offers_only_the_readers_agency_staff(
    login, agency_admin, caseworker, supervisor, outsider
):
    response = login(agency_admin).get(reverse("audit:event_list"))
    assert response.status_code == 200
    offered = set(response.context["filter"].form.fields["actor"].queryset)
    assert offered == {agency_admin, caseworker, supervisor}


@pytest.mark.parametrize("persona", ["caseworker", "supervisor", "platform_admin"])
def test_the_viewer_refuses_roles_without_reads_audit(request, login, persona):
    user = request.getfixturevalue(persona)
    assert login(user).get(reverse("audit:event_list")).status_code == 403
