from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from config import views

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("accounts/", include("accounts.urls")),
    path("audit/", include("accounts.audit_urls")),
    path("partners/", include("partners.urls")),
    path("partners/", include("cooperation.urls")),
    path("cases/", include("cases.urls")),
    path("victims/", include("victims.urls")),
    path("privacy/", include("privacy.urls")),
    path("search/", include("search.urls")),
    path("notifications/", include("notifications.urls")),
    path("reports/", include("reports.urls")),
]

handler500 = "config.views.server_error"
