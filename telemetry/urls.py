"""Web pages of the telemetry app."""

from __future__ import annotations

from django.urls import path

from telemetry import views

app_name = "telemetry"

urlpatterns = [
    path("data/", views.csv_current, name="csv"),
    path("homes/<int:home_id>/data/", views.csv_page, name="home-csv"),
    path("homes/<int:home_id>/data/import/", views.csv_import, name="csv-import"),
    path("homes/<int:home_id>/data/imports/<str:job_id>/", views.csv_import_progress, name="csv-import-progress"),
    path("homes/<int:home_id>/data/export/", views.csv_export, name="csv-export"),
]
