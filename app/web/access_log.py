"""Access logs without personal links' tokens.

A confirmation, unsubscribe, preferences, click or share link is a bearer
token: whoever holds it acts as the person it was sent to. The access logs of
gunicorn and of the development server record paths, so each token in a path
is replaced by `<redacted>` before the line is written.
"""

from __future__ import annotations

import logging
import re

# The names a route gives to a path segment that is a bearer secret: a
# signed token, or a writer's share code. A route that carries one names it
# so, and its links are redacted: the list is derived from the routes.
PERSONAL_ARGUMENTS = frozenset({"token", "code"})
_SEGMENT = r"[^/\s?\"']+"


def personal_link_pattern(url_map) -> re.Pattern:
    """A pattern for every route's path up to its personal segment, which it
    captures after the prefix (group 1), longest prefix first."""
    prefixes = set()
    for rule in url_map.iter_rules():
        prefix = ""
        for part in re.split(r"(<[^>]+>)", rule.rule):
            if not part.startswith("<"):
                prefix += re.escape(part)
            elif part.strip("<>").rpartition(":")[2] in PERSONAL_ARGUMENTS:
                prefixes.add(prefix)
                break
            else:
                prefix += _SEGMENT
    alternatives = "|".join(sorted(prefixes, key=len, reverse=True)) or "(?!)"
    return re.compile(f"({alternatives}){_SEGMENT}")


ACCESS_LOGGERS = ("gunicorn.access", "werkzeug")


class RedactPersonalLinks(logging.Filter):
    def __init__(self, pattern: re.Pattern):
        super().__init__()
        self.pattern = pattern

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.pattern.sub(r"\1<redacted>", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def install(app) -> None:
    """Redact every personal link of `app`'s routes from the access logs."""
    pattern = personal_link_pattern(app.url_map)
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        found = [f for f in logger.filters if isinstance(f, RedactPersonalLinks)]
        if found:
            found[0].pattern = pattern
        else:
            logger.addFilter(RedactPersonalLinks(pattern))
