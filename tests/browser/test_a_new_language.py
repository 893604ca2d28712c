"""The widget in a language added as data: its build reads the new catalogue
from a folder of its own (`--translations`), the site offers it by a line of
settings, and a reader on a partner's blog walks the widget in it.

The language is made up (tests/web/test_a_new_language.py says how)."""

from __future__ import annotations

import subprocess

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.partners.registry import save_partner
from app.partners.widget import Release, integrity_of, version_of
from devtools.mailcatcher import free_port
from devtools.partner_blog import create_blog
from tests.builders.catalogues import CLOSE, OPEN
from tests.builders.processes import LiveServer
from tests.builders.settings import ROOT
from tests.web.test_a_new_language import MADE_UP, made_up_settings

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


@pytest.fixture
def site_settings(tmp_path):
    return made_up_settings(tmp_path / "catalogues")


@pytest.fixture
def widget_build(site_settings, tmp_path) -> bytes:
    """The widget built as a release would be, with the new catalogue added."""
    out = tmp_path / "dist"
    added = site_settings["BABEL_TRANSLATION_DIRECTORIES"].split(";")[1]
    subprocess.run(["node", "build.mjs", "--translations", added, "--out", str(out)],
                   cwd=ROOT / "widget", check=True, capture_output=True)  # fmt: skip
    return (out / "v1.js").read_bytes()


def test_a_reader_uses_the_widget_in_a_language_added_as_data(site, page, widget_build):
    build = Release(version_of(widget_build), widget_build, integrity_of(widget_build))
    port = free_port()
    with site.app.app_context():
        save_partner("test-blog", name="The Test Blog", origins=[f"http://127.0.0.1:{port}"])
        db.session.remove()
    app = create_blog(site.url, partner="test-blog", side_language=MADE_UP, release=build)
    blog = LiveServer(app, port).start()
    # The site serves released builds; this one is served as a release would be.
    page.route(
        f"{site.url}/widget/v1.{build.version}.js",
        lambda route: route.fulfill(
            body=build.body,
            headers={"Content-Type": "text/javascript", "Access-Control-Allow-Origin": "*"},
        ),
    )
    try:
        page.goto(f"{blog.url}/?widgets=2")
        walk(page)
    finally:
        blog.stop()


def walk(page):
    side = page.locator("#widget-side")
    expect(side.get_by_label(f"{OPEN}Your postcode{CLOSE}")).to_be_visible()
    assert side.locator("section").get_attribute("lang") == MADE_UP
    side.get_by_label(f"{OPEN}Your postcode{CLOSE}").fill("TE1 1AA")
    side.get_by_role("button", name=f"{OPEN}Find my MP{CLOSE}").click()
    # The site answers in it too: the campaign's heading comes from the API, asked in it.
    expect(side.get_by_label(f"{OPEN}Your full name{CLOSE}")).to_be_visible()
    side.get_by_role("button", name=f"{OPEN}Preview your letter{CLOSE}").click()
    expect(side.locator(".msg .sr").first).to_have_text(f"{OPEN}Error:{CLOSE} ")
    # The English widget beside it is still in English.
    expect(page.locator("#widget-main").get_by_label("Your postcode")).to_be_visible()
