"""Template helpers: asset URLs that change when the file does, and filters."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, current_app, request, url_for
from markupsafe import Markup, escape

from app.config import ConfigError
from app.i18n import site_name
from app.letters.suggested import suggested_letter
from app.links import external_url
from app.parliament import dissolution
from app.text import markdown_to_html
from app.web.forms import first_errors

ONE_YEAR = 365 * 24 * 3600


@cache
def _file_hash(path: str, mtime: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def asset_url(filename: str) -> str:
    """URL of a static file with a content hash, so it can be cached for a year."""
    static_folder = current_app.static_folder
    assert static_folder is not None, "the app serves its static files"
    path = Path(static_folder) / filename
    version = _file_hash(str(path), path.stat().st_mtime)
    return url_for("static", filename=filename, v=version)


def _thousands(value) -> str:
    return f"{int(value or 0):,}"


def _percent(value) -> str:
    """12%, or 0.3% for small shares (2 of 650 MPs is not "0%")."""
    share = (value or 0) * 100
    return f"{share:.1f}%" if 0 < share < 10 else f"{share:.0f}%"


_URL = re.compile(r"https://[\w.-]+(?:/[\w./-]*)?")


def _linkify(text: str) -> Markup:
    """Plain text with its https:// addresses made links (the rest escaped)."""
    out, last = [], 0
    for found in _URL.finditer(text or ""):
        url = found.group(0).rstrip(".")
        out += [escape(text[last : found.start()]), Markup('<a href="{}">{}</a>').format(url, url)]
        last = found.start() + len(url)
    out.append(escape(text[last:]))
    return Markup("").join(out)


def suggested_body(campaign, seat) -> str:
    """The campaign's suggested letter for this seat, {constituent_name} left in:
    what the compose page's own-words meter measures against, as the site does."""
    return suggested_letter(campaign, seat)[1]


def local_time(value: datetime | None, format: str = "%Y-%m-%d %H:%M") -> str:
    """A stored time (UTC, naive) as the people running the site read it: in
    DISPLAY_TIMEZONE (Europe/London), with its zone (GMT or BST)."""
    if value is None:
        return ""
    zone = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    local = value.replace(tzinfo=UTC).astimezone(zone)
    return f"{local.strftime(format)} {local.tzname()}"


def init_app(app: Flask) -> None:
    try:
        ZoneInfo(app.config["DISPLAY_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"DISPLAY_TIMEZONE is not a time zone: {app.config['DISPLAY_TIMEZONE']!r}"
        ) from exc
    app.jinja_env.add_extension("jinja2.ext.do")
    app.add_template_global(asset_url)
    # Absolute URLs (canonical, og:url, share images) come from SITE_URL, never
    # from the request's Host header, which anyone can set.
    app.add_template_global(external_url)
    app.add_template_filter(markdown_to_html, "markdown")
    app.add_template_filter(_thousands, "thousands")
    app.add_template_filter(first_errors, "first_errors")
    app.add_template_filter(_percent, "percent")
    app.add_template_filter(_linkify, "linkify")
    app.add_template_filter(local_time, "local_time")
    app.add_template_global(suggested_body)
    app.add_template_global(dissolved)  # a global: the macros that speak of MPs call it

    @app.context_processor
    def site():
        return {"site_name": site_name()}

    default_max_age = app.get_send_file_max_age

    def send_file_max_age(filename):
        # Versioned URLs (see asset_url) never change content: cache for a year.
        if request.args.get("v"):
            return ONE_YEAR
        return default_max_age(filename)

    app.get_send_file_max_age = send_file_max_age  # type: ignore[method-assign]  # Flask's hook


def dissolved():
    """The dissolution in force, asked for once per request by the pages
    that speak of MPs (None out of one)."""
    # Kept on the request, not on `g`: an app context can outlive a request.
    if "wtym.dissolved" not in request.environ:
        request.environ["wtym.dissolved"] = dissolution.current()
    return request.environ["wtym.dissolved"]
