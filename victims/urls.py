from django.urls import path

from victims import views

app_name = "victims"

urlpatterns = [
    path("", views.person_list, name="person_list"),
    path("new/", views.person_create, name="person_create"),
    path("<int:pk>/", views.person_detail, name="person_detail"),
    path("<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("<int:pk>/delete/", views.person_archive, name="person_archive"),
    path("archived/", views.archive_list, name="archive_list"),
    path("archived/<int:pk>/restore/", views.person_restore, name="person_restore"),
    path("archived/cases/<int:pk>/restore/", views.case_restore, name="case_restore"),
    path(
        "archived/attachments/<int:pk>/restore/",
        views.attachment_restore,
        name="attachment_restore",
    ),
    path("<int:pk>/cases/new/", views.case_create, name="case_create"),
    path("<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("<int:pk>/photo/", views.person_photo, name="person_photo"),
    path("<int:pk>/photo/upload/", views.person_photo_upload, name="person_photo_upload"),
    path("<int:pk>/photo/remove/", views.person_photo_remove, name="person_photo_remove"),
    path("<int:pk>/consents/", views.consent_list, name="consent_list"),
    path("<int:pk>/consents/new/", views.consent_create, name="consent_create"),
    path("cases/<int:case_pk>/screenings/new/", views.screening_start, name="screening_start"),
    path("cases/<int:case_pk>/decisions/new/", views.decision_create, name="decision_create"),
    path("screenings/<int:pk>/", views.screening_detail, name="screening_detail"),
    path("screenings/<int:pk>/answers/", views.screening_answer, name="screening_answer"),
    path("screenings/<int:pk>/complete/", views.screening_complete, name="screening_complete"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision_detail"),
    path(
        "decisions/<int:pk>/review/", views.decision_review_request, name="decision_review_request"
    ),
    path(
        "decisions/<int:pk>/review-outcome/",
        views.decision_review_outcome,
        name="decision_review_outcome",
    ),
]
