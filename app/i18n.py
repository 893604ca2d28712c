"""Languages: the registry of those the site speaks, and marking text for
translation (Flask-Babel's gettext, app/web/i18n.py).

A language is data, not code: its catalogue (app/translations/<code>/, or a
folder named in BABEL_TRANSLATION_DIRECTORIES) and its code in LANGUAGES. The
pages, the emails, the campaign editor, the embed code and the widget's build
(widget/build.mjs, which bundles every catalogue) all read this registry; a
campaign's texts in each language are rows of campaign_text. Babel's locale
data (CLDR) gives each language its name and its dates.

Text written in a function is translated where it is, with `gettext(...)`
(never `_`, which Python code here uses for values it throws away). Text
defined once, in a module's constants, is marked with `N_` so pybabel finds
it, and translated with `gettext` where it is shown, in the language of the
request (or of the email's reader, under `reading_in`).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import flask_babel
from babel import Locale
from babel.dates import format_date
from flask import current_app, has_app_context
from flask_babel import get_locale, get_translations, lazy_gettext

__all__ = [
    "N_", "SOURCE", "Language", "catalogue_folders", "current_language", "force_locale",
    "gettext", "in_words", "language", "lazy_gettext", "long_date", "ngettext", "offered",
    "offered_codes", "reading_in", "site_name", "translated",
]  # fmt: skip

# The language the code's own words (gettext's msgids) are written in:
# British English. Every other language is a catalogue.
SOURCE = "en"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


@dataclass(frozen=True)
class Language:
    code: str  # its catalogue's folder, ?lang=, data-lang and what a letter records
    name: str  # in itself, for the link that offers it: "Cymraeg"
    english_name: str  # for the dashboard, which is in English: "Welsh"
    tag: str  # BCP 47, for lang attributes: "en-GB", "cy"


@functools.cache  # every page asks (its lang tag, its links); CLDR's answer never changes
def language(code: str) -> Language:
    """What the registry knows of `code`; ValueError if CLDR does not know it."""
    try:
        locale = Locale.parse(code)
    except (ValueError, TypeError) as error:  # babel's UnknownLocaleError is a ValueError
        raise ValueError(f"no language {code!r} in Babel's locale data") from error
    own = locale.get_display_name(code) or code
    tag = "en-GB" if code == SOURCE else code.replace("_", "-")
    return Language(code, own[:1].upper() + own[1:], locale.get_display_name("en") or code, tag)


def offered() -> list[Language]:
    """The languages the site speaks (LANGUAGES), in their configured order."""
    return [language(code) for code in offered_codes()]


def offered_codes() -> list[str]:
    return current_app.config["LANGUAGES"]


def translated() -> list[Language]:
    """The offered languages other than the source: those with campaign texts."""
    return [lang for lang in offered() if lang.code != SOURCE]


def catalogue_folders() -> list[Path]:
    """Where catalogues are looked for: app/translations, and any folder added
    by BABEL_TRANSLATION_DIRECTORIES (";"-separated, as Flask-Babel reads it)."""
    named = current_app.config.get("BABEL_TRANSLATION_DIRECTORIES") or ""
    root = Path(current_app.root_path)  # where Flask-Babel finds a relative one
    return [root / folder for folder in named.split(";") if folder] or [TRANSLATIONS]


def has_catalogue(code: str) -> bool:
    return any((folder / code / "LC_MESSAGES" / "messages.mo").is_file()
               for folder in catalogue_folders())  # fmt: skip


def N_(message: str) -> str:  # the name gettext's tools know
    """`message`, marked for extraction; translated with `gettext` where it is shown."""
    return message


# The language and catalogue of a reader something is being built for
# (`reading_in`), or None: the worker builds thousands of emails a minute,
# each asking for a dozen strings, and Flask-Babel finds the language and its
# catalogue through its context afresh for each (docs/performance.md).
_pinned: ContextVar[tuple[str, Any] | None] = ContextVar("pinned_language", default=None)


def current_language() -> str:
    """The language being used: the request's, or under `reading_in` (or
    `force_locale`) the reader's; English outside an app."""
    pinned = _pinned.get()
    if pinned is not None:
        return pinned[0]
    locale = get_locale() if has_app_context() else None
    return str(locale) if locale else "en"


@contextlib.contextmanager
def reading_in(code: str) -> Iterator[None]:
    """While building something for a reader of `code` (an email): its
    strings, the templates' too, in that language, found once."""
    switch = force_locale(code) if code != current_language() else contextlib.nullcontext()
    with switch:
        token = _pinned.set((code, _catalogue_of(code)))
        try:
            yield
        finally:
            _pinned.reset(token)


def _catalogue_of(code: str) -> Any:
    """Flask-Babel's catalogue for `code`, the language now in force: found
    through its context once per app, then kept (Flask-Babel keeps it too)."""
    found = current_app.extensions.setdefault("catalogues", {})
    if code not in found:
        found[code] = get_translations()
    return found[code]


@contextlib.contextmanager
def force_locale(code: str) -> Iterator[None]:
    """Flask-Babel's, for a language other than the one being read in."""
    token = _pinned.set(None)
    try:
        with flask_babel.force_locale(code):
            yield
    finally:
        _pinned.reset(token)


def catalogue() -> Any:
    """The catalogue of the language being used (Flask-Babel's own)."""
    pinned = _pinned.get()
    return pinned[1] if pinned is not None else get_translations()


def gettext(string: str, **variables) -> str:
    """Flask-Babel's gettext, with the catalogue `reading_in` found."""
    text = catalogue().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return catalogue().ungettext(singular, plural, num) % variables


def in_words(names: list[str]) -> str:
    """Names as a sentence says them: "Alice Able", "Alice Able and Jo
    Bloggs", "Alice Able, Jo Bloggs and Sam Teal"; "" for none."""
    if len(names) <= 1:
        return names[0] if names else ""
    return gettext("%(some)s and %(last)s", some=", ".join(names[:-1]), last=names[-1])


def site_name() -> str:
    """The site's name for its reader: SITE_NAME_<CODE> in their language
    (SITE_NAME_CY for Welsh), where set; else SITE_NAME."""
    config = current_app.config
    return config.get(f"SITE_NAME_{current_language().upper()}") or config["SITE_NAME"]


def long_date(value, language: str | None = None) -> str:
    """A day as a letter dates it, in `language` or the reader's: "1 December
    2026", "1 Rhagfyr 2026"."""
    return format_date(value, "d MMMM y", locale=language or current_language())
