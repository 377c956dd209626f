from django.urls import path

from partners import views

app_name = "partners"

urlpatterns = [
    path("agencies/", views.agency_list, name="agency_list"),
    path("agencies/new/", views.agency_create, name="agency_create"),
    path("agencies/<int:pk>/", views.agency_detail, name="agency_detail"),
    path("agencies/<int:pk>/edit/", views.agency_edit, name="agency_edit"),
    path("agencies/<int:pk>/active/", views.agency_set_active, name="agency_set_active"),
    path("referrals/", views.referral_list, name="referral_list"),
    path("cases/<int:case_pk>/refer/", views.referral_create, name="referral_create"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral_detail"),
    path("referrals/<int:pk>/accept/", views.referral_accept, name="referral_accept"),
    path("referrals/<int:pk>/decline/", views.referral_decline, name="referral_decline"),
    path("referrals/<int:pk>/close/", views.referral_close, name="referral_close"),
    path("referrals/<int:pk>/revoke/", views.referral_revoke, name="referral_revoke"),
    path("referrals/<int:pk>/updates/", views.referral_update_add, name="referral_update_add"),
    path("mla/", views.mla_list, name="mla_list"),
    path("mla/new/", views.mla_create, name="mla_create"),
    path("mla/<int:pk>/", views.mla_detail, name="mla_detail"),
    path("mla/<int:pk>/edit/", views.mla_edit, name="mla_edit"),
    path("activities/", views.activity_list, name="activity_list"),
    path("activities/new/", views.activity_create, name="activity_create"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("agreements/", views.agreement_list, name="agreement_list"),
    path("agreements/new/", views.agreement_create, name="agreement_create"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/edit/", views.agreement_edit, name="agreement_edit"),
]
