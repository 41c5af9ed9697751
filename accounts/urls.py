from django.urls import path

from accounts import views

urlpatterns = [
    path("api/auth/register", views.register),
    path("api/auth/login", views.login),
    path("api/auth/me", views.me),
    path("api/apps", views.apps),
]
