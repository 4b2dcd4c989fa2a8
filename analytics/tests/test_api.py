"""The costs API: tariffs and price points (CRUD, CSV, idempotent), permissions per role, the one error format."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from analytics.models import PricePoint, Tariff
from analytics.services import save_tariff
from analytics.tests.test_cost_fixtures import flat_tariff

pytestmark = pytest.mark.django_db

WINDOWS = [
    {"name": "Night", "start_time": "22:00", "end_time": "07:00", "days": "all", "price_per_kwh": "0.18"},
    {"name": "Day", "start_time": "07:00", "end_time": "22:00", "days": "all", "price_per_kwh": "0.32"},
]


def tou_body(**overrides) -> dict:
    body = {
        "name": "Two rate",
        "kind": "time_of_use",
        "effective_from": "2026-01-01",
        "export_price_per_kwh": "0.08",
        "standing_charge_per_day": "0.45",
        "windows": WINDOWS,
    }
    body.update(overrides)
    return body


def post_json(client, url: str, body, method: str = "post"):
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def tariffs_url(home) -> str:
    return f"/api/v1/homes/{home.pk}/tariffs/"


def dynamic(home) -> Tariff:
    return save_tariff(home=home, name="Spot", kind="dynamic", effective_from=date(2026, 1, 1))


def fields_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    return body["error"]["fields"]


# --- permissions ---------------------------------------------------------------------------------


def every_url(home, tariff) -> list[str]:
    base = f"/api/v1/homes/{home.pk}"
    return [
        f"{base}/tariffs/",
        f"{base}/tariffs/{tariff.pk}/",
        f"{base}/tariffs/{tariff.pk}/prices/",
        f"{base}/summary/?start=2026-01-01&end=2026-01-02",
        f"{base}/balance/?start=2026-01-01&end=2026-01-02",
    ]


def test_a_non_member_gets_404_on_every_endpoint_exactly_like_a_missing_home(outsider_client, home):
    tariff = dynamic(home)
    for url in every_url(home, tariff):
        response = outsider_client.get(url)
        assert response.status_code == 404, url
        assert fields_of(response) == {} and response.json()["error"]["code"] == "not_found"
    missing = outsider_client.get("/api/v1/homes/999999/tariffs/")
    assert missing.status_code == 404 and missing.json() == outsider_client.get(every_url(home, tariff)[0]).json()
    assert post_json(outsider_client, tariffs_url(home), tou_body()).status_code == 404
    csv = SimpleUploadedFile("p.csv", b"start,price_per_kwh\n2026-01-10T10:00Z,0.3\n")
    assert outsider_client.post(f"{tariffs_url(home)}{tariff.pk}/prices/csv/", {"file": csv}).status_code == 404
    assert outsider_client.delete(f"{tariffs_url(home)}{tariff.pk}/").status_code == 404
    assert Tariff.objects.filter(home=home).count() == 1


def test_a_tariff_of_another_home_is_404_through_ones_own_home(outsider_client, home, other_home):
    tariff = dynamic(home)
    assert outsider_client.get(f"/api/v1/homes/{other_home.pk}/tariffs/{tariff.pk}/").status_code == 404
    assert outsider_client.get(f"/api/v1/homes/{other_home.pk}/tariffs/{tariff.pk}/prices/").status_code == 404


@pytest.mark.parametrize("client_name", ["readonly_client", "member_client"])
def test_viewers_and_members_may_read_but_get_403_on_every_write(request, home, client_name):
    client = request.getfixturevalue(client_name)
    tariff = dynamic(home)
    for url in every_url(home, tariff):
        assert client.get(url).status_code == 200, url
    detail = f"{tariffs_url(home)}{tariff.pk}/"
    writes = [
        post_json(client, tariffs_url(home), tou_body()),
        post_json(client, detail, {"name": "X"}, method="patch"),
        post_json(client, detail, tou_body(), method="put"),
        client.delete(detail),
        post_json(client, f"{detail}prices/", {"points": [{"start": "2026-01-10T10:00Z", "price_per_kwh": "0.3"}]}),
        client.delete(f"{detail}prices/?start=2026-01-01&end=2026-02-01"),
        client.post(f"{detail}prices/csv/", {"file": SimpleUploadedFile("p.csv", b"start,price_per_kwh\n")}),
    ]
    for response in writes:
        assert response.status_code == 403
        assert fields_of(response) == {} and response.json()["error"]["code"] == "permission_denied"
    assert Tariff.objects.get(home=home).name == "Spot" and not PricePoint.objects.exists()


def test_anonymous_requests_are_refused_in_the_error_format(client, home):
    response = client.get(tariffs_url(home))
    assert response.status_code == 401
    assert fields_of(response) == {} and response.json()["error"]["code"] == "not_authenticated"


def test_a_manager_may_create_tariffs(manager_client, home):
    assert post_json(manager_client, tariffs_url(home), tou_body()).status_code == 201


# --- tariffs -------------------------------------------------------------------------------------


def test_owner_creates_a_time_of_use_tariff_and_reads_it_back(owner_client, home):
    response = post_json(owner_client, tariffs_url(home), tou_body())
    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["currency"], body["currency_symbol"]) == ("time_of_use", "EUR", "€")
    assert [(w["name"], w["start_time"], w["end_time"], w["price_per_kwh"]) for w in body["windows"]] == [
        ("Day", "07:00", "22:00", "0.32000"),
        ("Night", "22:00", "07:00", "0.18000"),
    ]
    assert owner_client.get(f"{tariffs_url(home)}{body['id']}/").json() == body


def test_overlapping_windows_are_a_400_on_windows(owner_client, home):
    windows = [WINDOWS[0], {**WINDOWS[1], "start_time": "06:00"}]
    response = post_json(owner_client, tariffs_url(home), tou_body(windows=windows))
    assert response.status_code == 400
    assert fields_of(response)["windows"] == ["Windows 'Night' and 'Day' overlap at 06:00–07:00 on every day."]
    assert not Tariff.objects.exists()


def test_gapped_windows_are_a_400_on_windows(owner_client, home):
    windows = [WINDOWS[0], {**WINDOWS[1], "start_time": "08:00"}]
    response = post_json(owner_client, tariffs_url(home), tou_body(windows=windows))
    assert response.status_code == 400
    assert fields_of(response)["windows"] == ["No window covers 07:00–08:00 on every day."]


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"currency": "XYZ"}, "currency", "not a supported currency"),
        ({"currency": "USD"}, "currency", "home's currency (EUR)"),
        ({"kind": "flat", "windows": []}, "import_price_per_kwh", "needs an import price"),
        ({"kind": "hourly"}, "kind", "not a valid choice"),
        ({"effective_from": "2026-13-01"}, "effective_from", "wrong format"),
        ({"standing_charge_per_day": "-1"}, "standing_charge_per_day", "greater than or equal to 0"),
        ({"windows": [{**WINDOWS[0], "start_time": "22:10"}, WINDOWS[1]]}, "windows", "quarter hour"),
    ],
)
def test_bad_tariff_fields_are_a_400_naming_the_field(owner_client, home, overrides, field, reason):
    response = post_json(owner_client, tariffs_url(home), tou_body(**overrides))
    assert response.status_code == 400
    assert reason in " ".join(fields_of(response)[field])


def test_two_tariffs_on_the_same_day_is_a_400_on_effective_from(owner_client, home):
    flat_tariff(home, date(2026, 1, 1), "0.30")
    response = post_json(owner_client, tariffs_url(home), tou_body())
    assert response.status_code == 400 and "effective_from" in fields_of(response)


def test_the_tariff_list_is_paginated_newest_first(owner_client, home):
    for month in (1, 2, 3):
        flat_tariff(home, date(2026, month, 1), "0.30", name=f"T{month}")
    first = owner_client.get(tariffs_url(home) + "?page_size=2").json()
    assert first["count"] == 3 and [t["name"] for t in first["results"]] == ["T3", "T2"]
    second = owner_client.get(first["next"]).json()
    assert [t["name"] for t in second["results"]] == ["T1"] and second["next"] is None


def test_patch_changes_a_field_and_keeps_the_windows(owner_client, home):
    created = post_json(owner_client, tariffs_url(home), tou_body()).json()
    url = f"{tariffs_url(home)}{created['id']}/"
    response = post_json(owner_client, url, {"name": "Renamed"}, method="patch")
    assert response.status_code == 200
    assert response.json()["name"] == "Renamed" and len(response.json()["windows"]) == 2
    replaced = post_json(owner_client, url, tou_body(kind="flat", import_price_per_kwh="0.25"), method="put")
    assert replaced.status_code == 200 and replaced.json()["import_price_per_kwh"] == "0.25000"
    assert replaced.json()["windows"] == []


def test_delete_removes_the_tariff(owner_client, home):
    tariff = flat_tariff(home, date(2026, 1, 1), "0.30")
    assert owner_client.delete(f"{tariffs_url(home)}{tariff.pk}/").status_code == 204
    assert not Tariff.objects.exists()
    assert owner_client.get(f"{tariffs_url(home)}{tariff.pk}/").status_code == 404


# --- price points --------------------------------------------------------------------------------


def prices_url(home, tariff) -> str:
    return f"{tariffs_url(home)}{tariff.pk}/prices/"


POINTS = [
    {"start": "2026-03-29T10:00:00Z", "price_per_kwh": "0.2810"},
    {"start": "2026-03-29T11:00:00+00:00", "price_per_kwh": "-0.0150"},
    {"start": "2026-03-29T14:00:00+02:00", "price_per_kwh": "0.1"},  # 12:00 UTC
]


def test_posting_price_points_twice_changes_nothing(owner_client, home):
    tariff = dynamic(home)
    first = post_json(owner_client, prices_url(home, tariff), {"points": POINTS})
    assert first.status_code == 200 and first.json() == {"created": 3, "updated": 0, "unchanged": 0, "errors": []}
    again = post_json(owner_client, prices_url(home, tariff), {"points": POINTS})
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 3, "errors": []}
    changed = post_json(owner_client, prices_url(home, tariff), {"points": [{**POINTS[0], "price_per_kwh": "0.3"}]})
    assert changed.json()["updated"] == 1
    listed = owner_client.get(prices_url(home, tariff)).json()
    assert listed["count"] == 3
    assert [(p["start"], p["price_per_kwh"]) for p in listed["results"]] == [
        ("2026-03-29T10:00:00Z", "0.30000"),
        ("2026-03-29T11:00:00Z", "-0.01500"),  # a negative price is valid
        ("2026-03-29T12:00:00Z", "0.10000"),
    ]


@pytest.mark.parametrize(
    ("points", "reason"),
    [
        ([POINTS[1], POINTS[0]], "Item 1: start 2026-03-29T10:00:00+00:00 is before the previous point's"),
        ([POINTS[0], POINTS[0]], "Item 1: start 2026-03-29T10:00:00+00:00 is given twice."),
        ([{"start": "2026-03-29T10:05:00Z", "price_per_kwh": "0.2"}], "Item 0: start"),
        ([{"start": "2026-03-29T10:00:00", "price_per_kwh": "0.2"}], "needs an offset"),
        ([{"start": "2026-03-29T10:00:00Z", "price_per_kwh": "cheap"}], "is not a number"),
        ([{"start": "2026-03-29T10:00:00Z", "price_per_kwh": "0.1", "direction": "export"}], "export prices need"),
    ],
)
def test_bad_price_points_are_a_400_on_points_and_nothing_is_stored(owner_client, home, points, reason):
    tariff = dynamic(home)
    response = post_json(owner_client, prices_url(home, tariff), {"points": [*points, POINTS[2]]})
    assert response.status_code == 400
    assert any(reason in message for message in fields_of(response)["points"])
    assert not PricePoint.objects.exists()


def test_price_points_need_a_dynamic_tariff_and_a_list(owner_client, home):
    flat = flat_tariff(home, date(2026, 1, 1), "0.3")
    response = post_json(owner_client, prices_url(home, flat), {"points": POINTS})
    assert response.status_code == 400 and "dynamic" in fields_of(response)["points"][0]
    tariff = save_tariff(home=home, name="S", kind="dynamic", effective_from=date(2026, 2, 1))
    assert "points" in fields_of(post_json(owner_client, prices_url(home, tariff), {"points": []}))


def test_price_points_filter_by_period_and_direction_and_delete_a_range(owner_client, home):
    tariff = dynamic(home)
    post_json(owner_client, prices_url(home, tariff), {"points": POINTS})
    url = prices_url(home, tariff)
    window = owner_client.get(url + "?start=2026-03-29T11:00Z&end=2026-03-29T12:00Z&direction=import").json()
    assert [p["start"] for p in window["results"]] == ["2026-03-29T11:00:00Z"]
    assert "direction" in fields_of(owner_client.get(url + "?direction=sideways"))
    reversed_range = owner_client.delete(url + "?start=2026-03-30&end=2026-03-29")
    assert reversed_range.status_code == 400 and "end" in fields_of(reversed_range)
    deleted = owner_client.delete(url + "?start=2026-03-29T10:30Z&end=2026-03-29T13:00Z")
    assert deleted.json() == {"deleted": 2}
    assert list(PricePoint.objects.values_list("start", flat=True)) == [datetime(2026, 3, 29, 10, tzinfo=UTC)]


def upload(client, home, tariff, text: str):
    file = SimpleUploadedFile("prices.csv", text.encode(), content_type="text/csv")
    return client.post(f"{prices_url(home, tariff)}csv/", {"file": file})


def test_uploading_the_same_price_csv_twice_changes_nothing(owner_client, home):
    tariff = dynamic(home)
    text = "start,price_per_kwh\n2026-01-10T10:00Z,0.30\n2026-01-10T11:00Z,-0.05\n"
    first = upload(owner_client, home, tariff, text)
    assert first.status_code == 200 and first.json() == {"created": 2, "updated": 0, "unchanged": 0, "errors": []}
    second = upload(owner_client, home, tariff, text)
    assert second.json() == {"created": 0, "updated": 0, "unchanged": 2, "errors": []}
    assert PricePoint.objects.count() == 2


def test_a_csv_with_bad_and_repeated_lines_stores_the_good_ones_and_lists_the_rest(owner_client, home):
    tariff = dynamic(home)
    text = "start,price_per_kwh\n2026-01-10T10:00Z,0.30\n2026-01-10T10:00Z,0.31\n2026-01-10T11:00Z,abc\n"
    response = upload(owner_client, home, tariff, text)
    assert response.status_code == 207
    body = response.json()
    assert body["created"] == 1
    assert [e["line"] for e in body["errors"]] == [3, 4]
    assert "already on line 2" in body["errors"][0]["reason"]
    assert PricePoint.objects.get().price_per_kwh == Decimal("0.30")


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("start,price_per_kwh,currency\n2026-01-10T10:00Z,0.30,USD\n", "currency"),
        ("when,price\n2026-01-10T10:00Z,0.30\n", "file"),
    ],
)
def test_an_unusable_csv_is_a_400_naming_the_field(owner_client, home, text, field):
    response = upload(owner_client, home, dynamic(home), text)
    assert response.status_code == 400 and field in fields_of(response)


def test_a_csv_upload_without_a_file_is_a_400_on_file(owner_client, home):
    tariff = dynamic(home)
    response = owner_client.post(f"{prices_url(home, tariff)}csv/", {})
    assert response.status_code == 400 and "file" in fields_of(response)
