from base64 import b64encode

import qrcode
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.util import random_hex
from qrcode.image.svg import SvgPathImage

from access import allowed, get_visible_or_404
from accounts import services
from accounts.filters import StaffFilter
from accounts.forms import LoginForm, SecondFactorCodeForm, StaffCreateForm, StaffEditForm
from accounts.http import AuthenticatedHttpRequest
from accounts.models import TOTPDevice, User
from audit.models import AuditEvent
from audit.services import record_event
from listing import filter_queryset, paginate
from locking.views import save_or_stale
from policy import MANAGES_STAFF


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@allowed(MANAGES_STAFF)
def staff_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    scope = User.objects.manageable_by(request.user).select_related("agency")
    filterset = filter_queryset(StaffFilter, request, scope)
    page = paginate(request, filterset)
    return render(request, "accounts/user_list.html", {"filter": filterset, "page": page})


@allowed(MANAGES_STAFF)
def staff_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = StaffCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        user = services.create_staff_account(
            actor=request.user,
            base_url=request.build_absolute_uri("/").rstrip("/"),
            **form.cleaned_data,
        )
        messages.success(
            request,
            _("Account created. An email to set a password was sent to %(email)s.")
            % {"email": user.email},
        )
        return redirect("accounts:staff_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form})


@allowed(MANAGES_STAFF)
def staff_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    staff = get_visible_or_404(
        User, request.user, queryset=User.objects.select_related("agency"), pk=pk
    )
    has_second_factor = TOTPDevice.objects.filter(user=staff, confirmed=True).exists()
    context = {"staff": staff, "has_second_factor": has_second_factor}
    return render(request, "accounts/user_detail.html", context)


@allowed(MANAGES_STAFF)
def staff_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    staff = get_visible_or_404(User, request.user, pk=pk)
    form = StaffEditForm(request.POST or None, actor=request.user, target=staff)
    if form.is_valid() and save_or_stale(
        request,
        form,
        services.update_staff_account,
        staff,
        full_name=form.cleaned_data["full_name"],
        role=form.cleaned_data["role"],
        saved=_("Account saved."),
    ):
        return redirect("accounts:staff_detail", pk=staff.pk)
    return render(request, "accounts/user_form.html", {"form": form, "staff": staff})


@require_POST
@allowed(MANAGES_STAFF)
def staff_set_active(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    staff = get_visible_or_404(User, request.user, pk=pk)
    active = request.POST.get("active") == "1"
    if staff == request.user and not active:
        messages.error(request, _("You cannot deactivate your own account."))
    else:
        services.set_staff_active(staff, actor=request.user, active=active)
        messages.success(
            request,
            _("Account reactivated.")
            if active
            else _("Account deactivated; its sessions have ended."),
        )
    return redirect("accounts:staff_detail", pk=staff.pk)


@require_POST
@allowed(MANAGES_STAFF)
def staff_make_default_supervisor(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    staff = get_visible_or_404(User, request.user, pk=pk)
    try:
        services.make_default_supervisor(staff, actor=request.user)
    except ValueError:
        messages.error(request, _("Only an active supervisor can take new cases by default."))
    else:
        messages.success(request, _("New cases of the agency now get this supervisor."))
    return redirect("accounts:staff_detail", pk=staff.pk)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    request: AuthenticatedHttpRequest

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            record_event(
                actor=self.request.user,
                action=AuditEvent.Action.PASSWORD_CHANGE,
                target=self.request.user,
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
            )
        return response


# --- Second factor ----------------------------------------------------------------

PENDING_SECRET_KEY = "harbor_pending_totp_secret"  # noqa: S105 (a session key name)


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url("home")


def _qr_data_uri(text: str) -> str:
    image = qrcode.make(text, image_factory=SvgPathImage, box_size=8)
    return "data:image/svg+xml;base64," + b64encode(image.to_string()).decode()


def mfa_setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan, then prove it works with one code."""
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        messages.info(request, _("Your authenticator app is already set up."))
        return redirect(_next_url(request))
    secret = request.session.get(PENDING_SECRET_KEY) or random_hex(20)
    request.session[PENDING_SECRET_KEY] = secret
    device = TOTPDevice.new_for(request.user)
    device.secret = secret
    form = SecondFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        step = device.matching_step(form.cleaned_data["code"])
        if step is None:
            form.add_error("code", _("That code is not valid. Check the app and try again."))
        else:
            services.enrol_second_factor(device, step=step)
            del request.session[PENDING_SECRET_KEY]
            otp_login(request, device)
            messages.success(
                request, _("Authenticator app set up. Harbor will ask for a code at each sign-in.")
            )
            return redirect(_next_url(request))
    context = {
        "form": form,
        "qr": _qr_data_uri(device.config_url()),
        "secret": device.base32_secret,
        "next": _next_url(request),
    }
    return render(request, "accounts/mfa_setup.html", context, status=400 if form.errors else 200)


def mfa_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Ask for a code from the enrolled app; each code works once, guesses are throttled."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        return redirect(f"{resolve_url('accounts:mfa_setup')}?next={_next_url(request)}")
    form = SecondFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        may_try, _details = device.verify_is_allowed()
        if device.verify_token(form.cleaned_data["code"]):
            otp_login(request, device)
            return redirect(_next_url(request))
        record_event(
            actor=request.user,
            action=AuditEvent.Action.MFA_FAILED,
            target=request.user,
        )
        form.add_error(
            "code",
            _("That code is not valid. Check the app and try again.")
            if may_try
            else _("Too many wrong codes. Wait a minute, then try again."),
        )
    status = 400 if form.errors else 200
    return render(
        request,
        "accounts/mfa_verify.html",
        {"form": form, "next": _next_url(request)},
        status=status,
    )


@require_POST
@allowed(MANAGES_STAFF)
def staff_mfa_reset(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    staff = get_visible_or_404(User, request.user, pk=pk)
    services.reset_second_factor(staff, actor=request.user)
    messages.success(
        request,
        _("%(name)s's authenticator app was removed; they will set up a new one at next sign-in.")
        % {"name": staff.full_name},
    )
    return redirect("accounts:staff_detail", pk=staff.pk)
