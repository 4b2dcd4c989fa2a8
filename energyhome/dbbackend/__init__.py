"""PostgreSQL backend: django-timescaledb's, made safe where the extension is missing."""
