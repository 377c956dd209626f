from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services
from accounts.filters import StaffFilter
from accounts.forms import LoginForm, StaffCreateForm, StaffEditForm
from accounts.models import User
from accounts.permissions import staff_managers_only
from audit.models import AuditEvent
from audit.services import record_event
from listing import filter_queryset, paginate
from locking import StaleEditError


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@staff_managers_only
def staff_list(request: HttpRequest) -> HttpResponse:
    scope = User.objects.manageable_by(request.user).select_related("agency")
    filterset = filter_queryset(StaffFilter, request, scope)
    page = paginate(request, filterset.qs)
    return render(request, "accounts/user_list.html", {"filter": filterset, "page": page})


@staff_managers_only
def staff_create(request: HttpRequest) -> HttpResponse:
    form = StaffCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        user = services.create_staff_account(
            actor=request.user, request=request, **form.cleaned_data
        )
        messages.success(
            request,
            _("Account created. An email to set a password was sent to %(email)s.")
            % {"email": user.email},
        )
        return redirect("accounts:staff_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form})


@staff_managers_only
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    staff = get_object_or_404(
        User.objects.manageable_by(request.user).select_related("agency"), pk=pk
    )
    return render(request, "accounts/user_detail.html", {"staff": staff})


@staff_managers_only
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    staff = get_object_or_404(User.objects.manageable_by(request.user), pk=pk)
    initial = {"full_name": staff.full_name, "role": staff.role, "version": staff.version}
    form = StaffEditForm(request.POST or None, initial=initial, actor=request.user, target=staff)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_staff_account(
                staff,
                actor=request.user,
                request=request,
                expected_version=form.cleaned_data["version"],
                full_name=form.cleaned_data["full_name"],
                role=form.cleaned_data["role"],
            )
        except StaleEditError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Account saved."))
            return redirect("accounts:staff_detail", pk=staff.pk)
    return render(request, "accounts/user_form.html", {"form": form, "staff": staff})


@require_POST
@staff_managers_only
def staff_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    staff = get_object_or_404(User.objects.manageable_by(request.user), pk=pk)
    active = request.POST.get("active") == "1"
    if staff == request.user and not active:
        messages.error(request, _("You cannot deactivate your own account."))
    else:
        services.set_staff_active(staff, actor=request.user, active=active, request=request)
        messages.success(
            request,
            _("Account reactivated.")
            if active
            else _("Account deactivated; its sessions have ended."),
        )
    return redirect("accounts:staff_detail", pk=staff.pk)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            record_event(
                actor=self.request.user,
                action=AuditEvent.Action.PASSWORD_CHANGE,
                target=self.request.user,
                request=self.request,
            )
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            record_event(
                actor=form.user,
                action=AuditEvent.Action.PASSWORD_RESET,
                target=form.user,
                request=self.request,
            )
        return response
