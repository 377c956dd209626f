from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("my-work/", views.my_work, name="my_work"),
    path("tasks/", views.task_list, name="task_list"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/timeline/", views.case_timeline, name="timeline"),
    path("<int:pk>/edit/", views.case_edit, name="edit"),
    path("<int:pk>/assign/", views.case_assign, name="assign"),
    path("<int:pk>/tracks/", views.case_transition, name="transition"),
    path("<int:pk>/closure/request/", views.closure_request, name="closure_request"),
    path("<int:pk>/closure/approve/", views.closure_approve, name="closure_approve"),
    path("<int:pk>/closure/return/", views.closure_return, name="closure_return"),
    path("<int:pk>/reopen/", views.case_reopen, name="reopen"),
    path("<int:pk>/delete/", views.case_archive, name="archive"),
    path("<int:pk>/notes/", views.note_add, name="note_add"),
    path("<int:pk>/tasks/", views.task_add, name="task_add"),
    path("<int:pk>/tasks/<int:task_pk>/status/", views.task_status, name="task_status"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/delete/",
        views.attachment_archive,
        name="attachment_archive",
    ),
    path("<int:pk>/proceedings/new/", views.proceeding_create, name="proceeding_create"),
    path(
        "<int:pk>/proceedings/<int:proceeding_pk>/edit/",
        views.proceeding_edit,
        name="proceeding_edit",
    ),
    path(
        "<int:pk>/proceedings/<int:proceeding_pk>/defendants/",
        views.defendant_add,
        name="defendant_add",
    ),
    path(
        "<int:pk>/proceedings/<int:proceeding_pk>/defendants/<int:defendant_pk>/",
        views.defendant_edit,
        name="defendant_edit",
    ),
    path(
        "<int:pk>/proceedings/<int:proceeding_pk>/hearings/",
        views.hearing_add,
        name="hearing_add",
    ),
    path("<int:pk>/proceedings/link/", views.proceeding_link, name="proceeding_link"),
    path(
        "<int:pk>/proceedings/<int:proceeding_pk>/unlink/",
        views.proceeding_unlink,
        name="proceeding_unlink",
    ),
    path(
        "<int:pk>/proceedings/<int:proceeding_pk>/stage/",
        views.proceeding_stage,
        name="proceeding_stage",
    ),
    path(
        "<int:pk>/proceedings/<int:proceeding_pk>/defendants/<int:defendant_pk>/charges/",
        views.charge_add,
        name="charge_add",
    ),
    path(
        "<int:pk>/proceedings/<int:proceeding_pk>/charges/<int:charge_pk>/outcome/",
        views.charge_outcome,
        name="charge_outcome",
    ),
    path(
        "<int:pk>/proceedings/<int:proceeding_pk>/measures/<int:measure_pk>/",
        views.measure_decide,
        name="measure_decide",
    ),
    path("<int:pk>/services/new/", views.service_create, name="service_create"),
    path("<int:pk>/services/<int:service_pk>/edit/", views.service_edit, name="service_edit"),
    path(
        "<int:pk>/services/<int:service_pk>/status/",
        views.service_transition,
        name="service_transition",
    ),
    path("<int:pk>/exposures/new/", views.exposure_create, name="exposure_create"),
    path("<int:pk>/exposures/<int:exposure_pk>/edit/", views.exposure_edit, name="exposure_edit"),
    path("<int:pk>/exposures/<int:exposure_pk>/", views.exposure_detail, name="exposure_detail"),
    path(
        "<int:pk>/exposures/<int:exposure_pk>/charges/",
        views.exposure_charge_add,
        name="exposure_charge_add",
    ),
    path(
        "<int:pk>/exposures/<int:exposure_pk>/stage/", views.exposure_stage, name="exposure_stage"
    ),
    path(
        "<int:pk>/exposures/<int:exposure_pk>/decision/",
        views.exposure_decision,
        name="exposure_decision",
    ),
]
