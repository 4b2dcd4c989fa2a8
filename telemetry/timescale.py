"""TimescaleDB-only storage features for readings: hypertable, uniqueness, compression, retention.

:func:`apply_timescale_policies` is called by migration ``telemetry.0002_timescale_policies``
and by ``manage.py timescale_setup``. It is safe to run any number of times and does
nothing (and says so) where the extension is not installed: SQLite, plain PostgreSQL.
The SQL follows TimescaleDB 2.x's documented API (create_hypertable, ALTER TABLE ... SET
(timescaledb.compress ...), add_compression_policy, add_retention_policy and the
timescaledb_information views).
"""

from __future__ import annotations

from django.conf import settings

from energyhome.dbbackend.base import timescaledb_installed

READING_TABLE = "telemetry_reading"
READING_UNIQUE = "reading_unique_device_time"
NOT_INSTALLED = "TimescaleDB not installed: skipped"


def apply_timescale_policies(connection) -> list[str]:
    """Make ``telemetry_reading`` a hypertable with its policies; return what was done, one line each.

    * hypertable on ``time`` (existing rows migrated), with a primary key of ``(id, time)``
      when the table still has the ordinary ``id`` key (a hypertable's unique keys must
      include the time column);
    * the unique constraint on ``(device_id, time)``, which django-timescaledb's schema
      editor drops, so that duplicate readings are recognised (DESIGN.md, "Known traps");
    * compression segmented by device, ordered by time descending;
    * a compression policy after ``settings.TIMESCALE_COMPRESS_AFTER_DAYS`` days and a
      retention policy after ``settings.TIMESCALE_RETENTION_DAYS`` days (replaced when the
      setting changed).
    """
    if connection.vendor != "postgresql" or not timescaledb_installed(connection):
        return [NOT_INSTALLED]
    done: list[str] = []
    with connection.cursor() as cursor:
        _ensure_hypertable(cursor, done)
        _ensure_unique(cursor, done)
        _ensure_compression(cursor, done)
        _ensure_policy(
            cursor,
            done,
            proc="policy_compression",
            key="compress_after",
            days=settings.TIMESCALE_COMPRESS_AFTER_DAYS,
            add="add_compression_policy",
            remove="remove_compression_policy",
        )
        _ensure_policy(
            cursor,
            done,
            proc="policy_retention",
            key="drop_after",
            days=settings.TIMESCALE_RETENTION_DAYS,
            add="add_retention_policy",
            remove="remove_retention_policy",
        )
    return done


def _is_hypertable(cursor) -> bool:
    cursor.execute(
        "SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_name = %s",
        [READING_TABLE],
    )
    return cursor.fetchone() is not None


def _ensure_hypertable(cursor, done: list[str]) -> None:
    if _is_hypertable(cursor):
        done.append(f"{READING_TABLE} is a hypertable: unchanged")
        return
    cursor.execute(
        """
        SELECT con.conname, array_agg(att.attname::text)
        FROM pg_constraint con
        JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = ANY(con.conkey)
        WHERE con.conrelid = %s::regclass AND con.contype = 'p'
        GROUP BY con.conname
        """,
        [READING_TABLE],
    )
    primary = cursor.fetchone()
    if primary is not None and "time" not in primary[1]:
        cursor.execute(
            f'ALTER TABLE {READING_TABLE} DROP CONSTRAINT "{primary[0]}", ADD PRIMARY KEY (id, "time")'  # noqa: S608
        )
        done.append(f"{READING_TABLE}: primary key is now (id, time)")
    cursor.execute(
        "SELECT create_hypertable(%s, 'time', if_not_exists => TRUE, migrate_data => TRUE)",
        [READING_TABLE],
    )
    done.append(f"{READING_TABLE}: converted to a hypertable")


def _ensure_unique(cursor, done: list[str]) -> None:
    # Any unique index on exactly (device_id, time) will do, whatever its name.
    cursor.execute(
        """
        SELECT 1 FROM pg_index ix
        WHERE ix.indrelid = %s::regclass AND ix.indisunique
          AND (SELECT array_agg(att.attname::text ORDER BY att.attname)
               FROM pg_attribute att
               WHERE att.attrelid = ix.indrelid AND att.attnum = ANY(ix.indkey)) = ARRAY['device_id', 'time']
          AND ix.indnkeyatts = 2
        """,
        [READING_TABLE],
    )
    if cursor.fetchone() is not None:
        done.append(f"{READING_TABLE}: unique (device_id, time) present")
        return
    cursor.execute(f'ALTER TABLE {READING_TABLE} ADD CONSTRAINT {READING_UNIQUE} UNIQUE (device_id, "time")')  # noqa: S608
    done.append(f"{READING_TABLE}: unique (device_id, time) restored")


def _ensure_compression(cursor, done: list[str]) -> None:
    cursor.execute(
        "SELECT compression_enabled FROM timescaledb_information.hypertables WHERE hypertable_name = %s",
        [READING_TABLE],
    )
    row = cursor.fetchone()
    if row is not None and row[0]:
        done.append(f"{READING_TABLE}: compression enabled: unchanged")
        return
    cursor.execute(
        f"ALTER TABLE {READING_TABLE} SET (timescaledb.compress, "  # noqa: S608
        "timescaledb.compress_segmentby = 'device_id', timescaledb.compress_orderby = 'time DESC')"
    )
    done.append(f"{READING_TABLE}: compression enabled (segment by device_id, order by time DESC)")


def _ensure_policy(cursor, done: list[str], *, proc: str, key: str, days: int, add: str, remove: str) -> None:
    cursor.execute(
        f"""
        SELECT (config ->> '{key}')::interval = make_interval(days => %s)
        FROM timescaledb_information.jobs
        WHERE proc_name = %s AND hypertable_name = %s
        """,  # noqa: S608 - key is one of two constants
        [days, proc, READING_TABLE],
    )
    row = cursor.fetchone()
    if row is not None and row[0]:
        done.append(f"{add}: {days} days: unchanged")
        return
    if row is not None:
        cursor.execute(f"SELECT {remove}(%s, if_exists => TRUE)", [READING_TABLE])
    cursor.execute(
        f"SELECT {add}(%s, make_interval(days => %s), if_not_exists => TRUE)",
        [READING_TABLE, days],
    )
    done.append(f"{add}: {days} days" + (" (replaced)" if row is not None else ""))
