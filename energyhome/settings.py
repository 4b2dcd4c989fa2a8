"""EnergyHome settings: one file, every deployment choice read from the environment.

With no environment at all this is the *embedded* profile: SQLite under ``var/`` and the
local Redis that ``make run`` starts on 127.0.0.1:6390. ``DATABASE_URL`` and ``REDIS_URL``
switch to the production profile. A bad value fails loudly at start-up.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true/false)")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from exc


def envlist(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = envbool("DEBUG", default=True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    # Embedded profile: a random key kept under var/ so sessions survive restarts.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    SECRET_KEY = key_file.read_text().strip()

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Invitations not accepted within this many days expire (single-use either way).
INVITATION_TTL_DAYS = envint("INVITATION_TTL_DAYS", 14)

INSTALLED_APPS = [
    "daphne",
    "energyhome.apps.EnergyHomeAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.headless",
    "energyhome",
    "accounts",
    "devices",
    "telemetry",
    "analytics",
    "assistant",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.CurrentHomeMiddleware",
]

ROOT_URLCONF = "energyhome.urls"
WSGI_APPLICATION = "energyhome.wsgi.application"
ASGI_APPLICATION = "energyhome.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.homes",
                "analytics.insight_views.alerts_badge",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# Embedded: SQLite in WAL mode with a busy timeout, IMMEDIATE transactions so that
# concurrent writers (web, worker, simulator) queue instead of failing with "locked".
# Production: postgres://... goes through energyhome.dbbackend, a thin layer over
# django-timescaledb's backend that detects the extension (see README, architecture).
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 60))
    if _db["ENGINE"] == "django.db.backends.postgresql":
        _db["ENGINE"] = "energyhome.dbbackend"
    elif _db["ENGINE"] != "django.db.backends.sqlite3":
        raise ImproperlyConfigured(f"DATABASE_URL: unsupported database {_db['ENGINE']!r}")
    _db["CONN_HEALTH_CHECKS"] = True
else:
    _db = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "energyhome.sqlite3",
    }
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db.setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, channel layer, Celery broker -----------------------------------------
EMBEDDED_REDIS_PORT = envint("EMBEDDED_REDIS_PORT", 6390)
REDIS_URL = os.environ.get("REDIS_URL", f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0")
if urlparse(REDIS_URL).scheme not in {"redis", "rediss", "memory"}:
    raise ImproperlyConfigured(f"REDIS_URL={REDIS_URL!r}: expected redis://, rediss:// or memory://")
REDIS_IN_MEMORY = REDIS_URL.startswith("memory://")

if REDIS_IN_MEMORY:
    # One process only (tests, a quick look): nothing crosses process boundaries.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "energyhome.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "eh"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": os.environ.get("CHANNEL_PREFIX", "eh")},
        }
    }

CELERY_BROKER_URL = "memory://" if REDIS_IN_MEMORY else REDIS_URL
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", default=REDIS_IN_MEMORY)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis is not the record: a task lost with it is re-created from the database by a sweep.
# The visibility timeout sits just above the longest task instead of the 1 h default.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT_S", 600)}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Task modules outside <app>/tasks.py that the worker must know.
CELERY_IMPORTS = ["telemetry.csv_tasks"]
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The beat schedule lives here, one named entry per job; later features add theirs.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "rollup-dirty-hours": {
        "task": "telemetry.tasks.rollup_dirty_hours",
        "schedule": crontab(),  # every minute, aligned to the clock
    },
    "reprice-stale-costs": {
        "task": "analytics.tasks.reprice_stale",
        "schedule": crontab(minute="*/10"),
    },
    # Sub-minute on purpose (not a crontab): retries back off from 5 s and a lost dispatch task
    # must be re-sent within seconds. Idempotent and lock-free: each command is claimed by a
    # conditional UPDATE, so two beats cannot send one twice.
    "sweep-commands": {
        "task": "devices.tasks.sweep_commands",
        "schedule": timedelta(seconds=5),
    },
    "run-rules": {
        "task": "devices.tasks.run_rules",
        "schedule": crontab(),  # every minute: schedules at their local minute, automations evaluated
    },
    "insights-nightly": {  # forecasts and anomalies of every home
        "task": "analytics.tasks.nightly_insights",
        "schedule": crontab(minute=40, hour=2),
    },
    "evaluate-alerts": {  # idempotent: one open alert per rule and cause
        "task": "analytics.tasks.evaluate_alerts",
        "schedule": crontab(),
    },
    "insights-new-data": {  # a home with many new rollup hours (CSV import, backfill): recompute now
        "task": "analytics.tasks.insights_for_new_data",
        "schedule": crontab(minute=25),
    },
    "recommendations-weekly": {
        "task": "analytics.tasks.weekly_recommendations",
        "schedule": crontab(minute=10, hour=4, day_of_week="mon"),
    },
    # Hourly, because Monday 07:00 comes at a different UTC hour in each home's zone; the job
    # sends only to homes whose local time is Monday 07:xx, and never a week twice.
    "weekly-reports": {
        "task": "analytics.tasks.send_weekly_reports",
        "schedule": crontab(minute=5),
    },
    "alert-emails-after-quiet-hours": {  # alert emails that waited for a recipient's quiet hours
        "task": "analytics.tasks.send_waiting_alert_emails",
        "schedule": crontab(minute="*/5"),
    },
    "clear-expired-sessions": {
        "task": "accounts.tasks.clear_expired_sessions",
        "schedule": crontab(minute=17, hour=3),
    },
}

# --- Auth and accounts --------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_CONFIRM_EMAIL_ON_GET = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupExtraForm"
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[EnergyHome] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if not DEBUG else "http"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "EnergyHome"

# --- Email ---------------------------------------------------------------------------------
EMAIL_URL = os.environ.get("EMAIL_URL", "console://")
_email = urlparse(EMAIL_URL)
if _email.scheme == "console":
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
elif _email.scheme == "locmem":
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
elif _email.scheme in {"smtp", "smtps", "submission"}:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email.hostname or "localhost"
    EMAIL_PORT = _email.port or (465 if _email.scheme == "smtps" else 587)
    EMAIL_HOST_USER = _email.username or ""
    EMAIL_HOST_PASSWORD = _email.password or ""
    EMAIL_USE_SSL = _email.scheme == "smtps"
    EMAIL_USE_TLS = _email.scheme == "submission"
else:
    raise ImproperlyConfigured(f"EMAIL_URL={EMAIL_URL!r}: expected console://, locmem:// or smtp(s)://")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "EnergyHome <noreply@energyhome.local>")

# --- i18n, static ----------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # plotly's own bundled plotly.min.js (same version as the Python package), served locally as
    # /static/vendor/plotly/plotly.min.js; no CDN.
    ("vendor/plotly", Path(importlib.util.find_spec("plotly").origin).parent / "package_data"),
]
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- REST API ----------------------------------------------------------------------------------
# The mobile app logs in through allauth's headless "app" endpoints (/_allauth/app/v1/...) and gets
# a JWT access token (1 h) and a refresh token (30 days, rotated on every use). Each token names an
# allauth session; logging out deletes it, so both tokens die at once (stateful validation).
HEADLESS_CLIENTS = ("app",)
HEADLESS_TOKEN_STRATEGY = "energyhome.api_auth.AppTokenStrategy"  # noqa: S105 (a class path, not a secret)
# RS256 when a PEM private key is given (other services can verify with the public key); otherwise
# HS256 signed with SECRET_KEY.
HEADLESS_JWT_PRIVATE_KEY = os.environ.get("API_JWT_PRIVATE_KEY", "").replace("\\n", "\n")
HEADLESS_JWT_ALGORITHM = "RS256" if HEADLESS_JWT_PRIVATE_KEY else "HS256"
HEADLESS_JWT_ACCESS_TOKEN_EXPIRES_IN = envint("API_ACCESS_TOKEN_LIFETIME_S", 3600)
HEADLESS_JWT_REFRESH_TOKEN_EXPIRES_IN = envint("API_REFRESH_TOKEN_LIFETIME_S", 30 * 24 * 3600)
HEADLESS_JWT_ROTATE_REFRESH_TOKEN = True
HEADLESS_JWT_STATEFUL_VALIDATION_ENABLED = True

# Per user (or per IP when anonymous), and per device key: "<n>/<s|min|hour|day>". Read on every
# request, so a test can lower them with the settings fixture.
API_THROTTLE_RATES = {
    "user": os.environ.get("API_USER_RATE", "1000/min"),
    "device_key": os.environ.get("API_DEVICE_KEY_RATE", "600/min"),
}
# Largest JSON body the user-facing API parses (the ingest endpoint has its own, larger limit).
API_MAX_BODY_BYTES = envint("API_MAX_BODY_BYTES", 256 * 1024)

REST_FRAMEWORK = {
    # Bearer first: an anonymous request gets 401 with WWW-Authenticate, not 403. Session auth keeps
    # the web pages' own calls working (with CSRF).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "energyhome.api_auth.AccessTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": [
        "energyhome.api_throttling.UserRateThrottle",
        "energyhome.api_throttling.DeviceKeyRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": API_THROTTLE_RATES,
    "DEFAULT_PARSER_CLASSES": ["energyhome.api_limits.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "energyhome.api_pagination.PagePagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "energyhome.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "EnergyHome API",
    "VERSION": "1.0.0",
    "DESCRIPTION": (
        "JSON API for the EnergyHome mobile app and devices. Log in through allauth's headless app "
        "endpoints (`POST /_allauth/app/v1/auth/login`) and send `Authorization: Bearer <access token>`. "
        "Times are ISO 8601 with an offset (UTC, `Z`); units are in field names (`_w`, `_wh`). Errors: "
        '`{"error": {"code", "message", "fields"}}`.'
    ),
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two "kind" choice sets would otherwise collide (a warning that fails `check --deploy`).
    "ENUM_NAME_OVERRIDES": {
        "TariffKindEnum": "analytics.models.Tariff.Kind",
        "AnswerKindEnum": ["answer", "clarify", "declined", "confirm"],
    },
}

# --- Security (production) -----------------------------------------------------------------------
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = envlist("SILENCED_SYSTEM_CHECKS", [])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- MQTT (device telemetry and commands) ----------------------------------------------------------
MQTT_URL = os.environ.get("MQTT_URL", "mqtt://127.0.0.1:1883")
MQTT_TOPIC_PREFIX = os.environ.get("MQTT_TOPIC_PREFIX", "energyhome")
# Stable client id: the bridge keeps a persistent session (QoS 1, clean session off).
MQTT_BRIDGE_CLIENT_ID = os.environ.get("MQTT_BRIDGE_CLIENT_ID", "energyhome-telemetry-bridge")
# Commands go out over MQTT to devices that have an MQTT topic, when this is on (a broker at MQTT_URL).
MQTT_COMMANDS = envbool("MQTT_COMMANDS", default=True)

# --- Device commands ---------------------------------------------------------------------------------
# An unacknowledged command expires after this long (queued-while-offline ones after the longer one).
COMMAND_EXPIRY_S = envint("COMMAND_EXPIRY_S", 120)
COMMAND_QUEUE_EXPIRY_S = envint("COMMAND_QUEUE_EXPIRY_S", 24 * 3600)
# Re-send an unacknowledged command after 5 s, 10 s, 20 s, ... (capped), until it expires.
COMMAND_RETRY_BASE_S = envint("COMMAND_RETRY_BASE_S", 5)
COMMAND_RETRY_MAX_S = envint("COMMAND_RETRY_MAX_S", 60)
# A full 10,000-reading ingest batch with every field is ~1.7 MB; beyond this: 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)

# --- EnergyHome --------------------------------------------------------------------------------------
TIMESCALE_COMPRESS_AFTER_DAYS = envint("TIMESCALE_COMPRESS_AFTER_DAYS", 7)
TIMESCALE_RETENTION_DAYS = envint("TIMESCALE_RETENTION_DAYS", 400)
DEMO_EMAIL = os.environ.get("DEMO_EMAIL", "demo@energyhome.local")
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "energy-demo-2026")
# Assistant: questions per user per minute; optional OpenAI-compatible LLM (off when the URL is empty).
ASSISTANT_RATE_PER_MINUTE = envint("ASSISTANT_RATE_PER_MINUTE", 30)
ASSISTANT_LLM_URL = os.environ.get("ASSISTANT_LLM_URL", "")
ASSISTANT_LLM_MODEL = os.environ.get("ASSISTANT_LLM_MODEL", "")
ASSISTANT_LLM_KEY = os.environ.get("ASSISTANT_LLM_KEY", "")
ASSISTANT_LLM_TIMEOUT_S = envint("ASSISTANT_LLM_TIMEOUT_S", 8)
