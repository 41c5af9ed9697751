from django.urls import path

from alerts import views
from errorhub.http import by_method
from errorhub.responses import legacy_error

FIVEXX, CRASHED, RELEASE, MEMORY = ({"kind": kind} for kind in ("5xx", "crashed", "release", "memory"))

write = by_method(legacy_error, POST=views.task_create, PATCH=views.task_update)
detail = by_method(legacy_error, GET=views.task_get, DELETE=views.task_delete)
listing = by_method(legacy_error, GET=views.task_list)
state = by_method(legacy_error, GET=views.task_state)

urlpatterns = [
    path("task/5xx", write, FIVEXX),
    path("task/5xx/<str:app>", detail, FIVEXX),
    path("task/5xx/<str:app>/state", state, FIVEXX),
    path("tasks/5xx", listing, FIVEXX),
    path("task/crashed", write, CRASHED),
    path("task/crashed/<str:app>", detail, CRASHED),
    path("tasks/crashed", listing, CRASHED),
    path("task/release", write, RELEASE),
    path("task/release/<str:app>", detail, RELEASE),
    path("tasks/release", listing, RELEASE),
    path("task/memory", write, MEMORY),
    # The original's two spellings: GET under plural `tasks`, DELETE under singular `task`;
    # each answers both methods here.
    path("task/memory/<str:app>/<str:dyno>", detail, MEMORY),
    path("tasks/memory", listing, MEMORY),
    path("tasks/memory/<str:app>", listing, MEMORY),
    path("tasks/memory/<str:app>/<str:dyno>", detail, MEMORY),
]
