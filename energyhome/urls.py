from django.contrib import admin
from django.urls import include, path

from energyhome import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("energyhome.api_urls")),
    # The mobile app's sign-up, log-in, tokens, email, password and TOTP (allauth headless).
    path("_allauth/", include("allauth.headless.urls")),
    path("", include("accounts.urls")),
    path("", include("telemetry.urls")),
    path("", include("devices.urls")),
    path("", include("analytics.urls")),
    path("", include("analytics.cost_urls")),
    path("", include("analytics.insight_urls")),
    path("", include("assistant.urls")),
    path("admin/", admin.site.urls),
]
