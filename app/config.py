"""Configuration, read from the environment.

Every setting a deployer may change is read here and nowhere else. Development
gets working defaults; production refuses to start without the secrets and
addresses that must not be guessed.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = ROOT / "instance"


class ConfigError(RuntimeError):
    """The environment does not describe a safe, working configuration."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(text: str) -> list[str]:
    """A comma-separated setting as a list, without empty items."""
    return [item.strip() for item in text.split(",") if item.strip()]


def _int(environ, name: str, default: int) -> int:
    value = environ.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from exc


def database_url(url: str) -> str:
    """SQLAlchemy URL for a DATABASE_URL as hosting platforms write it.

    `postgres://` and `postgresql://` are taken to mean psycopg 3, the driver
    the requirements install.
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _development_secret_key() -> str:
    """A random key kept in instance/, shared by the web and worker processes.

    Confirmation links are signed by the worker and checked by the web
    process, so both must hold the same key; a random one per process would
    break every link.
    """
    path = INSTANCE_DIR / "dev-secret-key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def config_from_env(environ=None) -> dict:
    """Build the Flask config mapping from environment variables."""
    environ = os.environ if environ is None else environ
    env = environ.get("APP_ENV", "development")
    if env not in {"development", "production", "test"}:
        raise ConfigError(f"APP_ENV must be development, production or test, not {env!r}")
    production = env == "production"

    site_url = environ.get("SITE_URL", "http://127.0.0.1:5000").rstrip("/")
    secret_key = environ.get("SECRET_KEY") or (None if production else _development_secret_key())

    config = {
        "APP_ENV": env,
        "SECRET_KEY": secret_key,
        "SITE_URL": site_url,
        "SITE_NAME": environ.get("SITE_NAME", "Write to your MP"),
        # Its name in another language (pages and their emails): SITE_NAME_<CODE>,
        # such as SITE_NAME_CY for Welsh readers; SITE_NAME where unset.
        **{key: value for key, value in environ.items() if key.startswith("SITE_NAME_") and value},
        # Who runs the site: the data controller named in the privacy notice.
        # Empty: the pages say "the organisation running this site", in their language.
        "OPERATOR_NAME": environ.get("OPERATOR_NAME", ""),
        "OPERATOR_CONTACT": environ.get("OPERATOR_CONTACT", ""),  # an email address or a URL
        "OPERATOR_ADDRESS": environ.get("OPERATOR_ADDRESS", ""),
        "SQLALCHEMY_DATABASE_URI": database_url(
            environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'app.db'}")
        ),
        "DATA_DIR": environ.get("DATA_DIR", str(ROOT.parent / "shared" / "data")),
        # A MapIt-compatible service (https://mapit.mysociety.org) instead of
        # the embedded postcode index; empty means the embedded index.
        "POSTCODE_LOOKUP_URL": environ.get("POSTCODE_LOOKUP_URL", ""),
        "POSTCODE_LOOKUP_TIMEOUT": float(environ.get("POSTCODE_LOOKUP_TIMEOUT", "3")),
        # How often a process checks whether reference data (MPs, postcodes)
        # changed under it, e.g. after `data load` or an admin's email override.
        "REFERENCE_REFRESH_SECONDS": _int(environ, "REFERENCE_REFRESH_SECONDS", 30),
        "MOMENTUM_CACHE_SECONDS": _int(environ, "MOMENTUM_CACHE_SECONDS", 60),
        "DISPLAY_TIMEZONE": environ.get("DISPLAY_TIMEZONE", "Europe/London"),
        # The languages the public pages and emails are offered in (the registry
        # in app/i18n.py): each but English needs its catalogue.
        "LANGUAGES": _list(environ.get("LANGUAGES", "en,cy")),
        # Where a letter to an MP we cannot email is posted: every MP's Westminster address.
        "MP_POSTAL_ADDRESS": environ.get("MP_POSTAL_ADDRESS", "House of Commons\nLondon\nSW1A 0AA"),
        # Mail. The site sends everything From its own address.
        "MAIL_SERVER": environ.get("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": _int(environ, "MAIL_PORT", 1025 if not production else 25),
        "MAIL_USE_TLS": _bool(environ.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(environ.get("MAIL_USE_SSL")),
        "MAIL_USERNAME": environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": environ.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": environ.get(
            "MAIL_DEFAULT_SENDER", "" if production else "noreply@localhost"
        ),
        # Addresses with letters beyond ASCII before the @ need SMTPUTF8: accept
        # them only if the relay offers it. Domains beyond ASCII always work.
        "ALLOW_SMTPUTF8_ADDRESSES": _bool(environ.get("ALLOW_SMTPUTF8_ADDRESSES"), False),
        "MAIL_TIMEOUT": float(environ.get("MAIL_TIMEOUT", "30")),
        "MAIL_TRANSPORT": environ.get("MAIL_TRANSPORT", "smtp"),
        # Days after a letter's delivery before its writer is asked whether
        # their MP replied (fractions allowed: 0 asks at once, for a demo).
        "QUESTIONNAIRE_AFTER_DAYS": float(environ.get("QUESTIONNAIRE_AFTER_DAYS", "14")),
        # An MP's reply rate is shown once this many of their writers answered.
        "REPLY_RATE_MIN_ANSWERS": _int(environ, "REPLY_RATE_MIN_ANSWERS", 5),
        # The follow-up segments of alerts: writers who say their MP has not
        # replied this many days after delivery; constituents of MPs whose
        # reply rate is below this share.
        "FOLLOW_UP_AFTER_DAYS": float(environ.get("FOLLOW_UP_AFTER_DAYS", "28")),
        "FOLLOW_UP_BELOW_RATE": float(environ.get("FOLLOW_UP_BELOW_RATE", "0.25")),
        # An office that chose a digest gets one email this often, at most.
        "DIGEST_EVERY_HOURS": float(environ.get("DIGEST_EVERY_HOURS", "24")),
        # Deliverability (docs/deliverability.md). Return paths that name each
        # email (bounces+<id>-<signature>@BOUNCE_DOMAIN); unset, bounces go to
        # the sender's own address and are not read.
        "BOUNCE_DOMAIN": environ.get("BOUNCE_DOMAIN", "").strip().lower(),
        # DKIM: a PEM private key, its selector, and the signing domain
        # (default: MAIL_DEFAULT_SENDER's). No key, no signature.
        "DKIM_PRIVATE_KEY_FILE": environ.get("DKIM_PRIVATE_KEY_FILE", ""),
        "DKIM_SELECTOR": environ.get("DKIM_SELECTOR", "mail"),
        "DKIM_DOMAIN": environ.get("DKIM_DOMAIN", "").strip().lower(),
        # What `flask mail dns` puts in the SPF record before "-all": the
        # relay's own mechanism, e.g. "include:amazonses.com".
        "SPF_MECHANISMS": environ.get("SPF_MECHANISMS", "mx"),
        # Amazon SES through SNS: the topics whose notifications are read
        # (comma-separated ARNs); none, and the webhook takes nothing.
        "SNS_TOPIC_ARNS": _list(environ.get("SNS_TOPIC_ARNS", "")),
        # Mailgun: the webhook signing key its events are signed with (Mailgun's
        # "HTTP webhook signing key"); empty, /bounces/mailgun takes nothing and
        # emails carry no X-Mailgun-Variables.
        "MAILGUN_WEBHOOK_SIGNING_KEY": environ.get("MAILGUN_WEBHOOK_SIGNING_KEY", "").strip(),
        # Rate limits, in the `limits` library's notation ("10/hour;40/day").
        # Storage: memory:// in one process, redis://host:6379 when several
        # processes or hosts serve (app/adapters/rate_store.py).
        "RATELIMIT_STORAGE_URI": environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # How long a rate-limit call may wait on Redis before the request is
        # refused with a 503 (Redis down or hung).
        "RATELIMIT_STORAGE_TIMEOUT_SECONDS": float(
            environ.get("RATELIMIT_STORAGE_TIMEOUT_SECONDS", "0.25")
        ),
        "RATELIMIT_ENABLED": _bool(environ.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_LOOKUP": environ.get("RATELIMIT_LOOKUP", "60/minute;600/hour"),
        # How long a CDN or proxy may keep a lookup's answer (public data).
        "LOOKUP_CACHE_SECONDS": _int(environ, "LOOKUP_CACHE_SECONDS", 300),
        "RATELIMIT_SUBMIT_PER_IP": environ.get("RATELIMIT_SUBMIT_PER_IP", "10/hour;40/day"),
        "RATELIMIT_SUBMIT_PER_EMAIL": environ.get("RATELIMIT_SUBMIT_PER_EMAIL", "5/hour;10/day"),
        "RATELIMIT_SUBMIT_PER_MP": environ.get("RATELIMIT_SUBMIT_PER_MP", "300/hour"),
        "RATELIMIT_SUBMIT_PER_PARTNER": environ.get("RATELIMIT_SUBMIT_PER_PARTNER", "2000/hour"),
        # Visits through a share link that are counted: per visitor and link, and
        # per visitor in all (more are let through, just not counted).
        "RATELIMIT_SHARE_VISIT": environ.get("RATELIMIT_SHARE_VISIT", "1/day"),
        "RATELIMIT_SHARE_VISITS_PER_IP": environ.get("RATELIMIT_SHARE_VISITS_PER_IP", "20/hour"),
        "RATELIMIT_CONFIRM": environ.get("RATELIMIT_CONFIRM", "30/hour"),
        # Emails one address may be sent a day on a stranger's word (a data
        # link, an alerts confirmation), however many client addresses ask
        # (app/outbox/caps.py).
        "MAIL_TO_UNTRUSTED_ADDRESS": environ.get("MAIL_TO_UNTRUSTED_ADDRESS", "3/day"),
        "RATELIMIT_SUBSCRIBE": environ.get("RATELIMIT_SUBSCRIBE", "10/hour"),
        # The OSDI API: requests per key, and refused keys per client address.
        "RATELIMIT_OSDI": environ.get("RATELIMIT_OSDI", "120/minute;5000/hour"),
        "RATELIMIT_OSDI_REFUSED": environ.get("RATELIMIT_OSDI_REFUSED", "20/hour"),
        # Failed sign-ins (successes never count), per IP and per account-and-IP,
        # over growing windows: the wait grows with the failures.
        "RATELIMIT_ADMIN_LOGIN_PER_IP": environ.get(
            "RATELIMIT_ADMIN_LOGIN_PER_IP", "20/hour;50/day"
        ),
        "RATELIMIT_ADMIN_LOGIN_PER_ACCOUNT": environ.get(
            "RATELIMIT_ADMIN_LOGIN_PER_ACCOUNT", "5/15minute;10/hour;20/day"
        ),
        # Bots fill forms instantly; people take longer than this.
        "MIN_FILL_SECONDS": float(environ.get("MIN_FILL_SECONDS", "4")),
        # How long personal data is kept (app/privacy/retention.py, /privacy).
        "RETENTION_LETTER_DAYS": _int(environ, "RETENTION_LETTER_DAYS", 28),
        "RETENTION_IP_HASH_DAYS": _int(environ, "RETENTION_IP_HASH_DAYS", 30),
        "RETENTION_SUBSCRIBER_DAYS": _int(environ, "RETENTION_SUBSCRIBER_DAYS", 30),
        # A letter held for a moderator, or kept through a dissolution, that
        # nobody moved on: cancelled and erased this long after its last event.
        "RETENTION_HELD_DAYS": _int(environ, "RETENTION_HELD_DAYS", 60),
        # Admins' own data: the audit log, and a deactivated admin's address
        # wherever it was recorded (a year, so an incident can be looked into).
        "RETENTION_AUDIT_DAYS": _int(environ, "RETENTION_AUDIT_DAYS", 365),
        "CONFIRM_LINK_DAYS": _int(environ, "CONFIRM_LINK_DAYS", 7),
        "REMINDER_AFTER_HOURS": _int(environ, "REMINDER_AFTER_HOURS", 24),
        # Delivery: retry 4xx/connection errors with growing delays, give up
        # after DELIVERY_GIVE_UP_HOURS; a claim is a lease of this many seconds.
        "DELIVERY_RETRY_BASE_SECONDS": _int(environ, "DELIVERY_RETRY_BASE_SECONDS", 60),
        "DELIVERY_RETRY_MAX_SECONDS": _int(environ, "DELIVERY_RETRY_MAX_SECONDS", 3600),
        "DELIVERY_GIVE_UP_HOURS": _int(environ, "DELIVERY_GIVE_UP_HOURS", 48),
        "DELIVERY_LEASE_SECONDS": _int(environ, "DELIVERY_LEASE_SECONDS", 300),
        "DELIVERY_BATCH_SIZE": _int(environ, "DELIVERY_BATCH_SIZE", 100),
        "WORKER_IDLE_SECONDS": float(environ.get("WORKER_IDLE_SECONDS", "1")),
        # After a failed pass (database away or locked) the worker waits this
        # long, doubling each time up to the maximum, and tries again.
        "WORKER_ERROR_PAUSE_SECONDS": float(environ.get("WORKER_ERROR_PAUSE_SECONDS", "1")),
        "WORKER_ERROR_PAUSE_MAX_SECONDS": float(
            environ.get("WORKER_ERROR_PAUSE_MAX_SECONDS", "60")
        ),
        # The relay refusing the site (its sender, sign-in, TLS) this many times
        # in a batch pauses sending, as a failed pass does.
        "WORKER_SITE_FAILURES_BEFORE_PAUSE": _int(environ, "WORKER_SITE_FAILURES_BEFORE_PAUSE", 3),
        # How often a worker records that it is alive (the dashboard's health).
        "WORKER_HEARTBEAT_SECONDS": float(environ.get("WORKER_HEARTBEAT_SECONDS", "5")),
        # Calls to webhooks (app/webhooks/): how long one may take in all, how many
        # a worker makes in a pass, and where they may go. An endpoint at a
        # private address (loopback, the local network, a cloud's metadata
        # service) is refused unless this is set, which only a test on one
        # machine needs; WEBHOOK_CA_FILE replaces the system's CAs.
        "WEBHOOK_TIMEOUT_SECONDS": float(environ.get("WEBHOOK_TIMEOUT_SECONDS", "10")),
        "WEBHOOK_BATCH_SIZE": _int(environ, "WEBHOOK_BATCH_SIZE", 20),
        "WEBHOOK_PRIVATE_ADDRESSES": _bool(environ.get("WEBHOOK_PRIVATE_ADDRESSES"), False),
        "WEBHOOK_CA_FILE": environ.get("WEBHOOK_CA_FILE") or None,
        # Alert fan-out throttle, in emails per second (0 = as fast as possible).
        "ALERT_SEND_RATE": float(environ.get("ALERT_SEND_RATE", "50")),
        # Number of proxies in front of the app whose X-Forwarded-For to trust.
        "TRUSTED_PROXY_COUNT": _int(environ, "TRUSTED_PROXY_COUNT", 0),
        "LOG_LEVEL": environ.get("LOG_LEVEL", "INFO"),
        # Lines of JSON (for a log shipper) instead of plain text.
        "LOG_FORMAT": environ.get("LOG_FORMAT", "text"),
        # /metrics answers only with this bearer token; unset, it is not there.
        "METRICS_TOKEN": environ.get("METRICS_TOKEN", ""),
        # Cookies: the secure flag needs https, which production always has.
        "SESSION_COOKIE_SECURE": production or site_url.startswith("https://"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "ADMIN_SESSION_HOURS": _int(environ, "ADMIN_SESSION_HOURS", 8),
        # argon2id parameters for admin passwords: a profile of argon2-cffi's.
        "PASSWORD_HASH_PROFILE": environ.get("PASSWORD_HASH_PROFILE", "RFC_9106_LOW_MEMORY"),
        "ADMIN_IDLE_MINUTES": _int(environ, "ADMIN_IDLE_MINUTES", 30),
        # Moderation thresholds (see app/letters/moderation.py).
        "MODERATION_SIMILARITY": float(environ.get("MODERATION_SIMILARITY", "0.6")),
        "MODERATION_MIN_OWN_WORDS": _int(environ, "MODERATION_MIN_OWN_WORDS", 5),
        "MODERATION_MAX_PER_IP_PER_DAY": _int(environ, "MODERATION_MAX_PER_IP_PER_DAY", 5),
        "MODERATION_MAX_PER_EMAIL_PER_DAY": _int(environ, "MODERATION_MAX_PER_EMAIL_PER_DAY", 3),
        "WTF_CSRF_TIME_LIMIT": None,  # the form lives as long as the session
        # Flask-WTF's HTTPS rule wants a same-origin Referer, which pages with
        # Referrer-Policy: no-referrer never send: app/web/csrf.py checks the
        # origin from Sec-Fetch-Site / Origin instead.
        "WTF_CSRF_SSL_STRICT": False,
        "MAX_CONTENT_LENGTH": 256 * 1024,
        # Database errors never quote their parameters: letters and addresses
        # would reach the logs.
        "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
        # A pooled connection idle this long is checked before use (app/db.py).
        "DATABASE_PING_AFTER_SECONDS": float(environ.get("DATABASE_PING_AFTER_SECONDS", "10")),
        # SQLite: how long a write waits for another's lock before giving up.
        "SQLITE_BUSY_TIMEOUT_SECONDS": float(environ.get("SQLITE_BUSY_TIMEOUT_SECONDS", "10")),
    }
    if production:
        check_production(config)
    return config


def check_production(config: dict) -> None:
    """Refuse to run in production with a missing or weak secret or sender."""
    key = config.get("SECRET_KEY") or ""
    if len(key) < 32:
        raise ConfigError("SECRET_KEY must be set to at least 32 random characters in production")
    if not config.get("MAIL_DEFAULT_SENDER"):
        raise ConfigError("MAIL_DEFAULT_SENDER must be set to the site's own address in production")
    if config["PASSWORD_HASH_PROFILE"] not in ("RFC_9106_LOW_MEMORY", "RFC_9106_HIGH_MEMORY"):
        raise ConfigError("PASSWORD_HASH_PROFILE must be one of RFC 9106's profiles in production")
    if not config.get("OPERATOR_CONTACT"):
        raise ConfigError("OPERATOR_CONTACT must be set in production: the privacy notice names it")
    if not config["SITE_URL"].startswith("https://"):
        raise ConfigError("SITE_URL must be an https:// address in production")


def check_processes(environ: Mapping[str, str], processes: int) -> None:
    """Refuse per-process rate limits in production when several processes
    serve: with memory:// each process counts alone, so N processes allow N
    times every limit (15 of 30 password guesses got through with two)."""
    production = environ.get("APP_ENV", "development") == "production"
    storage = environ.get("RATELIMIT_STORAGE_URI", "memory://")
    if production and processes > 1 and storage.startswith("memory://"):
        raise ConfigError(
            f"RATELIMIT_STORAGE_URI is {storage} with {processes} processes: set it to a "
            "shared store (redis://...) in production, or run one process"
        )
