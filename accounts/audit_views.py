from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render

from access import allowed
from accounts.audit_filters import AuditEventFilter
from accounts.http import AuthenticatedHttpRequest
from audit.keyset import keyset_page
from audit.models import AuditEvent
from listing import filter_queryset
from policy import READS_AUDIT


@allowed(READS_AUDIT)
def event_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The agency's audit trail, newest first; only its agency admins may read it.

    Paged by keyset ("Older"/"Newer", audit.keyset), never counted: a page costs the
    same at the top of the trail and ten million rows down.
    """
    events = AuditEvent.objects.readable_by(request.user).select_related("actor")
    filterset = filter_queryset(AuditEventFilter, request, events)
    page = keyset_page(filterset.qs, request.GET, settings.HARBOR_PAGE_SIZE)
    return render(request, "audit/auditevent_list.html", {"filter": filterset, "page": page})
