"""Languages: English, and Welsh (Cymraeg), through Flask-Babel and gettext.

Strings are marked for translation (`_()` in Python, `_()` and `{% trans %}`
in templates), extracted with pybabel into app/translations/messages.pot and
translated in app/translations/<language>/LC_MESSAGES/messages.po, which is
compiled to the .mo beside it (`bin/translations` does all three; a test
checks that both are current).

A request's language is the one it asks for (`?lang=cy`, then kept in a
cookie for a year), else the cookie's, else the best of the browser's
Accept-Language, else English. Only the languages in LANGUAGES are offered
(the registry: app/i18n.py).
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel, refresh

from app.config import ConfigError
from app.i18n import (
    SOURCE,
    TRANSLATIONS,
    Language,
    catalogue,
    current_language,
    gettext,
    has_catalogue,
    language,
    long_date,
    offered,
    offered_codes,
)

COOKIE = "lang"
COOKIE_SECONDS = 365 * 24 * 3600


def language_tag(code: str) -> str:
    """A lang attribute's value for `code` (en-GB for the site's English)."""
    return language(code).tag if code in offered_codes() else language(SOURCE).tag


def select_language() -> str:
    languages = offered_codes()
    default = SOURCE if SOURCE in languages else languages[0]
    if not has_request_context() or request.blueprint == "admin":
        # The worker and commands (emails choose with force_locale), and the
        # dashboard, whose pages are in English.
        return default
    asked = request.args.get("lang")
    if request.blueprint == "api":
        # Only what the URL asks: a shared cache keys answers by URL alone.
        return asked if asked in languages else default
    asked = asked or request.cookies.get(COOKIE)
    if asked in languages:
        return asked
    return request.accept_languages.best_match(languages) or default


def language_links() -> list[tuple[Language, str]]:
    """(language, URL of this page in it) for each other language offered."""
    here = current_language()
    links = []
    for other in offered():
        if other.code != here:
            query = urlencode([*((k, v) for k, v in request.args.items(multi=True) if k != "lang"),
                               ("lang", other.code)])  # fmt: skip
            # Only a query: relative to this page, it cannot lead anywhere else.
            links.append((other, f"?{query}"))
    return links


def script_strings() -> dict[str, str]:
    """The words site.js writes on the page, in the page's language; {n} and
    {percent} are filled in by the script."""
    return {
        "charactersLeft": gettext("{n} characters left"),
        "charactersOver": gettext("{n} characters too many"),
        "ownWords": gettext("About {percent} in your own words"),
        "ownWordsMinimum": gettext("(this campaign asks for at least {percent})"),
        "copied": gettext("Link copied."),
        "copyByHand": gettext("Press Ctrl+C (or Cmd+C) to copy the selected link."),
    }


def _remember(response):
    """after_request: keep a language chosen by link; pages vary by language."""
    if len(offered_codes()) > 1 and response.mimetype == "text/html":
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
        asked = request.args.get("lang")
        if asked in offered_codes() and request.cookies.get(COOKIE) != asked:
            secure = current_app.config["SESSION_COOKIE_SECURE"]
            response.set_cookie(COOKIE, asked, max_age=COOKIE_SECONDS, httponly=True,
                                samesite="Lax", secure=secure)  # fmt: skip
    return response


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_language,
          default_translation_directories=str(TRANSLATIONS))  # fmt: skip
    # The templates' strings through app/i18n.py's catalogue(): Flask-Babel's
    # own, found once for an email being built (`reading_in`).
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # jinja2.ext.i18n's
        gettext=lambda s: catalogue().ugettext(s),
        ngettext=lambda s, p, n: catalogue().ungettext(s, p, n),
        pgettext=lambda c, s: catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalogue().unpgettext(c, s, p, n),
        newstyle=True,
    )
    with app.app_context():
        _check_languages(app.config["LANGUAGES"])
    # Flask-Babel keeps the language it chose on the app context, which a
    # request shares when one is already pushed (tests, commands): choose afresh.
    app.before_request(refresh)
    app.after_request(_remember)
    app.add_template_global(current_language)
    app.add_template_global(language_links)
    app.add_template_global(script_strings)
    app.add_template_global(language_tag)
    app.add_template_filter(long_date)


def _check_languages(codes: list[str]) -> None:
    """Each language offered is one Babel knows, with its catalogue."""
    if not codes:
        raise ConfigError("LANGUAGES must list at least one language")
    for code in codes:
        try:
            language(code)
        except ValueError as error:
            raise ConfigError(f"LANGUAGES: {error}") from error
        if code != SOURCE and not has_catalogue(code):
            raise ConfigError(f"LANGUAGES: {code!r} has no compiled catalogue "
                              f"(translations/{code}/LC_MESSAGES/messages.mo)")  # fmt: skip
