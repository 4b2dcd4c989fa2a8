"""Time bucketing in SQL, one expression for every storage profile (DESIGN.md, "Storage profiles").

``TimeBucket(step, "time")`` is the aware UTC start of the ``step``-wide bucket that
contains the row's timestamp, aligned to :data:`telemetry.energy.BUCKET_ORIGIN`
(2000-01-03 00:00 UTC, TimescaleDB's own default), so every backend and the Python rule
(:func:`telemetry.energy.bucket_start`) agree on the same boundaries:

* TimescaleDB: ``time_bucket(step, time, origin => ...)``
* PostgreSQL 14+ without the extension: ``date_bin(step, time, origin)``
* SQLite: whole-second arithmetic on ``strftime('%s', time)`` turned back by ``datetime(..., 'unixepoch')``

``step`` is a fixed ``timedelta`` of whole seconds (no months: their length varies).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import models
from django.db.models import Func, QuerySet

from telemetry.energy import BUCKET_ORIGIN

_TSDB_CACHE_ATTR = "_energyhome_timescaledb"


def uses_timescaledb(connection) -> bool:
    """True when ``connection`` is PostgreSQL with the timescaledb extension; cached per connection.

    The answer is remembered for the underlying DB-API connection, so a reconnect asks again.
    """
    if connection.vendor != "postgresql":
        return False
    connection.ensure_connection()
    raw = connection.connection
    cached = connection.__dict__.get(_TSDB_CACHE_ATTR)
    if cached is not None and cached[0] is raw:
        return cached[1]
    from energyhome.dbbackend.base import timescaledb_installed

    installed = timescaledb_installed(connection)
    connection.__dict__[_TSDB_CACHE_ATTR] = (raw, installed)
    return installed


class TimeBucket(Func):
    """Start of the ``step`` bucket containing ``expression`` (a datetime field), as aware UTC."""

    output_field = models.DateTimeField()

    def __init__(self, step: timedelta, expression: str | models.Expression = "time", origin: datetime = BUCKET_ORIGIN):
        seconds = step.total_seconds()
        if seconds <= 0 or seconds != int(seconds):
            raise ValueError("TimeBucket step must be a positive whole number of seconds")
        if origin.tzinfo is None:
            raise ValueError("TimeBucket origin must be aware")
        self.step = step
        self.origin = origin
        super().__init__(expression)

    def as_sql(self, compiler, connection, **extra_context):
        raise NotImplementedError(f"TimeBucket is not implemented for {connection.vendor}")

    def as_postgresql(self, compiler, connection, **extra_context):
        column_sql, params = compiler.compile(self.source_expressions[0])
        if uses_timescaledb(connection):
            sql = f"time_bucket(%s::interval, {column_sql}, origin => %s::timestamptz)"
        else:
            sql = f"date_bin(%s::interval, {column_sql}, %s::timestamptz)"
        return sql, (self.step, *params, self.origin)

    def as_sqlite(self, compiler, connection, **extra_context):
        column_sql, params = compiler.compile(self.source_expressions[0])
        step_s = int(self.step.total_seconds())
        origin_s = int(self.origin.timestamp())
        # Django stores 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC); the fraction is cut off first
        # because SQLite's date functions round to milliseconds (59.9999 s would become 60).
        # d = seconds since origin; floor(d / step) * step, written so that it also floors
        # for instants before the origin (SQLite's % truncates toward zero).
        delta = f"(CAST(strftime('%%s', substr({column_sql}, 1, 19)) AS INTEGER) - {origin_s})"
        sql = f"datetime({origin_s} + {delta} - ((({delta} %% {step_s}) + {step_s}) %% {step_s}), 'unixepoch')"
        return sql, (*params, *params, *params)


def bucketed(
    queryset: QuerySet, step: timedelta, field: str = "time", origin: datetime = BUCKET_ORIGIN, name: str = "bucket"
) -> QuerySet:
    """``queryset`` annotated with ``name`` = the aware UTC bucket start of ``field``."""
    return queryset.annotate(**{name: TimeBucket(step, field, origin=origin)})
