"""Fuzz every operation of the OpenAPI schema with schemathesis, as a signed-in owner.

Bounded and deterministic: ``MAX_EXAMPLES`` cases per operation, derandomized (the same cases
on every run). Path ids point at the test home and device (random ids would only ever meet
404), everything else is generated from the schema. Each response must not be a 5xx and must
match the schema (status documented -> body valid, content type as documented).

Runs in the test's own transaction: the Django WSGI app is called in this thread, with the
connection-closing request signals off, as Django's test client does.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis import checks

from devices.tests.factories import register
from telemetry.services import ingest_readings
from telemetry.tests.factories import minutes_ago, reading
from tests.api_support import _fast_password_hashing, tokens_for  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 12
# Device-side endpoints authenticate with a device key, not the user's token.
DEVICE_KEY_PATHS = ("/api/v1/ingest/", "/api/v1/device/")


@pytest.fixture
def wsgi_app():
    from energyhome.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema():
    from drf_spectacular.generators import SchemaGenerator

    raw = SchemaGenerator().get_schema(request=None, public=True)
    return schemathesis.openapi.from_dict(raw)


def test_no_operation_answers_a_server_error_or_breaks_its_schema(settings, home, wsgi_app, api_schema):
    settings.API_THROTTLE_RATES = {"user": "100000/min", "device_key": "100000/min"}
    owner = home.memberships.get(role="owner").user
    registered = register(home, name="Heat pump", type="heat-pump", room="Basement")
    ingest_readings(
        items=[reading(time=minutes_ago(m), power_w=1000.0 + m) for m in range(1, 30)], device=registered.device
    )
    headers = {"Authorization": f"Bearer {tokens_for(owner)['access_token']}"}
    ids = {"home_id": home.pk, "device_id": registered.device.pk, "key_id": registered.key.pk}
    response_checks = [checks.not_a_server_error, checks.response_schema_conformance, checks.content_type_conformance]

    def with_real_ids(case):
        for name, value in ids.items():
            if name in (case.path_parameters or {}):
                case.path_parameters[name] = value
        return case

    operations = [result.ok() for result in api_schema.get_all_operations()]
    tested, failures = [], []
    for operation in operations:
        if operation.path.startswith(DEVICE_KEY_PATHS):
            continue

        @given(case=operation.as_strategy().map(with_real_ids))
        @hypothesis_settings(
            max_examples=MAX_EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case):
            case.call_and_validate(app=wsgi_app, headers=headers, checks=response_checks)

        label = f"{operation.method.upper()} {operation.path}"
        try:
            fuzz()
        except (Exception, BaseExceptionGroup) as exc:  # collect every operation's failures, report them all
            failures.append(f"{label}: {exc!s:.1500}")
        tested.append(label)
    assert not failures, f"{len(failures)} operations failed:\n\n" + "\n\n".join(failures)
    assert len(tested) >= 15, tested
    assert "GET /api/v1/homes/{home_id}/readings/" in tested
