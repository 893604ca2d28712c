"""The app's configuration in tests, and where the real reference data is."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = Path(os.environ.get("DATA_DIR") or ROOT.parent / "shared" / "data")
SECRET = "test-secret-key-that-is-long-enough-0123456789"


def base_config(database_url: str, **overrides) -> dict:
    config = {
        "APP_ENV": "test",
        "TESTING": True,
        "SECRET_KEY": SECRET,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SITE_URL": "http://localhost",
        "SITE_NAME": "Write to your MP",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": 9,  # nothing listens; tests that send start a MailCatcher
        "MAIL_SUPPRESS_SEND": False,
        "MAIL_DEFAULT_SENDER": "Write to your MP <noreply@writetoyourmp.test>",
        "MAIL_TIMEOUT": 5,
        "PASSWORD_HASH_PROFILE": "CHEAPEST",  # argon2id in ~0.1 ms, not ~0.2 s
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_LOOKUP": "10000/minute",
        "RATELIMIT_SUBMIT_PER_IP": "10000/hour",
        "RATELIMIT_SUBMIT_PER_EMAIL": "10000/hour",
        "RATELIMIT_SUBMIT_PER_MP": "10000/hour",
        "RATELIMIT_SUBMIT_PER_PARTNER": "10000/hour",
        "RATELIMIT_CONFIRM": "10000/hour",
        "RATELIMIT_SUBSCRIBE": "10000/hour",
        "RATELIMIT_ADMIN_LOGIN_PER_IP": "10000/hour",
        "RATELIMIT_ADMIN_LOGIN_PER_ACCOUNT": "10000/hour",
        "MAIL_TO_UNTRUSTED_ADDRESS": "10000/day",
        "MIN_FILL_SECONDS": 0,
        "REFERENCE_REFRESH_SECONDS": 0,
        "DELIVERY_RETRY_BASE_SECONDS": 60,
        "WORKER_IDLE_SECONDS": 0.05,
        "WTF_CSRF_ENABLED": False,
        "ALERT_SEND_RATE": 0,
    }
    config.update(overrides)
    return config
