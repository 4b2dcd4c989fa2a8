"""Cost pages over HTTP: permissions per role, the tariff editor with its windows, price upload, costs page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from analytics.models import HourlyCost, PricePoint, Tariff
from analytics.services import reprice_hours, save_tariff
from analytics.tests.test_cost_fixtures import flat_tariff, make_device, rollup

pytestmark = pytest.mark.django_db


def tou_post(**overrides) -> dict:
    data = {
        "name": "Two rate",
        "kind": "time_of_use",
        "effective_from": "2026-01-01",
        "price_interval_minutes": "60",
        "export_kind": "flat",
        "export_price_per_kwh": "0.08",
        "standing_charge_per_day": "0.45",
        "windows-TOTAL_FORMS": "2",
        "windows-INITIAL_FORMS": "0",
        "windows-0-name": "Night",
        "windows-0-start_time": "22:00",
        "windows-0-end_time": "07:00",
        "windows-0-days": "all",
        "windows-0-price_per_kwh": "0.18",
        "windows-1-name": "Day",
        "windows-1-start_time": "07:00",
        "windows-1-end_time": "22:00",
        "windows-1-days": "all",
        "windows-1-price_per_kwh": "0.32",
    }
    data.update(overrides)
    return data


# --- permissions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["home-costs", "tariff-list", "tariff-create", "bill-check"])
def test_a_non_member_gets_404_on_every_cost_page(outsider_client, home, name):
    response = outsider_client.get(reverse(f"costs:{name}", args=[home.pk]))
    assert response.status_code == 404


def test_a_non_member_gets_404_for_a_foreign_tariff_even_through_their_own_home(outsider_client, home, other_home):
    tariff = flat_tariff(home, date(2026, 1, 1), "0.30")
    url = reverse("costs:tariff-edit", args=[other_home.pk, tariff.pk])  # their home, our tariff
    assert outsider_client.get(url).status_code == 404
    assert outsider_client.post(reverse("costs:tariff-delete", args=[home.pk, tariff.pk])).status_code == 404


@pytest.mark.parametrize("client_name", ["readonly_client", "member_client"])
def test_viewers_and_members_get_403_on_tariff_writes(request, home, client_name):
    client = request.getfixturevalue(client_name)
    tariff = flat_tariff(home, date(2026, 1, 1), "0.30")
    assert client.get(reverse("costs:tariff-create", args=[home.pk])).status_code == 403
    assert client.post(reverse("costs:tariff-create", args=[home.pk]), tou_post()).status_code == 403
    assert client.get(reverse("costs:tariff-edit", args=[home.pk, tariff.pk])).status_code == 403
    assert client.post(reverse("costs:tariff-delete", args=[home.pk, tariff.pk])).status_code == 403
    assert Tariff.objects.filter(home=home).count() == 1
    # They may still look.
    listing = client.get(reverse("costs:tariff-list", args=[home.pk]))
    assert listing.status_code == 200 and b"New flat tariff" not in listing.content


def test_a_manager_may_edit_tariffs(manager_client, home):
    assert manager_client.get(reverse("costs:tariff-create", args=[home.pk])).status_code == 200


def test_the_nav_link_leads_to_the_current_homes_costs(owner_client, home):
    response = owner_client.get(reverse("costs:costs"))
    assert response.status_code == 302 and response.url == reverse("costs:home-costs", args=[home.pk])


def test_anonymous_visitors_are_sent_to_sign_in(client, home):
    response = client.get(reverse("costs:home-costs", args=[home.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response.url


# --- tariff editor -------------------------------------------------------------------------------


def test_owner_creates_a_time_of_use_tariff_with_windows(owner_client, home):
    response = owner_client.post(reverse("costs:tariff-create", args=[home.pk]), tou_post())
    assert response.status_code == 302
    tariff = Tariff.objects.get(home=home)
    assert tariff.currency == "EUR" and tariff.standing_charge_per_day == Decimal("0.45")
    assert [(w.name, str(w.price_per_kwh)) for w in tariff.windows.order_by("start_time")] == [
        ("Day", "0.32000"),
        ("Night", "0.18000"),
    ]
    listing = owner_client.get(reverse("costs:tariff-list", args=[home.pk]))
    assert "Night 22:00–07:00: €0.18" in listing.content.decode()


def test_overlapping_windows_come_back_as_a_form_error_not_a_500(owner_client, home):
    data = tou_post(**{"windows-1-start_time": "06:00"})  # Day 06:00–22:00 overlaps Night until 07:00
    response = owner_client.post(reverse("costs:tariff-create", args=[home.pk]), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200  # htmx swaps the editor fragment with the errors
    body = response.content.decode()
    assert 'id="windows-errors"' in body
    assert "Windows &#x27;Night&#x27; and &#x27;Day&#x27; overlap at 06:00–07:00 on every day." in body
    assert "<html" not in body  # a fragment
    assert not Tariff.objects.exists()


def test_gapped_windows_come_back_as_a_form_error(owner_client, home):
    data = tou_post(**{"windows-1-start_time": "08:00"})
    response = owner_client.post(reverse("costs:tariff-create", args=[home.pk]), data)
    assert response.status_code == 400
    assert "No window covers 07:00–08:00 on every day." in response.content.decode()


def test_a_bad_field_is_reported_on_that_field(owner_client, home):
    data = tou_post(kind="flat", import_price_per_kwh="")
    response = owner_client.post(reverse("costs:tariff-create", args=[home.pk]), data)
    assert response.status_code == 400
    assert response.context["form"].errors["import_price_per_kwh"] == ["A flat tariff needs an import price per kWh."]
    bad_months = tou_post(**{"windows-0-months": "13"})
    response = owner_client.post(reverse("costs:tariff-create", args=[home.pk]), bad_months)
    assert "months" in response.context["formset"].forms[0].errors


def test_editing_a_tariff_through_htmx_redirects_the_client_to_the_list(owner_client, home):
    tariff = flat_tariff(home, date(2026, 1, 1), "0.30")
    data = tou_post(kind="flat", name="Cheaper", import_price_per_kwh="0.25", **{"windows-TOTAL_FORMS": "0"})
    response = owner_client.post(reverse("costs:tariff-edit", args=[home.pk, tariff.pk]), data, HTTP_HX_REQUEST="true")
    assert response.headers["HX-Redirect"] == reverse("costs:tariff-list", args=[home.pk])
    tariff.refresh_from_db()
    assert (tariff.name, tariff.import_price_per_kwh) == ("Cheaper", Decimal("0.25000"))


def test_deleting_a_tariff(owner_client, home):
    tariff = flat_tariff(home, date(2026, 1, 1), "0.30")
    response = owner_client.post(reverse("costs:tariff-delete", args=[home.pk, tariff.pk]))
    assert response.status_code == 302 and not Tariff.objects.exists()


# --- price upload --------------------------------------------------------------------------------


def upload(client, home, tariff, text: str):
    url = reverse("costs:tariff-prices", args=[home.pk, tariff.pk])
    return client.post(url, {"file": SimpleUploadedFile("prices.csv", text.encode(), content_type="text/csv")})


def test_uploading_the_same_price_csv_twice_changes_nothing(owner_client, home):
    tariff = save_tariff(home=home, name="Spot", kind="dynamic", effective_from=date(2026, 1, 1))
    text = "start,price_per_kwh\n2026-01-10T10:00Z,0.30\n2026-01-10T11:00Z,-0.05\n"
    first = upload(owner_client, home, tariff, text)
    assert "2 new prices, 0 changed, 0 already stored." in first.content.decode()
    second = upload(owner_client, home, tariff, text)
    assert "0 new prices, 0 changed, 2 already stored." in second.content.decode()
    assert PricePoint.objects.count() == 2


def test_a_price_file_in_another_currency_is_a_form_error(owner_client, home):
    tariff = save_tariff(home=home, name="Spot", kind="dynamic", effective_from=date(2026, 1, 1))
    response = upload(owner_client, home, tariff, "start,price_per_kwh,currency\n2026-01-10T10:00Z,0.30,USD\n")
    assert response.status_code == 400
    assert "this tariff is in EUR" in response.content.decode()


def test_viewers_cannot_upload_prices(readonly_client, home):
    tariff = save_tariff(home=home, name="Spot", kind="dynamic", effective_from=date(2026, 1, 1))
    assert upload(readonly_client, home, tariff, "start,price_per_kwh\n2026-01-10T10:00Z,0.3\n").status_code == 403


# --- costs page ----------------------------------------------------------------------------------


def test_costs_page_shows_this_month_by_device_with_the_currency_symbol(readonly_client, home):
    now = timezone.now()
    flat_tariff(home, date(2020, 1, 1), "0.30", standing="0.50")
    pump = make_device(home, name="Heat pump")
    hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    rollup(pump, hour, 2000)  # 2 kWh × 0.30 = 0.60
    reprice_hours(home=home, start=hour, end=hour + timedelta(hours=1))

    response = readonly_client.get(reverse("costs:home-costs", args=[home.pk]))

    assert response.status_code == 200
    body = response.content.decode()
    assert "€0.60" in body and "Heat pump" in body
    assert 'data-figure="cost-chart-data"' in body and 'id="cost-chart-data"' in body
    assert HourlyCost.objects.filter(home=home).count() == 2


def test_costs_page_without_a_tariff_invites_the_owner_to_add_one(owner_client, home):
    response = owner_client.get(reverse("costs:home-costs", args=[home.pk]))
    assert response.status_code == 200 and "Add a tariff" in response.content.decode()


def test_costs_page_reports_missing_prices(owner_client, home):
    save_tariff(home=home, name="Spot", kind="dynamic", effective_from=date(2020, 1, 1))
    pump = make_device(home)
    hour = timezone.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    rollup(pump, hour, 1000)
    reprice_hours(home=home, start=hour, end=hour + timedelta(hours=1))
    body = owner_client.get(reverse("costs:home-costs", args=[home.pk])).content.decode()
    assert "1 hour without a price" in body


def test_costs_page_in_dollars_for_a_dollar_home(outsider_client, other_home):
    flat_tariff(other_home, date(2020, 1, 1), "0.20", standing="1")
    body = outsider_client.get(reverse("costs:home-costs", args=[other_home.pk])).content.decode()
    assert "$" in body and "€" not in body


def test_price_points_are_aware_utc(home):
    tariff = save_tariff(home=home, name="Spot", kind="dynamic", effective_from=date(2026, 1, 1))
    PricePoint.objects.create(tariff=tariff, start=datetime(2026, 1, 1, tzinfo=UTC), price_per_kwh=Decimal("0.1"))
    assert PricePoint.objects.get().start.utcoffset() == timedelta(0)
