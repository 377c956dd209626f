"""Harbor's one settings module, driven by the environment (see README "Configuration").

The defaults are production's: HARBOR_DEBUG is off, every secret must come from the
environment and the settings pass `manage.py check --deploy --fail-level WARNING`.
HARBOR_DEBUG=true (`make run`, the test settings) is for trying Harbor on a laptop:
generated development keys, SQLite under var/, Django's debug pages.
"""

import base64
import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("HARBOR_VAR_DIR", str(BASE_DIR / "var")))
# Set for more than one app server: sessions, cache, lockout counters and the worker's
# queue then live in this Redis, shared by every server (README, "Growing").
REDIS_URL = env_str("REDIS_URL", "")

# Off unless asked for: a debug error page shows POST values and settings to anyone.
DEBUG = env_bool("HARBOR_DEBUG", False)

if DEBUG:
    # Only for local trials: a fixed, obviously insecure key.
    SECRET_KEY = env_str("SECRET_KEY", "insecure-development-key-never-use-in-production")
else:
    SECRET_KEY = env_str("SECRET_KEY")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "The environment variable SECRET_KEY must be at least 50 characters long."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "axes",
    "django_otp",
    "django_countries",
    "django_filters",
    "simple_history",
    "huey.contrib.djhuey",
    "audit",
    "accounts",
    "partners",
    "victims",
    "cases",
    "cooperation",
    "privacy",
    "search",
    "notifications",
    "reports",
    "config",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Binds the request's IP and user agent for every audit row written during it.
    "audit.middleware.RequestContextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.AbsoluteSessionLifetimeMiddleware",
    "accounts.middleware.SessionRefreshMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "config.middleware.NoStoreMiddleware",
    # A statement cut off by statement_timeout: a 503, not a 500.
    "config.middleware.QueryCanceledMiddleware",
    # Last, so a lockout answers before any view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "csp.context_processors.nonce",
                "policy.capabilities",
                "notifications.context_processors.unread_notifications",
            ],
        },
    },
]
FORM_RENDERER = "widgets.FormRenderer"


def _database_from_env(variable: str = "DATABASE_URL") -> dj_database_url.DBConfig:
    default = f"sqlite:///{VAR_DIR / 'harbor.sqlite3'}"
    url = env_str(variable, default)
    try:
        config = dj_database_url.parse(url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60))
    except Exception as exc:
        raise ImproperlyConfigured(
            f"The environment variable {variable} is invalid: {exc}"
        ) from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        # Many writers at once (concurrent intake) must wait, not fail at once.
        config.setdefault("OPTIONS", {})["timeout"] = 20
        config["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    return config


# Statement timeout (PostgreSQL): a web request's query that runs longer is cancelled and
# the request answered with a 503 (config.middleware.QueryCanceledMiddleware) instead of
# holding a worker and a connection. Management commands (migrate, the worker
# `run_huey`, imports, retention) get HARBOR_COMMAND_STATEMENT_TIMEOUT_MS, none (0) by
# default: a migration over ten million audit rows must not be cut off. 0 disables.
# Behind PgBouncer in transaction mode, which refuses startup options, set both to 0 (and
# HARBOR_PG_JIT / HARBOR_PG_PARALLEL below to true) and use `ALTER ROLE … SET` for the
# three settings instead (README, "Growing").
RUNNING_COMMAND = Path(sys.argv[0]).name == "manage.py" and sys.argv[1:2] != ["runserver"]
HARBOR_STATEMENT_TIMEOUT_MS = (
    env_int("HARBOR_COMMAND_STATEMENT_TIMEOUT_MS", 0, minimum=0)
    if RUNNING_COMMAND
    else env_int("HARBOR_STATEMENT_TIMEOUT_MS", 10000, minimum=0)
)


# PostgreSQL's JIT compiles a plan's expressions when its cost estimate is high: on the
# big agency's lists at 1,000,000 cases that took seconds of a request that runs in
# milliseconds without it (measured: the referral count 3.5 s → 0.5 s). Harbor's queries
# are short OLTP reads, so JIT is off unless HARBOR_PG_JIT=true.
HARBOR_PG_JIT = env_bool("HARBOR_PG_JIT", False)

# Parallel query: a web request's reads touch a few hundred rows by index, and starting
# two parallel workers cost them more than the work (measured: a caseworker's "my cases"
# at 1,000,000 cases, 7 ms of its 18 waiting for the workers; issue 12). Off for web
# requests unless HARBOR_PG_PARALLEL=true; management commands (the worker's figure
# refresh, imports) keep the server's setting.
HARBOR_WEB_PG_PARALLEL = env_bool("HARBOR_PG_PARALLEL", False)
HARBOR_PG_PARALLEL = RUNNING_COMMAND or HARBOR_WEB_PG_PARALLEL

# Server-side cursors: a web request reads its rows in one round trip (a staff dropdown's
# `iterator()` cost DECLARE … WITH HOLD, FETCH and CLOSE), which PgBouncer's transaction
# mode also needs; management commands keep them, so walking ten million audit rows
# (`verify_audit`, migrations) holds one chunk in memory, not the whole table.
HARBOR_PG_SERVER_CURSORS = RUNNING_COMMAND


def _with_statement_timeout(config: dj_database_url.DBConfig) -> dj_database_url.DBConfig:
    """The session options of every PostgreSQL connection: statement timeout, JIT,
    parallel query; and whether it reads through server-side cursors."""
    if config["ENGINE"] == "django.db.backends.postgresql":
        settings_ = [] if HARBOR_PG_JIT else ["-c jit=off"]
        if not HARBOR_PG_PARALLEL:
            settings_.append("-c max_parallel_workers_per_gather=0")
        if HARBOR_STATEMENT_TIMEOUT_MS:
            settings_.append(f"-c statement_timeout={HARBOR_STATEMENT_TIMEOUT_MS}")
        if settings_:
            config.setdefault("OPTIONS", {})["options"] = " ".join(settings_)
        config["DISABLE_SERVER_SIDE_CURSORS"] = not HARBOR_PG_SERVER_CURSORS
    return config


DATABASES = {"default": _with_statement_timeout(_database_from_env())}
# A read replica (streaming copy of default): dashboards, statistics and exports read
# from it inside `dbroutes.reporting()`; every write and every other read stays on
# default (config.routers). In tests it mirrors default.
if env_str("DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = _with_statement_timeout(_database_from_env("DATABASE_REPLICA_URL")) | {
        "TEST": {"MIRROR": "default"}
    }
DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Field encryption (owned by victims) -------------------------------------
# Identifying fields are encrypted with Fernet keys from the environment, never
# SECRET_KEY: HARBOR_FIELD_KEYS is a comma-separated list, the first key encrypts
# and every key decrypts (rotate by putting a new key first). Exact-match lookups
# use an HMAC-SHA256 "blind index" keyed by HARBOR_BLIND_INDEX_KEY. In DEBUG with
# no environment, a development key file is generated once under VAR_DIR.


def _dev_field_keys(path: Path) -> tuple[str, str]:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        field_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
        index_key = secrets.token_urlsafe(32)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # Another process created it first: use theirs.
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(f"{field_key}\n{index_key}\n")
    lines = path.read_text().split()
    if len(lines) != 2:
        raise ImproperlyConfigured(f"The development key file {path} is damaged; delete it.")
    return lines[0], lines[1]


_dev_keys: tuple[str | None, str | None] = (
    _dev_field_keys(VAR_DIR / "dev-field-keys.txt") if DEBUG else (None, None)
)
HARBOR_FIELD_KEYS = env_list(
    "HARBOR_FIELD_KEYS", [_dev_keys[0]] if _dev_keys[0] is not None else []
)
if not HARBOR_FIELD_KEYS:
    raise ImproperlyConfigured("The environment variable HARBOR_FIELD_KEYS is required.")
HARBOR_BLIND_INDEX_KEY = env_str("HARBOR_BLIND_INDEX_KEY", _dev_keys[1])
if len(HARBOR_BLIND_INDEX_KEY) < 32:
    raise ImproperlyConfigured(
        "The environment variable HARBOR_BLIND_INDEX_KEY must be at least 32 characters long."
    )
if HARBOR_BLIND_INDEX_KEY == SECRET_KEY or SECRET_KEY in HARBOR_FIELD_KEYS:
    raise ImproperlyConfigured(
        "HARBOR_FIELD_KEYS and HARBOR_BLIND_INDEX_KEY must differ from SECRET_KEY."
    )
# --- end of field encryption -------------------------------------------------

# --- Authentication ---------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out login before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the session's user with their agency. Sessions
    # signed in under an earlier backend's name end once (the user signs in again).
    "accounts.backends.StaffBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.MaximumLengthValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout (accounts.lockout): failures are counted per account under one spelling of its
# address (trimmed, case-folded) and, with a higher limit, per client address; in Redis
# (the cache, shared by every app server) when REDIS_URL is set, else in the database.
# Never in a per-process cache: each gunicorn worker would count its own.
AXES_HANDLER = (
    "accounts.lockout.CachedLockoutHandler" if REDIS_URL else "accounts.lockout.LockoutHandler"
)
AXES_USERNAME_CALLABLE = "accounts.lockout.lockout_username"
AXES_FAILURE_LIMIT = env_int("HARBOR_LOCKOUT_FAILURES", 5, minimum=1)
HARBOR_LOCKOUT_ADDRESS_FAILURES = env_int("HARBOR_LOCKOUT_ADDRESS_FAILURES", 30, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("HARBOR_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks (see the handler)
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCK_OUT_AT_FAILURE = True
# A login refused by the lock counts as a failure too and restarts the cool-off.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
AXES_LOCKOUT_TEMPLATE = "accounts/login_locked.html"
AXES_VERBOSE = False

# Second factor (TOTP): every staff account must enrol one and use it at each login.
# On by default in production; off by default for the local demo (HARBOR_DEBUG),
# where staff may still enrol from their account page.
HARBOR_REQUIRE_MFA = env_bool("HARBOR_REQUIRE_MFA", not DEBUG)

# Idle timeout: a session unused for SESSION_COOKIE_AGE ends. Its expiry is pushed back
# at most once a minute (accounts.middleware.SessionRefreshMiddleware), not on every
# request: a page view writes no session row. With REDIS_URL, sessions are read from
# Redis and written through to the database (shared by every app server, surviving a
# Redis restart); without it, from the database only (a per-process cache would let a
# session ended on one server live on in another's memory).
SESSION_COOKIE_AGE = env_int("HARBOR_SESSION_IDLE_MINUTES", 30, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = False
HARBOR_SESSION_REFRESH_SECONDS = 60
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL
    else "django.contrib.sessions.backends.db"
)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
HARBOR_SESSION_MAX_HOURS = env_int("HARBOR_SESSION_MAX_HOURS", 12, minimum=1)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- Security headers -------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env_bool("HARBOR_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("HARBOR_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("HARBOR_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("HARBOR_HSTS_PRELOAD", False)
if env_bool("HARBOR_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS: list[str] = []
if not SECURE_HSTS_PRELOAD:
    # Joining the browsers' preload list is an operator's decision, not a default.
    SILENCED_SYSTEM_CHECKS.append("security.W021")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The covering indexes' INCLUDE columns serve PostgreSQL's index-only scans at national
    # scale; SQLite, the try-out database, builds the same indexes without them. Said once
    # here, not as a warning before every command of `make run`.
    SILENCED_SYSTEM_CHECKS.append("models.W040")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hant", _("Traditional Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("HARBOR_TIME_ZONE", "Asia/Taipei")

# --- Static files and uploads ----------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploads (case attachments) live outside any public URL; views stream them.
PRIVATE_MEDIA_ROOT = Path(env_str("HARBOR_PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}
HARBOR_ATTACHMENT_MAX_BYTES = env_int("HARBOR_ATTACHMENT_MAX_MB", 10, minimum=1) * 1024 * 1024
# Uploads are held in memory, never spooled to a temporary file a killed worker would
# leave behind in clear (widgets/uploads.py). A request may carry the largest
# attachment and the rest of its form; a larger one is refused with a 400.
FILE_UPLOAD_HANDLERS = ["widgets.uploads.MemoryOnlyUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = HARBOR_ATTACHMENT_MAX_BYTES + 1024 * 1024
# The form fields other than files.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Statistical disclosure control (reports/disclosure.py): counts from 1 to k-1 are
# hidden. Every download and the yearly statistics use the publish k; the internal k
# is for figures on screen to someone without record-level access to every case.
# Retention (privacy.services, `manage.py apply_retention`): a closed case, and its
# person when they have no other case, is purged this many years after closure.
# Imported reference data (CTDC) is never purged; the audit trail (ids only,
# append-only) is never touched by the job.
HARBOR_RETAIN_CLOSED_CASES_YEARS = env_int("HARBOR_RETAIN_CLOSED_CASES_YEARS", 10, minimum=1)
HARBOR_PUBLISH_K = env_int("HARBOR_PUBLISH_K", 11, minimum=2)
HARBOR_INTERNAL_K = env_int("HARBOR_INTERNAL_K", 5, minimum=2)

# --- Email ------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "harbor@localhost")

# --- Cache ------------------------------------------------------------------
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Background worker (notifications.tasks; `manage.py run_huey`) ----------
# SQLite storage under var/ by default, so `make run` needs no other service; Redis
# when REDIS_URL is set. The reminders' state lives in the database, not the queue.
HUEY = {
    "name": "harbor",
    "immediate": env_bool("HARBOR_HUEY_IMMEDIATE", False),
    "utc": True,
    **(
        {"huey_class": "huey.RedisHuey", "url": REDIS_URL}
        if REDIS_URL
        else {"huey_class": "huey.SqliteHuey", "filename": str(VAR_DIR / "huey.sqlite3")}
    ),
    "consumer": {"workers": 1, "worker_type": "thread"},
}
# The address links in e-mails start with (the digest), e.g. https://harbor.example.org.
HARBOR_BASE_URL = env_str("HARBOR_BASE_URL", "http://127.0.0.1:8000" if DEBUG else "")

# --- Logging: never log request bodies or record values -------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("HARBOR_LOG_LEVEL", "INFO")},
    "loggers": {
        # Axes logs usernames on failures at INFO; keep them out of the logs.
        "axes": {"level": "WARNING"},
        # The worker (run_huey) gives the huey logger its own handler; through the root
        # handler too every line would show twice.
        "huey": {"level": "INFO", "propagate": False},
    },
}

HARBOR_PAGE_SIZE = 25
