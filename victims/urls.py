from django.urls import path  # noqa: F401

app_name = "victims"

urlpatterns: list = []
