from django.urls import path

from accounts import audit_views as views

# The audit trail viewer keeps its own URL namespace: /audit/, `audit:event_list`.
app_name = "audit"

urlpatterns = [
    path("", views.event_list, name="event_list"),
]
