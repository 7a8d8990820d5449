"""Laurel settings: everything comes from the environment (12-factor).

With no variables set, Laurel runs on an embedded default that needs no server:
SQLite in ``var/``, Celery's filesystem broker in ``var/broker/``, files in
``var/media/``. ``DATABASE_URL``, ``REDIS_URL`` / ``CELERY_BROKER_URL`` and the
``AWS_*`` variables switch to PostgreSQL, Redis and S3-compatible storage.
``LAUREL_ENV=production`` turns on the hardened profile that passes
``manage.py check --deploy --fail-level WARNING``.

Every variable is listed, with its default, in README.md.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

from festival.config import StrictEnv

BASE_DIR = Path(__file__).resolve().parent.parent
env = StrictEnv()

LAUREL_ENV = env.str("LAUREL_ENV", default="development")
if LAUREL_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"LAUREL_ENV: expected development or production, got {LAUREL_ENV!r}")
PRODUCTION = LAUREL_ENV == "production"

VAR_DIR = Path(env.str("LAUREL_VAR_DIR", default=str(BASE_DIR / "var"))).resolve()

DEBUG = env.bool("DJANGO_DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG: must be false when LAUREL_ENV=production")

if PRODUCTION:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY: use at least 50 random characters")
else:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="laurel-development-only-key-not-for-production-use-0123456789")

ALLOWED_HOSTS: list[str] = env.list(
    "DJANGO_ALLOWED_HOSTS", default=[] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS: list[str] = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("LAUREL_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",  # intcomma: counts on the organizer's pages read "100,000"
    "allauth",
    "allauth.account",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",
    "festival",
    "media",
    "submissions",
    "judging",
    "notifications",
    "announcements",
    "dashboard",
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
    "allauth.account.middleware.AccountMiddleware",
    "festival.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "festival.urls"
WSGI_APPLICATION = "festival.wsgi.application"
ASGI_APPLICATION = "festival.asgi.application"

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
                "festival.context_processors.navigation",
                "notifications.context_processors.unread",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
_default_db = f"sqlite:///{VAR_DIR / 'laurel.sqlite3'}"
_database = env.database("DATABASE_URL", default=_default_db)
if _database["ENGINE"].endswith("sqlite3"):
    # The embedded default is shared by the web server and a worker process: WAL lets them
    # read while the other writes, IMMEDIATE transactions avoid "database is locked" on
    # upgrade from read to write, and the timeout waits out a writer instead of failing.
    # Tests that start a real worker process need a test database it can open too.
    _database["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    _database["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    _database["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    _database["CONN_HEALTH_CHECKS"] = True
DATABASES: dict[str, dict[str, Any]] = {"default": _database}
# The frame-hash band indexes carry covering columns on PostgreSQL; SQLite ignores those
# columns (the index still works), and says so on every command unless told it is known.
SILENCED_SYSTEM_CHECKS = ["models.W040"] if _database["ENGINE"].endswith("sqlite3") else []
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (allauth's rate limits need one shared by every web process) ---------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    REDIS_URL = env.url_value("REDIS_URL", default="", schemes=("redis", "rediss", "unix"))
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Accounts -------------------------------------------------------------------------
AUTH_USER_MODEL = "festival.User"
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
SITE_ID = 1
LOGIN_URL = "account_login"
# Countries (django-countries: the maintained ISO 3166-1 list, in the user's language).
# Kosovo's user-assigned XK is kept: entries made with the earlier list may carry it.
COUNTRIES_OVERRIDE = {"XK": "Kosovo", "NR": "Nauru"}

LOGIN_REDIRECT_URL = "festival:after_login"  # each role to its own page (organizer console, judge queue, my films)
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env.str("LAUREL_EMAIL_VERIFICATION", default="mandatory")
if ACCOUNT_EMAIL_VERIFICATION not in {"mandatory", "optional", "none"}:
    raise ImproperlyConfigured("LAUREL_EMAIL_VERIFICATION: expected mandatory, optional or none")
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# Sign-up and password reset answer the same whether the address has an account (the
# owner of a registered address gets an e-mail saying so instead; issue 13.5).
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_RATE_LIMITS = {
    "login_failed": env.str("LAUREL_LOGIN_FAILED_LIMIT", default="10/m/ip,5/5m/key"),
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
ACCOUNT_SESSION_REMEMBER = None
# The client's address (login limits per address, audit rows: festival.client.client_ip):
# REMOTE_ADDR unless a proxy in front is trusted to say it. Either a header the proxy sets
# to the client's address alone (e.g. X-Real-IP), or how many proxies append to
# X-Forwarded-For. Never both; neither when clients reach gunicorn directly.
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env.str("LAUREL_TRUSTED_CLIENT_IP_HEADER", default="") or None
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("LAUREL_TRUSTED_PROXY_COUNT", default=0)
if ALLAUTH_TRUSTED_CLIENT_IP_HEADER and ALLAUTH_TRUSTED_PROXY_COUNT:
    raise ImproperlyConfigured("LAUREL_TRUSTED_CLIENT_IP_HEADER and LAUREL_TRUSTED_PROXY_COUNT: set one, not both")
ACCOUNT_ADAPTER = "festival.adapters.AccountAdapter"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14

# --- E-mail: files under var/mail/ in the embedded default, SMTP when EMAIL_URL says so ---
# EMAIL_URL is django-environ's e-mail URL: smtp://user:pass@host:587 (STARTTLS with
# smtp+tls://), smtps://… for implicit TLS, consolemail:// to print mail. Providers' HTTP
# APIs go through django-anymail: EMAIL_URL=anymail://postmark (or sendgrid, mailgun,
# amazon_ses, …) with the provider's settings as JSON in ANYMAIL (see README).
LAUREL_MAIL_FOLDER = env.str("LAUREL_MAIL_FOLDER", default=str(VAR_DIR / "mail"))
LAUREL_SITE_NAME = env.str("LAUREL_SITE_NAME", default="Laurel")
_email_url = env.str("EMAIL_URL", default="")
if _email_url.startswith("anymail://"):
    EMAIL_BACKEND = f"anymail.backends.{_email_url.removeprefix('anymail://').strip('/')}.EmailBackend"
    ANYMAIL: dict[str, Any] = env.json("ANYMAIL", default={})
elif _email_url:
    _email = env.email("EMAIL_URL", default="")
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    for _key in ("EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD", "EMAIL_FILE_PATH"):
        if _email.get(_key):
            globals()[_key] = _email[_key]
    EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS", False))
    EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL", False))
else:
    EMAIL_BACKEND = "notifications.backends.MailFolderBackend"
EMAIL_TIMEOUT = env.positive_int("EMAIL_TIMEOUT", default=30)
# The local mail page (/dev/mail/) shows var/mail/ when the embedded default is in use.
LAUREL_MAIL_PAGE = not PRODUCTION and EMAIL_BACKEND == "notifications.backends.MailFolderBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Laurel <festival@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Delivery (notifications app): a worker holds a message it is sending this long; a claim
# past it belongs to a dead worker and the message is sent again (same Message-ID).
LAUREL_MAIL_LEASE_SECONDS = env.positive_int("LAUREL_MAIL_LEASE_SECONDS", default=120)
# Temporary failures are retried after 2, 4, 8 … s, at most this long apart; an address the
# server keeps answering 4xx for fails after this many attempts (a server that is down
# never fails a message: it stays queued until the server is back).
LAUREL_MAIL_FIRST_BACKOFF = env.float("LAUREL_MAIL_FIRST_BACKOFF", default=2.0)
LAUREL_MAIL_MAX_BACKOFF = env.float("LAUREL_MAIL_MAX_BACKOFF", default=600.0)
LAUREL_MAIL_MAX_ATTEMPTS = env.positive_int("LAUREL_MAIL_MAX_ATTEMPTS", default=8)
# At most this many messages per second on one SMTP connection (0: no limit), and this
# many messages per connection (one task).
LAUREL_MAIL_RATE_PER_CONNECTION = env.float("LAUREL_MAIL_RATE_PER_CONNECTION", default=0.0)
LAUREL_MAIL_BATCH = env.positive_int("LAUREL_MAIL_BATCH", default=100)
LAUREL_MAIL_SWEEP_LIMIT = env.positive_int("LAUREL_MAIL_SWEEP_LIMIT", default=5000)
LAUREL_MAIL_SWEEP_GRACE = timedelta(seconds=env.int("LAUREL_MAIL_SWEEP_GRACE_SECONDS", default=60))

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = env.time_zone("LAUREL_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files and storage ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "festival.static_finders.AppStaticFinder",  # without the unused ReDoc bundle
]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"

AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
_static_backend = (
    "whitenoise.storage.CompressedManifestStaticFilesStorage"
    if PRODUCTION
    else "django.contrib.staticfiles.storage.StaticFilesStorage"
)
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
    AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="") or None
    AWS_ACCESS_KEY_ID = env.str("AWS_ACCESS_KEY_ID", default="") or None
    AWS_SECRET_ACCESS_KEY = env.str("AWS_SECRET_ACCESS_KEY", default="") or None
    AWS_LOCATION = env.str("AWS_LOCATION", default="")
    AWS_QUERYSTRING_EXPIRE = env.positive_int("AWS_QUERYSTRING_EXPIRE", default=3600)
    AWS_DEFAULT_ACL = None
    AWS_S3_FILE_OVERWRITE = False
    _media_storage: dict[str, Any] = {"BACKEND": "storages.backends.s3.S3Storage"}
else:
    _media_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": MEDIA_URL},
    }
STORAGES = {"default": _media_storage, "staticfiles": {"BACKEND": _static_backend}}
# collectstatic compresses every file twice (gzip and brotli at its slowest, best level), the
# original and the hashed copy: source maps are most of the bytes (hls.js, Chart.js, Swagger
# UI) and only a developer's tools fetch them, so they are served as they are. With the unused
# ReDoc bundle left out (festival.static_finders) the production collectstatic
# takes 13 s instead of 39 s on two cores (23 s of CPU instead of 72 s: a one-core deploy step
# with a one-minute limit was killed before it wrote the manifest).
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")

# --- Celery (read by festival/celery.py through the CELERY_ namespace) -----------------
if env.str("CELERY_BROKER_URL", default=""):
    CELERY_BROKER_URL = env.url_value(
        "CELERY_BROKER_URL", default="", schemes=("redis", "rediss", "amqp", "filesystem")
    )
else:
    CELERY_BROKER_URL = REDIS_URL or "filesystem://"
# The longest task (a transcode of a feature-length upload) is bounded by the hard limit;
# the broker must not hand a still-running task to a second worker before that.
CELERY_TASK_TIME_LIMIT = env.positive_int("CELERY_TASK_TIME_LIMIT", default=3 * 60 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {
    "visibility_timeout": CELERY_TASK_TIME_LIMIT + 30 * 60,
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        {
            "data_folder_in": str(_broker_dir / "queue"),
            "data_folder_out": str(_broker_dir / "queue"),
            "control_folder": str(_broker_dir / "control"),
            "processed_folder": str(_broker_dir / "processed"),
            "store_processed": False,
            # kombu polls the folder once a second by default: 2 tasks/s. A tenth of a second
            # makes the demo's worker feel live (measured: ~37 tasks/s) at negligible cost.
            "polling_interval": 0.1,
        }
    )
    # Also under LAUREL_ENV=production: a task sent to a missing folder fails the request.
    for _folder in ("queue", "control", "processed"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"media.*": {"queue": "media"}}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True  # state lives in our own tables, not a result backend
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE: dict[str, dict[str, Any]] = {}
CELERY_BEAT_SCHEDULE["notifications.sweep"] = {"task": "notifications.sweep", "schedule": 60}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Excel exports of rounds with more ranked entries than this are built by a worker (the
# results page links the file when it is ready); smaller ones are built in the request.
LAUREL_XLSX_INLINE_MAX_ROWS = env.positive_int("LAUREL_XLSX_INLINE_MAX_ROWS", default=20_000)

# --- Media tools ----------------------------------------------------------------------
FFMPEG_BINARY = env.str("LAUREL_FFMPEG", default="ffmpeg")
FFPROBE_BINARY = env.str("LAUREL_FFPROBE", default="ffprobe")

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Bounded size and depth, no control characters in any string (festival/api_parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "festival.api_parsers.BoundedJSONParser",
        "festival.api_parsers.CheckedFormParser",
        "festival.api_parsers.CheckedMultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 50,
}
# A JSON body nested deeper than this is refused with a 400 (none of the API's is over 4).
LAUREL_API_MAX_JSON_DEPTH = env.positive_int("LAUREL_API_MAX_JSON_DEPTH", default=16)
SPECTACULAR_SETTINGS = {
    "TITLE": "Laurel API",
    "DESCRIPTION": "Submissions, media processing and judging for AI film festivals.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "state"; name each enum after its model instead of a hash.
    "ENUM_NAME_OVERRIDES": {
        "SubmissionStateEnum": "submissions.models.SubmissionState",
        "UploadStateEnum": "submissions.models.UploadState",
        "JobStateEnum": "media.models.JobState",
        "AssignmentStateEnum": "judging.models.AssignmentState",
        "ScoreStateEnum": "judging.models.ScoreState",
    },
}

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the upload and scoring pages read it for fetch()
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content-Security-Policy (festival.middleware.SecurityHeadersMiddleware): scripts and styles
# only from our own static files; hls.js plays through MediaSource (blob:) and its worker.
# On object storage, playback redirects to presigned URLs of the bucket's origin.
if AWS_STORAGE_BUCKET_NAME:
    _endpoint = env.str("AWS_S3_ENDPOINT_URL", default="")
    _storage_origin = (
        "/".join(_endpoint.split("/")[:3]) if _endpoint else f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com"
    )
else:
    _storage_origin = ""
_media_sources = " ".join(filter(None, ["'self'", "blob:", _storage_origin]))
LAUREL_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        f"img-src 'self' data: {_storage_origin}".strip(),
        f"media-src {_media_sources}",
        f"connect-src 'self' {_storage_origin}".strip(),
        "worker-src 'self' blob:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
LAUREL_PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), "
    "magnetometer=(), gyroscope=(), accelerometer=(), fullscreen=(self), "
    "picture-in-picture=(self), autoplay=(self)"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LAUREL_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Uploads (submissions app: tus) ----------------------------------------------------
# A PATCH body is read from the socket this many bytes at a time, never whole.
LAUREL_UPLOAD_CHUNK_BYTES = env.positive_int("LAUREL_UPLOAD_CHUNK_BYTES", default=1024 * 1024)
# The upload page sends the whole file in one PATCH (0), which the server stores with no
# extra copy; behind a proxy with a request-body limit, set a smaller piece size in bytes.
# A dropped connection costs nothing either way: the server keeps every byte it received.
LAUREL_UPLOAD_PATCH_BYTES = env.int("LAUREL_UPLOAD_PATCH_BYTES", default=0)
# An unfinished upload expires this long after its last accepted byte (Upload-Expires).
# On S3 every PATCH body is sent as multipart-upload parts of this size (S3's minimum is 5 MiB).
LAUREL_UPLOAD_S3_PART_BYTES = env.positive_int("LAUREL_UPLOAD_S3_PART_BYTES", default=8 * 1024 * 1024)
LAUREL_UPLOAD_EXPIRY = timedelta(hours=env.positive_int("LAUREL_UPLOAD_EXPIRY_HOURS", default=24))
# Per user: bytes declared by unfinished uploads, and how many may be unfinished at once.
LAUREL_UPLOAD_QUOTA_BYTES = env.positive_int("LAUREL_UPLOAD_QUOTA_BYTES", default=20 * 1024**3)
LAUREL_UPLOAD_MAX_CONCURRENT = env.positive_int("LAUREL_UPLOAD_MAX_CONCURRENT", default=3)
CELERY_BEAT_SCHEDULE["submissions.purge_expired_uploads"] = {
    "task": "submissions.purge_expired_uploads",
    "schedule": timedelta(minutes=env.positive_int("LAUREL_UPLOAD_PURGE_MINUTES", default=15)),
}
# Notices to entrants (submissions app): processing results are looked for every minute
# among jobs finished this long ago at most; drafts are reminded N days and 24 h before.
LAUREL_PROCESSED_NOTICE_WINDOW = timedelta(minutes=env.positive_int("LAUREL_PROCESSED_NOTICE_MINUTES", default=30))
LAUREL_DRAFT_REMINDER_DAYS = env.positive_int("LAUREL_DRAFT_REMINDER_DAYS", default=3)
CELERY_BEAT_SCHEDULE["submissions.notify_processed_films"] = {
    "task": "submissions.notify_processed_films",
    "schedule": 60,
}
CELERY_BEAT_SCHEDULE["submissions.remind_drafts"] = {"task": "submissions.remind_drafts", "schedule": 60 * 60}
# Entrant forms (submissions app): a form over DATA_UPLOAD_MAX_MEMORY_SIZE gets a clear
# 413 page instead of the bare 400 that CsrfViewMiddleware's read of the body would give.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.csrf.CsrfViewMiddleware"), "submissions.middleware.FormTooLargeMiddleware"
)
# A query or form field with NUL or another control character: a 400 naming the field.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.csrf.CsrfViewMiddleware"), "festival.middleware.TextHygieneMiddleware"
)


# --- Media pipeline (media app) ---------------------------------------------------------
# (the media helpers add their settings here)
# Per-job scratch folders (a local disk of the worker; sources are copied here from storage).
LAUREL_MEDIA_WORK_DIR = env.str("LAUREL_MEDIA_WORK_DIR", default=str(VAR_DIR / "media-work"))
# ffmpeg/ffprobe limits: threads per process, address-space cap, wall clock.
LAUREL_MEDIA_THREADS = env.positive_int("LAUREL_MEDIA_THREADS", default=2)
LAUREL_MEDIA_MEMORY_LIMIT_MB = env.positive_int("LAUREL_MEDIA_MEMORY_LIMIT_MB", default=4096)
# libx264 preset of the renditions (speed against size; the benchmark uses the same).
LAUREL_MEDIA_X264_PRESET = env.str("LAUREL_MEDIA_X264_PRESET", default="veryfast")
LAUREL_MEDIA_PROBE_TIMEOUT = env.positive_int("LAUREL_MEDIA_PROBE_TIMEOUT", default=30)
# A transcode may take this many seconds per second of film, plus a fixed allowance.
LAUREL_MEDIA_TIMEOUT_BASE = env.positive_int("LAUREL_MEDIA_TIMEOUT_BASE", default=120)
LAUREL_MEDIA_TIMEOUT_PER_SECOND = env.float("LAUREL_MEDIA_TIMEOUT_PER_SECOND", default=4.0)
# Untrusted-input limits checked at probe time.
LAUREL_MEDIA_MAX_STREAMS = env.positive_int("LAUREL_MEDIA_MAX_STREAMS", default=8)
LAUREL_MEDIA_MAX_PIXELS = env.positive_int("LAUREL_MEDIA_MAX_PIXELS", default=4096 * 4096)
LAUREL_MEDIA_MAX_DURATION = env.positive_int("LAUREL_MEDIA_MAX_DURATION", default=4 * 60 * 60)
# A running attempt writes its heartbeat this often (seconds), whatever it is doing; a job
# whose heartbeat is older than LAUREL_MEDIA_STUCK_AFTER lost its worker and is claimed
# again (the reaper runs every LAUREL_MEDIA_REAP_SECONDS): a lost host's film is taken
# over within STUCK_AFTER + REAP_SECONDS (60 s by default).
LAUREL_MEDIA_HEARTBEAT_SECONDS = env.positive_int("LAUREL_MEDIA_HEARTBEAT_SECONDS", default=10)
LAUREL_MEDIA_STUCK_AFTER = env.positive_int("LAUREL_MEDIA_STUCK_AFTER", default=45)
LAUREL_MEDIA_REAP_SECONDS = env.positive_int("LAUREL_MEDIA_REAP_SECONDS", default=15)
LAUREL_MEDIA_MAX_ATTEMPTS = env.positive_int("LAUREL_MEDIA_MAX_ATTEMPTS", default=3)
# Lifetime of the presigned URLs playback redirects to on object storage.
LAUREL_MEDIA_URL_EXPIRE = env.positive_int("LAUREL_MEDIA_URL_EXPIRE", default=300)
CELERY_BEAT_SCHEDULE["media.reap_stuck_jobs"] = {
    "task": "media.reap_stuck_jobs",
    "schedule": LAUREL_MEDIA_REAP_SECONDS,
    "options": {"queue": "default"},
}


# AI-usage metadata (media.ai_usage): a PEM bundle of C2PA trust anchors (e.g. the C2PA
# trust list); without one a valid signature is reported as "signer not on the trust list".
LAUREL_C2PA_TRUST_ANCHORS = env.str("LAUREL_C2PA_TRUST_ANCHORS", default="")
# The manifest reader runs in a child: seconds (plus one per 50 MB of film) and address space.
LAUREL_C2PA_TIMEOUT = env.positive_int("LAUREL_C2PA_TIMEOUT", default=60)
LAUREL_C2PA_MEMORY_LIMIT_MB = env.positive_int("LAUREL_C2PA_MEMORY_LIMIT_MB", default=2048)
# Possible duplicates: frames within this many bits (of 64) match; a pair needs this many
# matching frames and this share of the shorter film's sampled frames.
LAUREL_DUPLICATE_MAX_DISTANCE = env.int("LAUREL_DUPLICATE_MAX_DISTANCE", default=8)
LAUREL_DUPLICATE_MIN_FRAMES = env.int("LAUREL_DUPLICATE_MIN_FRAMES", default=3)
LAUREL_DUPLICATE_MIN_RATIO = env.float("LAUREL_DUPLICATE_MIN_RATIO", default=0.5)


# --- Judging (judging app) --------------------------------------------------------------
# (the judging helpers add their settings here)
# Judges with entries left are reminded this many days before their round closes; each
# edition's organizers get yesterday's digest after this hour of the edition's time zone.
LAUREL_SCORING_REMINDER_DAYS = env.positive_int("LAUREL_SCORING_REMINDER_DAYS", default=3)
LAUREL_DIGEST_HOUR = env.int("LAUREL_DIGEST_HOUR", default=7)
CELERY_BEAT_SCHEDULE["judging.remind_judges"] = {"task": "judging.remind_judges", "schedule": 60 * 60}
CELERY_BEAT_SCHEDULE["judging.send_digests"] = {"task": "judging.send_digests", "schedule": 60 * 60}


# The service festival.services.invite_judge hands the invitation e-mail to.
LAUREL_NOTIFY_ADDRESS = "notifications.services.notify_address"
# The module the organizers' outbox asks who an audience is (entrants, judges, filtered).
LAUREL_OUTBOX_AUDIENCES = "judging.audiences"
# How long a judge invitation stays valid.
LAUREL_INVITATION_TTL = timedelta(days=env.positive_int("LAUREL_INVITATION_DAYS", default=14))
# Tests that need PostgreSQL, Redis, a worker or ffmpeg fail instead of skipping when set.
LAUREL_REQUIRE_SERVICES = env.bool("LAUREL_REQUIRE_SERVICES", default=False)

# Announcements (announcements/): each festival's Ed25519 results key is a PEM file in this
# folder (never in the repository; on several hosts, a shared secret mount).
RESULTS_SIGNING_KEY_DIR = Path(env.str("LAUREL_RESULTS_KEY_DIR", default=str(VAR_DIR / "keys")))
CELERY_BEAT_SCHEDULE["announcements.announce_due"] = {
    "task": "announcements.announce_due",
    "schedule": 60,
    "options": {"queue": "default"},
}
# The embedded default keeps its database, broker, cache and media under var/; create the
# folders it needs so that a fresh clone starts with no set-up step.
if not PRODUCTION:
    for _folder in ("broker/queue", "broker/control", "broker/processed", "cache", "media", "static", "mail"):
        (VAR_DIR / _folder).mkdir(parents=True, exist_ok=True)
