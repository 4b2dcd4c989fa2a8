"""A thin compatibility layer over django-timescaledb 0.2.13's backend.

Why it exists (see README, architecture):

* The upstream backend runs ``CREATE EXTENSION timescaledb`` on connect and only
  catches ``ProgrammingError``. On a PostgreSQL server without the extension the
  error is different and the connection fails; here the extension is looked up in
  ``pg_available_extensions`` first and its absence is remembered, not raised.
* The upstream schema editor calls ``create_hypertable`` unconditionally. Here it runs
  only when the extension is installed, so plain PostgreSQL gets an ordinary table.
* Before ``create_hypertable`` the upstream editor drops the table's primary key and
  adds nothing back, so ``bulk_create(ignore_conflicts=True)`` silently stores duplicates.
  Our hypertables declare a ``UniqueConstraint`` that includes the time column, which a
  hypertable allows; after conversion this editor checks that every such constraint
  still exists and recreates any that went missing.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError
from timescale.db.backends.postgresql.base_impl import backend as base_backend
from timescale.db.backends.postgresql.schema import TimescaleSchemaEditor

logger = logging.getLogger(__name__)


def timescaledb_installed(connection) -> bool:
    """True when the ``timescaledb`` extension is installed in the connected database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'")
        return cursor.fetchone() is not None


class SchemaEditor(TimescaleSchemaEditor):
    def _create_hypertable(self, model, field, should_migrate=False):
        if not timescaledb_installed(self.connection):
            logger.info("TimescaleDB not installed: %s stays an ordinary table", model._meta.db_table)
            return
        super()._create_hypertable(model, field, should_migrate)
        self._restore_unique_constraints(model)

    def _set_chunk_time_interval(self, model, field):
        if timescaledb_installed(self.connection):
            super()._set_chunk_time_interval(model, field)

    def _restore_unique_constraints(self, model):
        existing = self.connection.introspection.get_constraints(self.connection.cursor(), model._meta.db_table)
        for constraint in model._meta.constraints:
            if getattr(constraint, "fields", None) and constraint.name not in existing:
                self.add_constraint(model, constraint)


class DatabaseWrapper(base_backend()):
    SchemaEditorClass = SchemaEditor

    def prepare_database(self):
        # Not the upstream wrapper's prepare_database (it fails without the extension):
        # enable the extension only where the server offers it.
        super().prepare_database()
        with self.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'")
            if cursor.fetchone() is None:
                return
            try:
                with self.wrap_database_errors:
                    cursor.execute("SAVEPOINT eh_tsdb")
                    cursor.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
                    cursor.execute("RELEASE SAVEPOINT eh_tsdb")
            except DatabaseError:
                cursor.execute("ROLLBACK TO SAVEPOINT eh_tsdb")
                logger.warning("timescaledb is available but could not be enabled", exc_info=True)
