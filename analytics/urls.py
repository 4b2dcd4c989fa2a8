"""Web pages for history and analytics."""

from __future__ import annotations

from django.urls import path

from analytics import views

app_name = "analytics"

urlpatterns: list = [
    path("history/", views.history, name="history"),
]
