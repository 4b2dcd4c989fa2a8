"""Bill check: our figures for a bill's period beside the bill's, the difference split by import, export, standing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from analytics.costs import bill_check
from analytics.services import reprice_hours
from analytics.tests.test_cost_fixtures import flat_tariff, make_device, rollup
from devices.models import DeviceType

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def priced_january(home):
    flat_tariff(home, date(2026, 1, 1), "0.30", export="0.10", standing="0.50")
    meter = make_device(home, DeviceType.Category.METER, "Meter")
    rollup(meter, datetime(2026, 1, 5, 10, tzinfo=UTC), 100_000)  # 100 kWh imported
    rollup(meter, datetime(2026, 1, 6, 12, tzinfo=UTC), -20_000)  # 20 kWh exported
    reprice_hours(home=home, start=datetime(2025, 12, 31, tzinfo=UTC), end=datetime(2026, 2, 1, tzinfo=UTC))
    return home


def test_the_difference_is_split_by_import_export_and_standing_charge(priced_january):
    # Ours: import 100 × 0.30 = 30.00; export credit 20 × 0.10 = 2.00; standing 31 × 0.50 = 15.50;
    # total 30.00 − 2.00 + 15.50 = 43.50.
    # Bill: 105 kWh imported, 18 exported, standing 16.00, total 47.00.
    # Import: (105 − 100) × 0.30 = 1.50; export: −(18 − 20) × 0.10 = 0.20; standing 16.00 − 15.50 = 0.50;
    # other: (47.00 − 43.50) − (1.50 + 0.20 + 0.50) = 1.30.
    check = bill_check(
        home=priced_january,
        first_day=date(2026, 1, 1),
        last_day=date(2026, 1, 31),
        billed_import_kwh=105,
        billed_export_kwh=18,
        billed_standing=D("16.00"),
        billed_total=D("47.00"),
    )
    assert check.ours.total == D("43.50")
    assert check.differences == {"import": D("1.50"), "export": D("0.20"), "standing": D("0.50"), "other": D("1.30")}
    assert check.total_difference == D("3.50")


def test_bill_check_page_shows_both_sides(readonly_client, priced_january):
    url = reverse("costs:bill-check", args=[priced_january.pk])
    response = readonly_client.get(
        url,
        {
            "first_day": "2026-01-01",
            "last_day": "2026-01-31",
            "billed_import_kwh": "105",
            "billed_export_kwh": "18",
            "billed_total": "47.00",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "€43.50" in body and "€47.00" in body and "€3.50" in body
    assert '<td class="num" data-diff="import">€1.50</td>' in body


def test_a_reversed_bill_period_is_an_error_on_the_last_day(owner_client, home):
    response = owner_client.get(
        reverse("costs:bill-check", args=[home.pk]),
        {"first_day": "2026-02-01", "last_day": "2026-01-01", "billed_import_kwh": "1", "billed_total": "1"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["last_day"] == ["The last day must be on or after the first day."]


def test_bill_check_of_a_foreign_home_is_404(outsider_client, home):
    assert outsider_client.get(reverse("costs:bill-check", args=[home.pk])).status_code == 404
