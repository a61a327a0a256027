"""
Settings for the Friendship Gifts site, read from the environment.

Development needs no variables at all: SQLite in var/, DEBUG on, a throwaway secret key.
DJANGO_ENV=production switches the hardening on together and makes the variables that a
deployment must choose itself (secret key, hosts, database) required.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DJANGO_VAR_DIR", BASE_DIR / "var"))

PRODUCTION = os.environ.get("DJANGO_ENV", "development") == "production"


def env(name, default=None):
    value = os.environ.get(name)
    if value:
        return value
    if PRODUCTION and default is None:
        raise ImproperlyConfigured(f"Set the {name} environment variable (DJANGO_ENV=production).")
    return default


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def cache_from_url(url):
    """CACHE_URL / REDIS_URL as a CACHES entry: redis://, rediss:// or locmem://."""
    scheme = urlsplit(url).scheme
    if scheme in ("redis", "rediss"):
        # Django's own Redis backend. Short timeouts: a cache that has gone away must cost a
        # page a few milliseconds, not hang it (operations.cache carries on without it).
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "museum",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    if scheme == "locmem":
        # Pages are kept deflated (operations.cache): 500 of them are a few MB per worker.
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 500},
        }
    raise ImproperlyConfigured(f"CACHE_URL: use redis://, rediss:// or locmem://, not {url!r}")


SECRET_KEY = env(
    "DJANGO_SECRET_KEY",
    None if PRODUCTION else "django-insecure-development-only-never-in-production",
)
DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", None if PRODUCTION else "localhost,127.0.0.1,[::1],testserver"
)


def site_url_from(value):
    """DJANGO_SITE_URL: scheme and host (and port) only, e.g. https://gifts.example.org."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImproperlyConfigured(f"DJANGO_SITE_URL: give http(s)://host, not {value!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ImproperlyConfigured(f"DJANGO_SITE_URL: no path, query or user, not {value!r}")
    return f"{parts.scheme}://{parts.netloc}"


# The site's own address, for every absolute URL it writes (operations.site), never the Host header.
def default_site_url():
    if not PRODUCTION:
        return "http://127.0.0.1:8000"
    first = ALLOWED_HOSTS[0].lstrip(".")
    if first in ("", "*"):
        raise ImproperlyConfigured("DJANGO_SITE_URL is required when DJANGO_ALLOWED_HOSTS is *")
    return f"https://{first}"


SITE_URL = site_url_from(os.environ.get("DJANGO_SITE_URL") or default_site_url())

INSTALLED_APPS = [
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    # Third party
    "django_filters",
    "axes",
    "simple_history",
    "import_export",
    # Ours
    "desk",
    "gifts",
    "donors",
    "exhibitions",
    "exports",
    "pages",
    "operations",
]

MIDDLEWARE = [
    # First: every response, redirects and errors included, carries its request id.
    "operations.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the page cache, so a page from the cache gets these headers too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "operations.cache.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # The admin's search and filters would send a NUL byte to the database (a 500 on PostgreSQL).
    "operations.middleware.AdminNulBytesMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who made a change, for the records' history (django-simple-history).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "museum.urls"
WSGI_APPLICATION = "museum.wsgi.application"

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
                "operations.site.site_url",
            ],
        },
    },
]

# SQLite is the embedded default. WAL and a busy timeout let several gunicorn workers share it;
# IMMEDIATE transactions take the write lock up front instead of failing half-way.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", None if PRODUCTION else f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side binding lets psycopg prepare a statement it sees repeatedly, so PostgreSQL
    # plans the gift page's nine-way join once per connection, not per request (2-8 ms each).
    # A server that is down or unreachable is given up on after DJANGO_DB_CONNECT_TIMEOUT seconds
    # (operations.errors.server_error then answers 503) rather than holding the worker for minutes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True,
        prepare_threshold=2,
        connect_timeout=int(os.environ.get("DJANGO_DB_CONNECT_TIMEOUT", "3")),
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

# A shared cache (Redis) when several workers or servers should share pages; each worker's own
# memory otherwise.
CACHES = {
    "default": cache_from_url(
        os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL") or "locmem://"
    )
}

# How long a visitor's page is kept (operations.cache); 0 turns the page cache off.
PUBLIC_PAGE_CACHE_SECONDS = int(os.environ.get("DJANGO_PAGE_CACHE_SECONDS", "600"))
# Pages rendered once per collection version (a gift's page, whatever its query string) are
# also kept in the cache above when it is shared by every worker (Redis), so a worker started
# by a reload, or another web machine, does not render them again (catalogue.caches.shared).
KEPT_PAGES_SHARED = CACHES["default"]["BACKEND"].endswith("RedisCache")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Web addresses typed without a scheme are https (the Django 6 default).
FORMS_URLFIELD_ASSUME_HTTPS = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploaded media: on disk, served after a permission check (MEDIA_ACCEL_REDIRECT below), or in
# S3-compatible object storage when several app servers must share it (MEDIA_STORAGE=s3), which
# serves files itself: there a draft's image is not protected (README, "Uploaded media").
# Credentials come from the standard AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY variables.
MEDIA_STORAGE = os.environ.get("MEDIA_STORAGE", "filesystem")
if MEDIA_STORAGE == "s3":
    MEDIA_STORAGE_BACKEND = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("MEDIA_BUCKET"),
            "endpoint_url": os.environ.get("MEDIA_ENDPOINT_URL") or None,
            "region_name": os.environ.get("MEDIA_REGION") or None,
            "custom_domain": os.environ.get("MEDIA_CUSTOM_DOMAIN") or None,
            "location": os.environ.get("MEDIA_PREFIX", "media"),
            "default_acl": None,
            "querystring_auth": False,  # public images, cacheable addresses
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }
elif MEDIA_STORAGE == "filesystem":
    MEDIA_STORAGE_BACKEND = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise ImproperlyConfigured(f"MEDIA_STORAGE is 'filesystem' or 's3', not {MEDIA_STORAGE!r}")
STORAGES = {
    "default": MEDIA_STORAGE_BACKEND,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Uploads: images are checked by Pillow; anything bigger than this is refused before decoding.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Gift photographs (gifts.images): real JPEG, PNG or WebP only, re-encoded without metadata.
GIFT_IMAGE_MAX_BYTES = 10 * 1024 * 1024
GIFT_IMAGE_MAX_PIXELS = 40_000_000  # 8000 × 5000; bigger pictures are refused

# CSV and Excel import in the admin (desk.imports): one transaction, all or nothing.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# Left off on purpose: in django-import-export 4.4.3 this only deletes a leading "=" (not + - @,
# tab or CR) and turns every cell into text ("None" for an empty number), so files would no
# longer import unchanged. The admin's export is written by desk.imports instead, which puts a
# quote before every formula-like cell (exports.formats.neutralise) and the import takes it off.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False

# Uploaded media on disk goes through a permission check (gifts.media: a draft's images are 404
# to visitors). In production the check answers with X-Accel-Redirect to nginx's internal
# location (deploy/nginx), which sends the file; otherwise Django sends it.
MEDIA_ACCEL_REDIRECT = env_bool("DJANGO_MEDIA_ACCEL_REDIRECT", PRODUCTION)
MEDIA_ACCEL_LOCATION = "/protected-media/"

# The gift listing's index (catalogue.index): built once per collection version into files under
# this folder, which every web worker of the machine maps (catalogue.store). Local to the machine;
# only a few builds are kept (about 10 MB each at 115,000 gifts, 90 MB at a million).
LISTING_INDEX_DIR = Path(env("DJANGO_LISTING_INDEX_DIR", str(VAR_DIR / "listing-index")))
# A worker holding a version has the next one built in a thread while it answers with the one it
# holds (catalogue.index.collection). Tests build at once instead: a thread's own connection
# would not see a test's uncommitted records.
LISTING_INDEX_BUILD_IN_BACKGROUND = True

# Downloads (public CSV and JSON, the admin's CSV and Excel; the exports app). One with at most
# this many rows is made within the request (streamed; Excel written first), about 3 s on a
# 2-core machine (README, "Benchmark"); a larger one is prepared outside the request by the
# builder (`manage.py build_exports`, started by the web workers when needed) into a file under
# EXPORTS_ROOT, served as a file (by nginx in production: EXPORTS_ACCEL_LOCATION) to everyone
# who asks for the same rows of the same collection version, and forgotten after
# EXPORT_KEEP_SECONDS. At most EXPORT_QUEUE_LIMIT public ones wait at a time (then 503).
EXPORTS_ROOT = Path(env("DJANGO_EXPORTS_ROOT", str(VAR_DIR / "exports")))
EXPORTS_ACCEL_LOCATION = "/protected-exports/"
EXPORT_STREAM_ROWS = {
    "csv": int(env("DJANGO_EXPORT_STREAM_ROWS", "100000")),
    "json": int(env("DJANGO_EXPORT_STREAM_ROWS", "100000")),
    "xlsx": int(env("DJANGO_EXPORT_STREAM_ROWS_XLSX", "10000")),
}
EXPORT_KEEP_SECONDS = 24 * 60 * 60
# At most this many bytes of prepared files are kept (the oldest go first), so that many large
# downloads asked for in a day cannot fill the disk: 10 GB by default.
EXPORT_KEEP_BYTES = int(env("DJANGO_EXPORT_KEEP_BYTES", str(10 * 1000**3)))
EXPORT_QUEUE_LIMIT = 20
# "process": a web worker starts the builder when an export waits and none is running; "none":
# the exports wait for `manage.py build_exports` (the tests run it themselves).
EXPORT_BUILDER = env("DJANGO_EXPORT_BUILDER", "process")
# What each kind of export is made from: a function (query, user, format, kind) -> Table.
EXPORT_TABLES = {
    "gifts": "gifts.exports.gift_table",
    "donors": "donors.exports.donor_table",
    "admin": "desk.imports.admin_table",
}

# Where the admin lives; an operator may move it.
ADMIN_URL = env("DJANGO_ADMIN_URL", "admin/")

LOGIN_URL = "admin:login"

# Logs go to stdout, as one JSON object per line with the request id in production (or with
# DJANGO_LOG_FORMAT=json), as plain text in development.
LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT", "json" if PRODUCTION else "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "operations.logging.RequestIdFilter"},
        "database_unavailable": {"()": "operations.errors.DatabaseUnavailableFilter"},
    },
    "formatters": {
        "json": {"()": "operations.logging.JsonFormatter"},
        "text": {"format": "%(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "database_unavailable"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

# Security. Production runs behind a TLS-terminating proxy (deploy/nginx) that says which scheme
# the visitor used; everything else follows from that.
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = 31_536_000 if PRODUCTION else 0  # one year; sent over https only
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
if PRODUCTION:
    # __Host- cookies are only accepted over https, for this host and path /: no subdomain or
    # plain-http page can plant or overwrite them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

# Content-Security-Policy (django-csp): nothing is allowed unless named. Pages carry no inline
# script or style; one that needs an inline script gives it request.csp_nonce (such a page is
# never put in the page cache, operations.cache).
MEDIA_ORIGIN = (
    f"https://{os.environ['MEDIA_CUSTOM_DOMAIN']}"
    if MEDIA_STORAGE == "s3" and os.environ.get("MEDIA_CUSTOM_DOMAIN")
    else None
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *([MEDIA_ORIGIN] if MEDIA_ORIGIN else [])],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "manifest-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
    }
}

# Admin sign-in throttling (django-axes): five failures for one username from one address lock
# that pair out for 15 minutes; a success clears the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("DJANGO_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "operations.middleware.client_ip"
AXES_VERBOSE = False
# Behind the proxy the visitor's address is the last one it appended to X-Forwarded-For.
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", PRODUCTION)
