"""Absolute links to the site, for emails built outside any web request."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

from app.i18n import current_language


def external_url(endpoint: str, **values) -> str:
    """Like url_for(..., _external=True), based on SITE_URL and usable in the
    worker. A link to a public page carries its reader's language (`?lang=`)
    when it is not English: a Welsh writer who opens their confirmation link
    in a browser that never chose Welsh still gets Welsh pages."""
    language = current_language()
    if language != "en" and endpoint.startswith("public.") and "lang" not in values:
        values["lang"] = language
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a proxy typed as Flask
    adapter = app.extensions.get("site_url_adapter")
    if adapter is None:
        site = urlsplit(app.config["SITE_URL"])
        adapter = app.url_map.bind(
            site.netloc, script_name=site.path or "/", url_scheme=site.scheme
        )
        app.extensions["site_url_adapter"] = adapter
    return adapter.build(endpoint, values, force_external=True)
