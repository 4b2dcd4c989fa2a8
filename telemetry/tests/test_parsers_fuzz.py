"""Property tests (hypothesis) on the doors readings come in by: the JSON body parser and item rules
shared by HTTP and MQTT, and the CSV import. Whatever arrives, the answer is a valid reading or a
validation error that names a field, never another exception."""

from __future__ import annotations

import io
import json
import math
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telemetry.validation import InvalidBody, InvalidItem, check_fields, parse_measurement, readings_from_json

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
FIELDS = ["time", "power_w", "energy_wh_total", "voltage_v", "current_a", "power_factor", "soc_pct", "device", "x"]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["2026-12-01T11:59:00Z", "2026-12-01T11:59:00", "NaN", "1e309", "1733050000", ""]),
)
items = st.dictionaries(st.sampled_from(FIELDS), scalars, max_size=8)
batches = st.fixed_dictionaries({"readings": st.lists(items, max_size=5)})
bodies = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200),
    st.builds(json.dumps, st.one_of(items, st.lists(items, max_size=5), batches)),
)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(body=bodies)
def test_the_body_parser_returns_a_list_or_a_clear_invalid_body(body):
    try:
        parsed = readings_from_json(body)
    except InvalidBody as bad:
        assert bad.message
        return
    assert isinstance(parsed, list)


@settings(max_examples=500, deadline=None, derandomize=True, database=None)
@given(item=st.one_of(items, scalars, st.lists(scalars, max_size=3)))
def test_an_item_is_a_valid_measurement_or_an_error_naming_a_field(item):
    try:
        measurement = parse_measurement(check_fields(item), min_power_w=0, max_power_w=5000, now=NOW)
    except InvalidItem as bad:
        assert bad.field and bad.reason
        return
    assert measurement.time.tzinfo is not None and measurement.time <= NOW.replace(minute=5)
    assert math.isfinite(measurement.power_w) and 0 <= measurement.power_w <= 5000
    for name in ("energy_wh_total", "voltage_v", "current_a", "power_factor", "soc_pct"):
        value = getattr(measurement, name)
        assert value is None or math.isfinite(value)


cells = st.one_of(st.text(max_size=20), st.sampled_from(["2026-11-30 10:00", "plug-fz", "12.5", "-3", "nan", ",", '"']))


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(rows=st.lists(st.lists(cells, min_size=0, max_size=5), max_size=8))
def test_a_csv_of_anything_imports_the_good_rows_and_reports_the_rest(home, rows):
    from devices.tests.factories import register
    from telemetry.csv_io import CsvFormatError, import_readings_csv

    if not home.devices.filter(external_id="plug-fz").exists():
        register(home, type="smart-plug", name="Plug", external_id="plug-fz")
    text = "timestamp,device,power_w\n" + "\n".join(",".join(row) for row in rows) + "\n"
    try:
        result = import_readings_csv(home=home, file=io.BytesIO(text.encode()))
    except CsvFormatError as bad:
        assert str(bad)
        return
    assert result.stored + result.duplicates + result.rejected == result.rows
    for error in result.errors:
        assert error.line >= 2 and error.field and error.reason
