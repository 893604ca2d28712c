"""How log lines look: plain text, or JSON lines for a log shipper (LOG_FORMAT=json).

Either way a line holds what the code logged and no more: no letter bodies,
email addresses or personal links' tokens (app/web/access_log.py redacts
the tokens from access lines before they are formatted). python-json-logger
writes the JSON, escaping whatever a message holds.
"""

from __future__ import annotations

import logging

from pythonjsonlogger.json import JsonFormatter

TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}


def json_formatter() -> logging.Formatter:
    return JsonFormatter(JSON_FIELDS, rename_fields=RENAMED)


def formatter(log_format: str) -> logging.Formatter:
    return json_formatter() if log_format == "json" else logging.Formatter(TEXT)


def gunicorn_config() -> dict:
    """gunicorn's `logconfig_dict` for JSON lines: its error log to stderr and
    its access log to stdout, each line one JSON object."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "app.logs.json_formatter"}},
        "handlers": {
            name: {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": f"ext://sys.{name}",
            }
            for name in ("stdout", "stderr")
        },
        "loggers": {
            "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        },
        "root": {"level": "WARNING", "handlers": ["stderr"]},
    }
