from django.urls import path

from cooperation import views

app_name = "cooperation"

urlpatterns = [
    path("referrals/", views.referral_list, name="referral_list"),
    path("cases/<int:case_pk>/refer/", views.referral_create, name="referral_create"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral_detail"),
    path("referrals/<int:pk>/accept/", views.referral_accept, name="referral_accept"),
    path("referrals/<int:pk>/decline/", views.referral_decline, name="referral_decline"),
    path("referrals/<int:pk>/close/", views.referral_close, name="referral_close"),
    path("referrals/<int:pk>/revoke/", views.referral_revoke, name="referral_revoke"),
    path("referrals/<int:pk>/updates/", views.referral_update_add, name="referral_update_add"),
    path(
        "referrals/<int:pk>/proceedings/<int:proceeding_pk>/link/",
        views.referral_link_proceeding,
        name="referral_link_proceeding",
    ),
    path("mla/", views.mla_list, name="mla_list"),
    path("mla/new/", views.mla_create, name="mla_create"),
    path("mla/<int:pk>/", views.mla_detail, name="mla_detail"),
    path("mla/<int:pk>/edit/", views.mla_edit, name="mla_edit"),
    path("mla/<int:pk>/status/", views.mla_transition, name="mla_transition"),
]
