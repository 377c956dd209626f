from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("people/<int:pk>/erasure/", views.person_erasure_request, name="person_erasure_request"),
    path(
        "people/<int:pk>/subject-access/",
        views.person_subject_access,
        name="person_subject_access",
    ),
    path("erasures/", views.erasure_list, name="erasure_list"),
    path("erasures/<int:pk>/", views.erasure_decide, name="erasure_decide"),
]
