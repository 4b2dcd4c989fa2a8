"""Tariffs and prices: validation, time-of-use windows in local time (DST days), dynamic prices, CSV import."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.services import create_home
from analytics.models import HourlyCost, PricePoint, Tariff
from analytics.services import import_price_csv, reprice_hours, save_tariff
from analytics.tariffs import TariffSet, price_at, prices_for_hours
from analytics.tests.test_cost_fixtures import flat_tariff, make_device, rollup

pytestmark = pytest.mark.django_db

D = Decimal


def window(name: str, start: str, end: str, price: str, days: str = "all", months=()) -> dict:
    return {
        "name": name,
        "start_time": clock.fromisoformat(start),
        "end_time": clock.fromisoformat(end),
        "days": days,
        "months": list(months),
        "price_per_kwh": D(price),
    }


def tou_tariff(home, windows: list[dict], day=date(2026, 1, 1), **extra) -> Tariff:
    return save_tariff(
        home=home, name="Time of use", kind=Tariff.Kind.TIME_OF_USE, effective_from=day, windows=windows, **extra
    )


@pytest.fixture
def paris_home(make_user):
    return create_home(owner=make_user("paris@example.com"), name="Paris", time_zone="Europe/Paris", currency="EUR")


def grid_cost(home, start, end) -> Decimal:
    rows = HourlyCost.objects.filter(home=home, device__isnull=True, hour__gte=start, hour__lt=end)
    return sum((r.import_cost for r in rows), D(0))


# --- time of use ---------------------------------------------------------------------------------


def test_time_of_use_day_crosses_the_17_00_boundary_in_local_time(home):
    # Home A is Europe/Berlin: in January local = UTC + 1.
    tou_tariff(
        home,
        [
            window("Off-peak", "00:00", "17:00", "0.20"),
            window("Peak", "17:00", "21:00", "0.40"),
            window("Evening", "21:00", "00:00", "0.25"),
        ],
    )
    pump = make_device(home)
    # 1 kWh in each of the local hours 15:00, 16:00, 17:00 on Thu 15 Jan = UTC 14:00, 15:00, 16:00.
    for utc_hour in (14, 15, 16):
        rollup(pump, datetime(2026, 1, 15, utc_hour, tzinfo=UTC), 1000)

    reprice_hours(home=home, start=datetime(2026, 1, 15, tzinfo=UTC), end=datetime(2026, 1, 16, tzinfo=UTC))

    rows = {r.hour.hour: r for r in HourlyCost.objects.filter(device=pump)}
    # 1 kWh × 0.20 = 0.20 at local 15:00 and 16:00; 1 kWh × 0.40 = 0.40 at local 17:00.
    assert rows[14].import_cost == D("0.20") and rows[14].window == "Off-peak"
    assert rows[15].import_cost == D("0.20") and rows[15].window == "Off-peak"
    assert rows[16].import_cost == D("0.40") and rows[16].window == "Peak"
    # No grid meter: the grid row imports what the consumer used, 0.20 + 0.20 + 0.40 = 0.80.
    assert grid_cost(home, datetime(2026, 1, 15, tzinfo=UTC), datetime(2026, 1, 16, tzinfo=UTC)) == D("0.80")

    tariffs = TariffSet.load(home, datetime(2026, 1, 15, tzinfo=UTC), datetime(2026, 1, 16, tzinfo=UTC))
    assert price_at(tariffs, datetime(2026, 1, 15, 15, 59, tzinfo=UTC)).import_per_kwh == D("0.20")  # 16:59 local
    assert price_at(tariffs, datetime(2026, 1, 15, 16, 0, tzinfo=UTC)).import_per_kwh == D("0.40")  # 17:00 local


def _night_day_tariff(home):
    return tou_tariff(home, [window("Night", "22:00", "06:00", "0.15"), window("Day", "06:00", "22:00", "0.30")])


def test_spring_forward_day_in_paris_prices_each_of_its_23_local_hours(paris_home):
    _night_day_tariff(paris_home)
    pump = make_device(paris_home)
    # Sun 29 Mar 2026: local midnight is 23:00 UTC the day before (CET), the next midnight 22:00 UTC (CEST).
    start, end = datetime(2026, 3, 28, 23, tzinfo=UTC), datetime(2026, 3, 29, 22, tzinfo=UTC)
    hours = [start + timedelta(hours=i) for i in range(23)]
    assert hours[-1] + timedelta(hours=1) == end  # a 23-hour day
    for hour in hours:
        rollup(pump, hour, 100)

    reprice_hours(home=paris_home, start=start, end=end)

    prices = prices_for_hours(paris_home, hours)
    # UTC 00:00 = 01:00 CET (night); UTC 01:00 = 03:00 CEST (02:00 does not exist: night);
    # UTC 04:00 = 06:00 CEST: day already (on a winter day it would be 05:00, night).
    assert prices[datetime(2026, 3, 29, 0, tzinfo=UTC)].window == "Night"
    assert prices[datetime(2026, 3, 29, 1, tzinfo=UTC)].window == "Night"
    assert prices[datetime(2026, 3, 29, 3, tzinfo=UTC)].window == "Night"  # 05:00 CEST
    assert prices[datetime(2026, 3, 29, 4, tzinfo=UTC)].window == "Day"  # 06:00 CEST
    assert prices[datetime(2026, 3, 29, 19, tzinfo=UTC)].window == "Day"  # 21:00 CEST
    assert prices[datetime(2026, 3, 29, 20, tzinfo=UTC)].window == "Night"  # 22:00 CEST
    # Night hours: 00, 01, 03, 04, 05, 22, 23 local = 7; day hours 06..21 = 16; 7 + 16 = 23.
    # 0.7 kWh × 0.15 = 0.105; 1.6 kWh × 0.30 = 0.48; total 0.585.
    assert grid_cost(paris_home, start, end) == D("0.585")


def test_fall_back_day_in_paris_prices_each_of_its_25_local_hours(paris_home):
    _night_day_tariff(paris_home)
    pump = make_device(paris_home)
    # Sun 25 Oct 2026: local midnight 22:00 UTC the day before (CEST), the next 23:00 UTC (CET).
    start, end = datetime(2026, 10, 24, 22, tzinfo=UTC), datetime(2026, 10, 25, 23, tzinfo=UTC)
    hours = [start + timedelta(hours=i) for i in range(25)]
    assert hours[-1] + timedelta(hours=1) == end  # a 25-hour day
    for hour in hours:
        rollup(pump, hour, 100)

    reprice_hours(home=paris_home, start=start, end=end)

    prices = prices_for_hours(paris_home, hours)
    # 02:00 happens twice: UTC 00:00 (02:00 CEST) and UTC 01:00 (02:00 CET), both night.
    assert prices[datetime(2026, 10, 25, 0, tzinfo=UTC)].window == "Night"
    assert prices[datetime(2026, 10, 25, 1, tzinfo=UTC)].window == "Night"
    assert prices[datetime(2026, 10, 25, 4, tzinfo=UTC)].window == "Night"  # 05:00 CET
    assert prices[datetime(2026, 10, 25, 5, tzinfo=UTC)].window == "Day"  # 06:00 CET
    assert prices[datetime(2026, 10, 25, 21, tzinfo=UTC)].window == "Night"  # 22:00 CET
    # Night: 00, 01, 02, 02, 03, 04, 05, 22, 23 = 9 hours; day 06..21 = 16; 9 + 16 = 25.
    # 0.9 kWh × 0.15 = 0.135; 1.6 kWh × 0.30 = 0.48; total 0.615.
    assert grid_cost(paris_home, start, end) == D("0.615")


def test_weekend_and_seasonal_windows_pick_the_local_day_type_and_month(home):
    tou_tariff(
        home,
        [
            window("Weekday", "00:00", "00:00", "0.30", days="weekdays"),
            window("Weekend winter", "00:00", "00:00", "0.10", days="weekends", months=[1, 2, 3, 10, 11, 12]),
            window("Weekend summer", "00:00", "00:00", "0.05", days="weekends", months=[4, 5, 6, 7, 8, 9]),
        ],
    )
    tariffs = TariffSet.load(home, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 8, 1, tzinfo=UTC))
    # Fri 16 Jan 23:30 UTC is Sat 00:30 in Berlin: the weekend price.
    assert price_at(tariffs, datetime(2026, 1, 16, 23, 30, tzinfo=UTC)).window == "Weekend winter"
    assert price_at(tariffs, datetime(2026, 1, 16, 22, 30, tzinfo=UTC)).window == "Weekday"
    assert price_at(tariffs, datetime(2026, 7, 4, 12, tzinfo=UTC)).import_per_kwh == D("0.05")


# --- window validation ---------------------------------------------------------------------------


def test_overlapping_windows_are_an_error_on_the_windows_field(home):
    with pytest.raises(ValidationError) as caught:
        tou_tariff(home, [window("Day", "06:00", "22:00", "0.30"), window("Peak", "17:00", "06:00", "0.40")])
    messages = caught.value.message_dict["windows"]
    assert messages == ["Windows 'Day' and 'Peak' overlap at 17:00–22:00 on every day."]
    assert not Tariff.objects.filter(home=home).exists()


def test_gapped_windows_are_an_error_on_the_windows_field(home):
    with pytest.raises(ValidationError) as caught:
        tou_tariff(home, [window("Night", "00:00", "06:00", "0.15"), window("Day", "07:00", "00:00", "0.30")])
    assert caught.value.message_dict["windows"] == ["No window covers 06:00–07:00 on every day."]


def test_a_season_without_windows_is_a_gap_naming_its_months(home):
    with pytest.raises(ValidationError) as caught:
        tou_tariff(home, [window("Summer", "00:00", "00:00", "0.20", months=[4, 5, 6, 7, 8, 9])])
    assert caught.value.message_dict["windows"] == [
        "No window covers 00:00–24:00 on every day in January, February, March, October, November, December."
    ]


def test_window_times_must_be_on_the_quarter_hour(home):
    with pytest.raises(ValidationError) as caught:
        tou_tariff(home, [window("Day", "00:00", "10:10", "0.3"), window("Night", "10:10", "00:00", "0.2")])
    assert "quarter hour" in " ".join(caught.value.message_dict["windows"])


# --- field errors --------------------------------------------------------------------------------


def test_a_flat_tariff_without_a_price_is_an_error_on_the_price_field(home):
    with pytest.raises(ValidationError) as caught:
        save_tariff(home=home, name="Flat", kind=Tariff.Kind.FLAT, effective_from=date(2026, 1, 1))
    assert "import_price_per_kwh" in caught.value.message_dict


def test_two_tariffs_starting_the_same_day_is_an_error_on_effective_from(home):
    flat_tariff(home, date(2026, 1, 1), "0.30")
    with pytest.raises(ValidationError) as caught:
        flat_tariff(home, date(2026, 1, 1), "0.25", name="Other")
    assert "effective_from" in caught.value.message_dict


def test_a_bad_currency_is_an_error_on_the_currency_field(home):
    tariff = Tariff(home=home, name="X", kind=Tariff.Kind.FLAT, effective_from=date(2026, 1, 1), currency="XYZ")
    tariff.import_price_per_kwh = D("0.3")
    with pytest.raises(ValidationError) as caught:
        tariff.full_clean()
    assert "currency" in caught.value.message_dict
    tariff.currency = "USD"  # a known code, but not the home's (EUR)
    with pytest.raises(ValidationError) as caught:
        tariff.full_clean()
    assert "home's currency (EUR)" in caught.value.message_dict["currency"][0]


def test_a_negative_standing_charge_is_an_error_on_its_field(home):
    with pytest.raises(ValidationError) as caught:
        flat_tariff(home, date(2026, 1, 1), "0.30", standing="-1")
    assert "standing_charge_per_day" in caught.value.message_dict


# --- dynamic prices ------------------------------------------------------------------------------


def dynamic_tariff(home, *, interval: int = 60, export_kind: str = "flat", export: str = "0") -> Tariff:
    return save_tariff(
        home=home,
        name="Spot",
        kind=Tariff.Kind.DYNAMIC,
        effective_from=date(2026, 1, 1),
        price_interval_minutes=interval,
        export_kind=export_kind,
        export_price_per_kwh=D(export),
    )


def test_a_dynamic_day_with_negative_prices_and_a_missing_price_reports_it(home):
    tariff = dynamic_tariff(home)
    csv_text = "start,price_per_kwh\n2026-01-10T10:00Z,0.30\n2026-01-10T11:00Z,-0.05\n2026-01-10T13:00Z,0.10\n"
    result = import_price_csv(tariff=tariff, text=csv_text)
    assert (result.created, result.errors) == (3, [])
    pump = make_device(home)
    for utc_hour in (10, 11, 12, 13):
        rollup(pump, datetime(2026, 1, 10, utc_hour, tzinfo=UTC), 2000)

    stats = reprice_hours(home=home, start=datetime(2026, 1, 10, tzinfo=UTC), end=datetime(2026, 1, 11, tzinfo=UTC))

    rows = {r.hour.hour: r for r in HourlyCost.objects.filter(home=home, device__isnull=True)}
    # 2 kWh × 0.30 = 0.60; 2 kWh × −0.05 = −0.10 (paid to use); 12:00 has no price; 2 kWh × 0.10 = 0.20.
    assert rows[10].import_cost == D("0.60")
    assert rows[11].import_cost == D("-0.10")
    assert rows[12].import_cost is None and rows[12].price_missing
    assert rows[13].import_cost == D("0.20")
    assert stats.price_missing == 2  # the grid row and the heat pump's row of 12:00
    tariffs = TariffSet.load(home, datetime(2026, 1, 10, tzinfo=UTC), datetime(2026, 1, 11, tzinfo=UTC))
    assert price_at(tariffs, datetime(2026, 1, 10, 12, 30, tzinfo=UTC)).import_per_kwh is None


def test_quarter_hour_prices_average_over_the_hour_and_a_missing_quarter_misses_the_hour(home):
    tariff = dynamic_tariff(home, interval=15)
    lines = ["start,price_per_kwh"]
    # 10:00 hour: 0.10, 0.20, 0.30, −0.20 → mean 0.40 / 4 = 0.10. 11:00 hour: only three quarters.
    for minute, price in ((0, "0.10"), (15, "0.20"), (30, "0.30"), (45, "-0.20")):
        lines.append(f"2026-01-10T10:{minute:02d}:00+00:00,{price}")
    for minute in (0, 15, 30):
        lines.append(f"2026-01-10T11:{minute:02d}:00+00:00,0.25")
    import_price_csv(tariff=tariff, text="\n".join(lines))
    prices = prices_for_hours(home, [datetime(2026, 1, 10, 10, tzinfo=UTC), datetime(2026, 1, 10, 11, tzinfo=UTC)])
    assert prices[datetime(2026, 1, 10, 10, tzinfo=UTC)].import_per_kwh == D("0.10")
    assert prices[datetime(2026, 1, 10, 11, tzinfo=UTC)].import_per_kwh is None


def test_reimporting_the_same_price_csv_changes_nothing(home, django_capture_on_commit_callbacks):
    tariff = dynamic_tariff(home, export_kind="dynamic")
    csv_text = (
        "start,price_per_kwh,direction\n"
        "2026-01-10T10:00:00+01:00,0.31,import\n"
        "2026-01-10T11:00:00+01:00,-0.02,import\n"
        "2026-01-10T10:00:00+01:00,0.07,export\n"
    )
    first = import_price_csv(tariff=tariff, text=csv_text)
    snapshot = list(PricePoint.objects.order_by("pk").values_list("pk", "direction", "start", "price_per_kwh"))
    with django_capture_on_commit_callbacks() as callbacks:
        again = import_price_csv(tariff=tariff, text=csv_text)
    assert (first.created, first.updated) == (3, 0)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert list(PricePoint.objects.order_by("pk").values_list("pk", "direction", "start", "price_per_kwh")) == snapshot
    assert callbacks == []  # nothing changed, nothing to re-price


def test_price_csv_reports_bad_lines_and_keeps_the_good_ones(home):
    tariff = dynamic_tariff(home)
    result = import_price_csv(
        tariff=tariff,
        text="start,price_per_kwh\n2026-01-10T10:00Z,abc\n2026-01-10T10:00,0.2\n2026-01-10T10:07Z,0.2\n"
        "2026-01-10T11:00Z,0.2\n2026-01-10T12:00Z,0.2\n",
    )
    assert result.created == 2
    assert [line for line, _ in result.errors] == [2, 3, 4]
    assert "offset" in result.errors[1][1]


def test_price_csv_in_another_currency_is_an_error_on_the_currency_field(home):
    tariff = dynamic_tariff(home)
    with pytest.raises(ValidationError) as caught:
        import_price_csv(tariff=tariff, text="start,price_per_kwh,currency\n2026-01-10T10:00Z,0.2,USD\n")
    assert "currency" in caught.value.message_dict
    assert not PricePoint.objects.exists()


def test_price_csv_for_a_flat_tariff_is_refused_on_the_file_field(home):
    tariff = flat_tariff(home, date(2026, 1, 1), "0.3")
    with pytest.raises(ValidationError) as caught:
        import_price_csv(tariff=tariff, text="start,price_per_kwh\n2026-01-10T10:00Z,0.2\n")
    assert "file" in caught.value.message_dict
