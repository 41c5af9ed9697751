"""errorhub settings: laptop defaults, production differences from environment variables only.

Every variable is documented in README.md ("Configuration").
"""

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url

from errorhub.conf import DEFAULTS

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("ERRORHUB_DATA_DIR", BASE_DIR / "data"))


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def env_float(name, default):
    value = os.environ.get(name)
    return default if value in (None, "") else float(value)


EMAIL_SCHEMES = {
    # scheme: (default port, STARTTLS, implicit TLS)
    "smtp": (25, False, False),
    "smtp+tls": (587, True, False),
    "smtps": (465, False, True),
}
CONSOLE_EMAIL = "django.core.mail.backends.console.EmailBackend"
SMTP_EMAIL = "django.core.mail.backends.smtp.EmailBackend"


def email_settings():
    """(backend, host, port, user, password, use_tls, use_ssl) from EMAIL_URL (smtp://user:pass@host:port,
    smtp+tls://, smtps://, console://) or EMAIL_HOST & co.; neither set: the console backend prints mail."""
    url = os.environ.get("EMAIL_URL", "")
    if url:
        parts = urlsplit(url)
        if parts.scheme == "console":
            return CONSOLE_EMAIL, "localhost", 25, "", "", False, False
        if parts.scheme not in EMAIL_SCHEMES:
            raise RuntimeError(f"EMAIL_URL scheme must be console or one of {', '.join(EMAIL_SCHEMES)}")
        port, starttls, implicit_tls = EMAIL_SCHEMES[parts.scheme]
        user, password = unquote(parts.username or ""), unquote(parts.password or "")
        return SMTP_EMAIL, parts.hostname or "localhost", parts.port or port, user, password, starttls, implicit_tls
    host = os.environ.get("EMAIL_HOST", "")
    return (
        SMTP_EMAIL if host else CONSOLE_EMAIL,
        host or "localhost",
        env_int("EMAIL_PORT", 25),
        os.environ.get("EMAIL_HOST_USER", ""),
        os.environ.get("EMAIL_HOST_PASSWORD", ""),
        env_bool("EMAIL_USE_TLS", False),
        False,
    )


def embedded_secret_key():
    """A key generated once for the embedded default, so sessions survive restarts."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


DEBUG = env_bool("DEBUG", False)
# Production: a configured database with debug pages off. It must not run on a guessable key.
PRODUCTION = "DATABASE_URL" in os.environ and not DEBUG
MIN_SECRET_KEY_LENGTH = 32
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise RuntimeError("SECRET_KEY is required when DATABASE_URL is set and DEBUG is off")
    SECRET_KEY = embedded_secret_key()
elif PRODUCTION and len(SECRET_KEY) < MIN_SECRET_KEY_LENGTH:
    raise RuntimeError(
        f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters when DATABASE_URL is set and DEBUG is off"
        " (e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))')"
    )

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "*").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "issues",
    "ingest",
    "alerts",
]

MIDDLEWARE = [
    "errorhub.middleware.ProjectKeyPrefixMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "errorhub.middleware.RefuseNulInParameters",
    "errorhub.middleware.AnswerDatabaseOutages",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SignInLockoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "errorhub.urls"
# Periskop scrapes /-/errors and /-/errors/ alike; never redirect between them.
APPEND_SLASH = False

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
                "accounts.context_processors.sign_in_options",
            ],
        },
    },
]

WSGI_APPLICATION = "errorhub.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'errorhub.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        # A kept connection that died with its server is replaced before use, not failed on.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    connect_timeout = env_int("DATABASE_CONNECT_TIMEOUT_SECONDS", DEFAULTS["DATABASE_CONNECT_TIMEOUT_SECONDS"])
    statement_timeout = env_int("DATABASE_STATEMENT_TIMEOUT_SECONDS", DEFAULTS["DATABASE_STATEMENT_TIMEOUT_SECONDS"])
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"connect_timeout": connect_timeout, "options": f"-c statement_timeout={statement_timeout * 1000}"}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at
        # BEGIN so two digests never interleave a read and a write.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not pytest's in-memory default, so a gunicorn process under test shares it.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test_errorhub.sqlite3")}
elif os.environ.get("ERRORHUB_TEST_DATABASE_NAME"):
    # A server's test database (tests/run.sh's PostgreSQL leg); SQLite's is the file above.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["ERRORHUB_TEST_DATABASE_NAME"]}

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Serve the admin's static files even where collectstatic never ran (a Procfile deploy
# without a build step); `make run` still collects them for compressed copies.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

ERRORHUB_MAX_BODY_BYTES = env_int("ERRORHUB_MAX_BODY_BYTES", DEFAULTS["ERRORHUB_MAX_BODY_BYTES"])
DATA_UPLOAD_MAX_MEMORY_SIZE = ERRORHUB_MAX_BODY_BYTES
ERRORHUB_BASE_URL = (os.environ.get("ERRORHUB_BASE_URL") or DEFAULTS["ERRORHUB_BASE_URL"]).rstrip("/")

# Security behind HTTPS (README "Configuration"): cookies are Secure when the public URL is https.
SERVED_OVER_HTTPS = ERRORHUB_BASE_URL.lower().startswith("https://")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", DEFAULTS["SECURE_HSTS_SECONDS"])
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", DEFAULTS["SECURE_SSL_REDIRECT"])
# Load balancers probe /health over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^health$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", SERVED_OVER_HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", SERVED_OVER_HTTPS)
if os.environ.get("SECURE_PROXY_SSL_HEADER"):
    # "HTTP_X_FORWARDED_PROTO,https": the header (as Django spells it in META) and its HTTPS value.
    _header, _, _value = os.environ["SECURE_PROXY_SSL_HEADER"].partition(",")
    SECURE_PROXY_SSL_HEADER = (_header.strip(), _value.strip() or "https")

# Sign-in: password (email) and/or OpenID Connect single sign-on (accounts.oidc).
ERRORHUB_PASSWORD_LOGIN = env_bool("ERRORHUB_PASSWORD_LOGIN", DEFAULTS["ERRORHUB_PASSWORD_LOGIN"])
ERRORHUB_SIGNIN_MAX_FAILURES_PER_EMAIL = env_int(
    "ERRORHUB_SIGNIN_MAX_FAILURES_PER_EMAIL", DEFAULTS["ERRORHUB_SIGNIN_MAX_FAILURES_PER_EMAIL"]
)
ERRORHUB_SIGNIN_MAX_FAILURES_PER_IP = env_int(
    "ERRORHUB_SIGNIN_MAX_FAILURES_PER_IP", DEFAULTS["ERRORHUB_SIGNIN_MAX_FAILURES_PER_IP"]
)
ERRORHUB_SIGNIN_WINDOW_SECONDS = env_int("ERRORHUB_SIGNIN_WINDOW_SECONDS", DEFAULTS["ERRORHUB_SIGNIN_WINDOW_SECONDS"])
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "").rstrip("/")
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_SIGN_ALGO") or DEFAULTS["OIDC_SIGN_ALGO"]
OIDC_RP_SCOPES = os.environ.get("OIDC_SCOPES") or DEFAULTS["OIDC_SCOPES"]
OIDC_GROUPS_CLAIM = os.environ.get("OIDC_GROUPS_CLAIM") or DEFAULTS["OIDC_GROUPS_CLAIM"]
OIDC_STAFF_GROUP = os.environ.get("OIDC_STAFF_GROUP", "")
OIDC_SUPERUSER_GROUP = os.environ.get("OIDC_SUPERUSER_GROUP", "")
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME") or urlsplit(OIDC_ISSUER).hostname or ""
OIDC_TIMEOUT = 10
OIDC_USE_PKCE = True
OIDC_AUTHENTICATE_CLASS = "accounts.oidc.SignInRequestView"
LOGIN_REDIRECT_URL = "/admin/"
LOGIN_REDIRECT_URL_FAILURE = "/admin/login/?sso=failed"
if OIDC_ISSUER and not (OIDC_RP_CLIENT_ID and OIDC_RP_CLIENT_SECRET):
    raise RuntimeError("OIDC_ISSUER needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET")
if not ERRORHUB_PASSWORD_LOGIN and not OIDC_ISSUER:
    raise RuntimeError("ERRORHUB_PASSWORD_LOGIN=false needs single sign-on (OIDC_ISSUER): nobody could sign in")
AUTHENTICATION_BACKENDS = [
    *(["accounts.backends.EmailPasswordBackend"] if ERRORHUB_PASSWORD_LOGIN else []),
    *(["accounts.oidc.SingleSignOnBackend"] if OIDC_ISSUER else []),
]
ERRORHUB_OPEN_INGEST = env_bool("ERRORHUB_OPEN_INGEST", DEFAULTS["ERRORHUB_OPEN_INGEST"])
ERRORHUB_OPEN_REGISTRATION = env_bool("ERRORHUB_OPEN_REGISTRATION", DEFAULTS["ERRORHUB_OPEN_REGISTRATION"])
ERRORHUB_OPEN_LEGACY_API = env_bool("ERRORHUB_OPEN_LEGACY_API", DEFAULTS["ERRORHUB_OPEN_LEGACY_API"])
ERRORHUB_TOKEN_TTL_DAYS = env_int("ERRORHUB_TOKEN_TTL_DAYS", DEFAULTS["ERRORHUB_TOKEN_TTL_DAYS"])
ERRORHUB_DIGEST_BATCH_SIZE = env_int("ERRORHUB_DIGEST_BATCH_SIZE", DEFAULTS["ERRORHUB_DIGEST_BATCH_SIZE"])
ERRORHUB_DIGEST_GATHER_MS = env_int("ERRORHUB_DIGEST_GATHER_MS", DEFAULTS["ERRORHUB_DIGEST_GATHER_MS"])
ERRORHUB_BROKER_TIMEOUT_MS = env_int("ERRORHUB_BROKER_TIMEOUT_MS", DEFAULTS["ERRORHUB_BROKER_TIMEOUT_MS"])
ERRORHUB_DIGEST_IN_REQUEST = env_bool("ERRORHUB_DIGEST_IN_REQUEST", DEFAULTS["ERRORHUB_DIGEST_IN_REQUEST"])
ERRORHUB_PROJECT_EVENTS_PER_MINUTE = env_int(
    "ERRORHUB_PROJECT_EVENTS_PER_MINUTE", DEFAULTS["ERRORHUB_PROJECT_EVENTS_PER_MINUTE"]
)
ERRORHUB_PROJECT_EVENTS_PER_HOUR = env_int(
    "ERRORHUB_PROJECT_EVENTS_PER_HOUR", DEFAULTS["ERRORHUB_PROJECT_EVENTS_PER_HOUR"]
)
ERRORHUB_INSTALLATION_EVENTS_PER_MINUTE = env_int(
    "ERRORHUB_INSTALLATION_EVENTS_PER_MINUTE", DEFAULTS["ERRORHUB_INSTALLATION_EVENTS_PER_MINUTE"]
)
ERRORHUB_BUCKET_SECONDS = env_int("ERRORHUB_BUCKET_SECONDS", DEFAULTS["ERRORHUB_BUCKET_SECONDS"])
ERRORHUB_EXPORT_MAX_ROWS = env_int("ERRORHUB_EXPORT_MAX_ROWS", DEFAULTS["ERRORHUB_EXPORT_MAX_ROWS"])
ERRORHUB_EVENT_RETENTION_DAYS = env_int("ERRORHUB_EVENT_RETENTION_DAYS", DEFAULTS["ERRORHUB_EVENT_RETENTION_DAYS"])
ERRORHUB_EVENTSUM_TIME_FORMAT = (
    os.environ.get("ERRORHUB_EVENTSUM_TIME_FORMAT") or DEFAULTS["ERRORHUB_EVENTSUM_TIME_FORMAT"]
)
ERRORHUB_EVENTSUM_TIME_INTERVAL_MINUTES = env_int(
    "ERRORHUB_EVENTSUM_TIME_INTERVAL_MINUTES", DEFAULTS["ERRORHUB_EVENTSUM_TIME_INTERVAL_MINUTES"]
)
SENTRY_WEBHOOK_SECRET = os.environ.get("SENTRY_WEBHOOK_SECRET", DEFAULTS["SENTRY_WEBHOOK_SECRET"])
GLITCHTIP_WEBHOOK_TOKEN = os.environ.get("GLITCHTIP_WEBHOOK_TOKEN", DEFAULTS["GLITCHTIP_WEBHOOK_TOKEN"])

KAPACITOR_URL = os.environ.get("KAPACITOR_URL", DEFAULTS["KAPACITOR_URL"]).rstrip("/")
KAPACITOR_DATABASE = os.environ.get("KAPACITOR_DATABASE", DEFAULTS["KAPACITOR_DATABASE"])
KAPACITOR_RETENTION_POLICY = os.environ.get("KAPACITOR_RETENTION_POLICY", DEFAULTS["KAPACITOR_RETENTION_POLICY"])
KAPACITOR_DASHBOARD_URL = os.environ.get("KAPACITOR_DASHBOARD_URL", DEFAULTS["KAPACITOR_DASHBOARD_URL"])
KAPACITOR_TIMEOUT_SECONDS = env_int("KAPACITOR_TIMEOUT_SECONDS", DEFAULTS["KAPACITOR_TIMEOUT_SECONDS"])
KAPACITOR_SYNC_MAX_RETRIES = env_int("KAPACITOR_SYNC_MAX_RETRIES", DEFAULTS["KAPACITOR_SYNC_MAX_RETRIES"])
KAPACITOR_RECONCILE_SECONDS = env_int("KAPACITOR_RECONCILE_SECONDS", DEFAULTS["KAPACITOR_RECONCILE_SECONDS"])
# As the original: present (any value, even empty) means "import the tasks from Kapacitor at
# startup" (`import_kapacitor_tasks --if-run-migration`).
RUN_MIGRATION = "RUN_MIGRATION" in os.environ

ERRORHUB_ALLOW_PRIVATE_TARGETS = env_bool("ERRORHUB_ALLOW_PRIVATE_TARGETS", DEFAULTS["ERRORHUB_ALLOW_PRIVATE_TARGETS"])
ERRORHUB_ALERT_TIMEOUT_SECONDS = env_float("ERRORHUB_ALERT_TIMEOUT_SECONDS", DEFAULTS["ERRORHUB_ALERT_TIMEOUT_SECONDS"])
ERRORHUB_ALERT_MAX_ATTEMPTS = env_int("ERRORHUB_ALERT_MAX_ATTEMPTS", DEFAULTS["ERRORHUB_ALERT_MAX_ATTEMPTS"])
ERRORHUB_ALERT_RETRY_BACKOFF_SECONDS = env_float(
    "ERRORHUB_ALERT_RETRY_BACKOFF_SECONDS", DEFAULTS["ERRORHUB_ALERT_RETRY_BACKOFF_SECONDS"]
)
ERRORHUB_ALERT_BURST_SECONDS = env_float("ERRORHUB_ALERT_BURST_SECONDS", DEFAULTS["ERRORHUB_ALERT_BURST_SECONDS"])
EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, EMAIL_USE_SSL = (
    email_settings()
)
EMAIL_TIMEOUT = ERRORHUB_ALERT_TIMEOUT_SECONDS
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL") or DEFAULTS["DEFAULT_FROM_EMAIL"]
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: with no broker configured, tasks run eagerly in-process (the embedded default).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or ""
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# Quota counters (errorhub.counters) live in the broker's Redis; without one, in each process.
ERRORHUB_COUNTERS_REDIS_URL = next(
    (url for url in (os.environ.get("REDIS_URL", ""), CELERY_BROKER_URL) if url.startswith(("redis://", "rediss://"))),
    "",
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    # Catches events whose digest could not be queued (broker briefly down at accept time).
    "digest-waiting-events": {"task": "ingest.tasks.digest", "schedule": 30.0},
    "prune-old-events": {"task": "issues.tasks.prune_events", "schedule": 3600.0},
    "wake-snoozed-issues": {"task": "issues.tasks.wake_snoozed_issues", "schedule": 60.0},
    "delete-expired-tokens": {"task": "accounts.tasks.delete_expired_tokens", "schedule": 3600.0},
    "flush-rejected-events": {"task": "accounts.tasks.flush_rejected_events", "schedule": 60.0},
}
CELERY_BEAT_SCHEDULE["reconcile-kapacitor-alert-tasks"] = {
    "task": "alerts.tasks.reconcile_alert_tasks",
    "schedule": KAPACITOR_RECONCILE_SECONDS,
}

# Sign-in failure counts (accounts.signin_guard) live here: Redis whenever a broker is
# configured, so every gunicorn worker and host shares them; per process otherwise.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CELERY_BROKER_URL}
        if CELERY_BROKER_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.BearerTokenAuthentication",
        # Admins logged in to /admin/ can browse the API too.
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.permissions.TokenGrantPermission",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PARSER_CLASSES": [
        "errorhub.parsers.StorableJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "errorhub.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "errorhub.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "errorhub API",
    "DESCRIPTION": "Native errorhub REST API. Legacy surfaces (Periskop, Eventsum, Sentry, HealthGuard) "
    "are documented in docs/compatibility.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # The docs page works offline: Swagger UI is served from our static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Tokens and keys in URLs are masked in every line (errorhub.log_secrets).
    "filters": {"mask_secrets": {"()": "errorhub.log_secrets.MaskSecretsFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_secrets"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
