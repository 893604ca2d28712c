"""Access logs without personal links' tokens.

A confirmation, unsubscribe, preferences, click or share link is a bearer
token: whoever holds it acts as the person it was sent to. The access logs of
gunicorn and of the development server record paths, so each token in a path
is replaced by `<redacted>` before the line is written.
"""

from __future__ import annotations

import logging
import re

# The path segment after each personal link's prefix (app/web/public/).
PERSONAL_LINK = re.compile(
    r"(/(?:confirm|alerts/confirm|alerts/unsubscribe|alerts/preferences|a|share|s|your-data|replied|new-mp|office)/)"
    r"[^/\s?\"']+"
)
ACCESS_LOGGERS = ("gunicorn.access", "werkzeug")


class RedactPersonalLinks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = PERSONAL_LINK.sub(r"\1<redacted>", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def install() -> None:
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactPersonalLinks) for f in logger.filters):
            logger.addFilter(RedactPersonalLinks())
