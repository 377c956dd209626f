from django.http import HttpResponse
from django.shortcuts import render

from access import allowed
from accounts.audit_filters import AuditEventFilter
from accounts.http import AuthenticatedHttpRequest
from audit.models import AuditEvent
from listing import filter_queryset, paginate
from policy import READS_AUDIT


@allowed(READS_AUDIT)
def event_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The agency's audit trail, newest first; only its agency admins may read it."""
    events = AuditEvent.objects.readable_by(request.user).select_related("actor")
    filterset = filter_queryset(AuditEventFilter, request, events)
    page = paginate(request, filterset.qs)
    return render(request, "audit/auditevent_list.html", {"filter": filterset, "page": page})
