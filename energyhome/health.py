"""Health of the parts EnergyHome depends on: database, cache/Redis, Celery broker."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        detail = check()
    except Exception as exc:  # noqa: BLE001 - any failure means "down", reported by name
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    result = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
    if detail:
        result["detail"] = detail
    return result


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def check_redis() -> str:
    if settings.REDIS_IN_MEMORY:
        return "in-memory (single process)"
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
    return "redis"


def check_broker() -> str:
    from energyhome.celery import app

    with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
        conn.ensure_connection(max_retries=1, timeout=1)
        return conn.transport_cls if isinstance(conn.transport_cls, str) else conn.transport_cls.__name__


def check_all() -> dict[str, dict]:
    return {"database": _timed(check_database), "redis": _timed(check_redis), "broker": _timed(check_broker)}
