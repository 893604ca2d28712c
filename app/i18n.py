"""Marking text for translation (Flask-Babel's gettext, app/web/i18n.py).

Text written in a function is translated where it is, with `gettext(...)`
(never `_`, which Python code here uses for values it throws away). Text
defined once, in a module's constants, is marked with `N_` so pybabel finds
it, and translated with `gettext` where it is shown, in the language of the
request (or of the email's reader, under `force_locale`).
"""

from __future__ import annotations

from flask import has_app_context
from flask_babel import force_locale, get_locale, gettext, lazy_gettext, ngettext

__all__ = ["N_", "current_language", "force_locale", "gettext", "lazy_gettext", "ngettext"]


def N_(message: str) -> str:  # the name gettext's tools know
    """`message`, marked for extraction; translated with `gettext` where it is shown."""
    return message


def current_language() -> str:
    """The language being used: the request's, or under `force_locale` the
    reader's; English outside an app."""
    locale = get_locale() if has_app_context() else None
    return str(locale) if locale else "en"
