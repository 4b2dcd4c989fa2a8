"""Web pages for tariffs, costs, energy balance and bill checks."""

from __future__ import annotations

from django.urls import path

from analytics import cost_views

app_name = "costs"

urlpatterns = [
    path("costs/", cost_views.costs_current, name="costs"),
    path("homes/<int:home_id>/costs/", cost_views.costs_page, name="home-costs"),
    path("homes/<int:home_id>/costs/bill-check/", cost_views.bill_check, name="bill-check"),
    path("homes/<int:home_id>/costs/flow/", cost_views.energy_flow_page, name="energy-flow"),
    path("homes/<int:home_id>/costs/period/", cost_views.period_cost, name="period-cost"),
    path("homes/<int:home_id>/tariffs/", cost_views.tariff_list, name="tariff-list"),
    path("homes/<int:home_id>/tariffs/new/", cost_views.tariff_edit, name="tariff-create"),
    path("homes/<int:home_id>/tariffs/<int:tariff_id>/", cost_views.tariff_edit, name="tariff-edit"),
    path("homes/<int:home_id>/tariffs/<int:tariff_id>/delete/", cost_views.tariff_delete, name="tariff-delete"),
    path("homes/<int:home_id>/tariffs/<int:tariff_id>/prices/", cost_views.tariff_prices, name="tariff-prices"),
]
