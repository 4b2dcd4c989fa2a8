"""API limits and the one error format: throttles per user and per device key, body size,
malformed input, unknown routes and methods."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from devices.tests.factories import register
from telemetry.tests.factories import reading
from tests.api_support import _fast_password_hashing, assert_error, client_for  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_rates(settings, require_service):
    require_service("redis")  # the counts live in the cache
    settings.API_THROTTLE_RATES = {"user": "3/min", "device_key": "2/min"}


def test_a_user_is_throttled_after_the_rate_and_others_are_not(small_rates, make_user):
    alice, bob = client_for(make_user("alice@example.com")), client_for(make_user("bob@example.com"))
    assert [alice.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 200]
    response = alice.get("/api/v1/me/")
    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    assert bob.get("/api/v1/me/").status_code == 200


def test_a_device_key_has_its_own_limit(small_rates, home):
    first, second = register(home, name="A"), register(home, name="B")

    def ingest(key):
        client = Client(headers={"Authorization": f"Device {key}"})
        return client.post("/api/v1/ingest/", json.dumps([reading()]), content_type="application/json")

    assert [ingest(first.plain_key).status_code for _ in range(2)] == [201, 201]
    assert_error(ingest(first.plain_key), 429, "throttled")
    assert ingest(second.plain_key).status_code == 201
    # The device requests did not use up the owner's user limit.
    owner = client_for(home.memberships.get(role="owner").user)
    assert [owner.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 200]


def test_the_default_rates_are_a_thousand_per_minute_per_user():
    from django.conf import settings

    assert settings.API_THROTTLE_RATES["user"] == "1000/min"
    assert "device_key" in settings.API_THROTTLE_RATES


def test_a_body_over_the_limit_is_a_413(settings, make_user):
    settings.API_MAX_BODY_BYTES = 200
    client = client_for(make_user())
    body = json.dumps({"full_name": "x" * 300})
    assert_error(client.patch("/api/v1/me/", body, content_type="application/json"), 413, "too_large")
    ok = client.patch("/api/v1/me/", json.dumps({"full_name": "Short"}), content_type="application/json")
    assert ok.status_code == 200


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        ("{not json", "application/json", 400, "parse_error"),
        ("full_name=x", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        (json.dumps({"time_zone": "Mars/Olympus"}), "application/json", 400, "invalid"),
        (json.dumps({"full_name": "x" * 151}), "application/json", 400, "invalid"),
        (json.dumps(["a", "list"]), "application/json", 400, "invalid"),
    ],
)
def test_bad_input_answers_in_the_one_error_format(make_user, body, content_type, status, code):
    client = client_for(make_user())
    assert_error(client.patch("/api/v1/me/", body, content_type=content_type), status, code)


def test_field_errors_name_the_field(make_user):
    client = client_for(make_user())
    error = assert_error(
        client.patch("/api/v1/me/", json.dumps({"time_zone": "Mars/Olympus"}), content_type="application/json"), 400
    )
    assert list(error["fields"]) == ["time_zone"]


def test_a_service_validation_error_becomes_a_400_with_fields(home):
    owner = client_for(home.memberships.get(role="owner").user)
    response = owner.patch(f"/api/v1/homes/{home.pk}/", json.dumps({"name": ""}), content_type="application/json")
    error = assert_error(response, 400, "invalid")
    assert "name" in error["fields"]


def test_unknown_routes_and_methods_answer_in_the_error_format(make_user):
    client = client_for(make_user())
    assert_error(client.get("/api/v1/no-such-thing/"), 404, "not_found")
    assert_error(Client().get("/api/v1/homes/1/nope/"), 404, "not_found")
    assert_error(Client().post("/api/v1/homes/-1/", "{}", content_type="application/json"), 404, "not_found")
    assert_error(client.delete("/api/v1/me/"), 405, "method_not_allowed")


def test_schema_and_docs_are_served_with_local_assets():
    schema = Client().get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/homes/{home_id}/readings/" in paths
    docs = Client().get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()


def test_the_schema_validates_and_documents_examples():
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    from energyhome import api_urls

    mine = {
        "/api/v1/" + str(p.pattern).replace("<int:", "{").replace(">", "}")
        for p in api_urls.urlpatterns
        if getattr(p, "name", "")
        and p.name.startswith("api-")
        and p.name not in {"api-schema", "api-docs", "api-ingest"}  # ingest: telemetry/api.py
    }
    assert mine <= set(schema["paths"]), mine - set(schema["paths"])
    readings = schema["paths"]["/api/v1/homes/{home_id}/readings/"]["get"]
    assert readings["responses"]["200"]["content"]["application/json"]["examples"]
    assert set(readings["responses"]) >= {"200", "400", "401", "404"}
    assert "accessToken" in schema["components"]["securitySchemes"]
    undocumented = []
    for path in mine:
        for method, operation in schema["paths"][path].items():
            for status, response in operation["responses"].items():
                content = response.get("content", {}).get("application/json")
                if content is not None and not content.get("examples"):
                    undocumented.append(f"{method.upper()} {path} {status}")
    assert not undocumented, undocumented
