"""API routes for tariffs, price points, summaries and the energy balance (under /api/v1/)."""

from __future__ import annotations

from django.urls import include, path

from analytics import api

urlpatterns: list = [
    path("homes/<int:home_id>/tariffs/", api.TariffListView.as_view(), name="api-tariff-list"),
    path("homes/<int:home_id>/tariffs/<int:tariff_id>/", api.TariffDetailView.as_view(), name="api-tariff-detail"),
    path(
        "homes/<int:home_id>/tariffs/<int:tariff_id>/prices/",
        api.PricePointListView.as_view(),
        name="api-tariff-prices",
    ),
    path(
        "homes/<int:home_id>/tariffs/<int:tariff_id>/prices/csv/",
        api.PriceCsvView.as_view(),
        name="api-tariff-prices-csv",
    ),
    path("homes/<int:home_id>/summary/", api.SummaryView.as_view(), name="api-summary"),
    path("homes/<int:home_id>/balance/", api.BalanceView.as_view(), name="api-balance"),
    # Forecasts, anomalies, recommendations, alerts, alert rules and reports: analytics/insight_api.py.
    path("", include("analytics.insight_api_urls")),
]
