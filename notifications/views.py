from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access import allowed, get_visible_or_404
from accounts.http import AuthenticatedHttpRequest
from listing import paginate
from notifications import services
from notifications.forms import PreferenceForm
from notifications.models import Notification
from policy import RECEIVES_NOTIFICATIONS


@allowed(RECEIVES_NOTIFICATIONS)
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    notifications = Notification.objects.visible_to(request.user).select_related("case")
    page = paginate(request, notifications)
    return render(request, "notifications/notification_list.html", {"page": page})


@require_POST
@allowed(RECEIVES_NOTIFICATIONS, on=Notification)
def notification_read(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    notification = get_visible_or_404(Notification, request.user, pk=pk)
    services.mark_read(notification, actor=request.user)
    if request.POST.get("open"):
        return redirect(notification)
    return redirect("notifications:list")


@require_POST
@allowed(RECEIVES_NOTIFICATIONS)
def notification_read_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    count = services.mark_all_read(actor=request.user)
    messages.success(request, _("%(count)d notifications marked read.") % {"count": count})
    return redirect("notifications:list")


@allowed(RECEIVES_NOTIFICATIONS)
def preference_edit(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = PreferenceForm(request.POST or None, instance=services.preference_of(request.user))
    if request.method == "POST" and form.is_valid():
        services.save_preference(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Notification settings saved."))
        return redirect("notifications:list")
    return render(request, "notifications/preference_form.html", {"form": form})
