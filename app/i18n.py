"""Marking text for translation (Flask-Babel's gettext, app/web/i18n.py).

Text written in a function is translated where it is, with `gettext(...)`
(never `_`, which Python code here uses for values it throws away). Text
defined once, in a module's constants, is marked with `N_` so pybabel finds
it, and translated with `gettext` where it is shown, in the language of the
request (or of the email's reader, under `force_locale`).
"""

from __future__ import annotations

from babel.dates import format_date
from flask import current_app, has_app_context
from flask_babel import force_locale, get_locale, gettext, lazy_gettext, ngettext

__all__ = [
    "N_", "current_language", "force_locale", "gettext", "lazy_gettext", "long_date", "ngettext",
    "site_name",
]  # fmt: skip


def N_(message: str) -> str:  # the name gettext's tools know
    """`message`, marked for extraction; translated with `gettext` where it is shown."""
    return message


def current_language() -> str:
    """The language being used: the request's, or under `force_locale` the
    reader's; English outside an app."""
    locale = get_locale() if has_app_context() else None
    return str(locale) if locale else "en"


def site_name() -> str:
    """The site's name for its reader: SITE_NAME_CY to a Welsh reader, where set."""
    config = current_app.config
    welsh = config["SITE_NAME_CY"] if current_language() == "cy" else ""
    return welsh or config["SITE_NAME"]


def long_date(value, language: str | None = None) -> str:
    """A day as a letter dates it, in `language` or the reader's: "1 December
    2026", "1 Rhagfyr 2026"."""
    return format_date(value, "d MMMM y", locale=language or current_language())
