from django.urls import path

from alerts import views

FIVEXX, CRASHED, RELEASE, MEMORY = ({"kind": kind} for kind in ("5xx", "crashed", "release", "memory"))

urlpatterns = [
    path("task/5xx", views.task_write, FIVEXX),
    path("task/5xx/<str:app>", views.task_detail, FIVEXX),
    path("task/5xx/<str:app>/state", views.task_state, FIVEXX),
    path("tasks/5xx", views.task_list, FIVEXX),
    path("task/crashed", views.task_write, CRASHED),
    path("task/crashed/<str:app>", views.task_detail, CRASHED),
    path("tasks/crashed", views.task_list, CRASHED),
    path("task/release", views.task_write, RELEASE),
    path("task/release/<str:app>", views.task_detail, RELEASE),
    path("tasks/release", views.task_list, RELEASE),
    path("task/memory", views.task_write, MEMORY),
    # The original's two spellings: GET under plural `tasks`, DELETE under singular `task`;
    # each answers both methods here.
    path("task/memory/<str:app>/<str:dyno>", views.task_detail, MEMORY),
    path("tasks/memory", views.task_list, MEMORY),
    path("tasks/memory/<str:app>", views.task_list, MEMORY),
    path("tasks/memory/<str:app>/<str:dyno>", views.task_detail, MEMORY),
]
