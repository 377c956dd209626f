from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("statistics/", views.statistics_page, name="statistics"),
    path(
        "statistics/export.<str:fmt>",
        views.statistics_export,
        name="statistics_export",
    ),
    path("national/", views.national_page, name="national"),
    path("national/export.<str:fmt>", views.national_export, name="national_export"),
]
