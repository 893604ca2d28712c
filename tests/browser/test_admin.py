"""The dashboard in a real browser: sign in with TOTP, run a campaign, moderate, see the map."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import update

from app.db import write_transaction
from app.extensions import db
from app.letters.models import Letter
from app.letters.submission import confirm_letter, confirmation_token
from app.reports.hexmap import BUCKETS
from tests.browser.conftest import sign_in
from tests.builders.letters import PERSONAL_BODY, submit

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def test_an_admin_runs_a_campaign_from_the_dashboard(site, page, admin_secret, mail_server):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, site, admin_secret)
    expect(
        page.get_by_role("heading", name="0 of 7 MPs have heard from constituents")
    ).to_be_visible()

    # Create a campaign, with the live preview showing the MP's email.
    page.get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="New campaign").click()
    page.get_by_label("Title", exact=True).fill("Save our libraries")
    page.get_by_label("Web address").fill("libraries")
    page.get_by_label("Status").select_option("live")
    page.get_by_label("Suggested letter", exact=True).fill(
        "Dear {mp_name},\n\n[Why libraries matter to you]\n\n{constituent_name}"
    )
    expect(page.locator("[data-preview] .letter-text")).to_contain_text("Dear ")  # the live preview
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved \u201cSave our libraries\u201d.")).to_be_visible()

    # A letter arrives, and a near-copy of it is held.
    with site.app.app_context():
        first = confirm_letter(confirmation_token(submit()))
        copy = PERSONAL_BODY.replace("Jane Smith", "Carl Copier")
        held = confirm_letter(
            confirmation_token(
                submit(email="carl@example.com", name="Carl Copier", body=copy, key="c")
            )
        )
        first_id, held_id = first.id, held.id
        db.session.remove()
    page.get_by_role("link", name="Letters").click()
    expect(page.get_by_role("link", name=str(first_id), exact=True)).to_be_visible()

    page.get_by_role("link", name="Moderation 1 waiting").click()
    expect(page.get_by_text("100% similar to letter")).to_be_visible()
    page.get_by_role("button", name=f"Release letter {held_id}").click()
    expect(page.get_by_text(f"Letter {held_id} released")).to_be_visible()
    letters = mail_server.wait_for(2, timeout=15, to="alice.able.mp@parliament.uk")
    senders = {m["Reply-To"].addresses[0].display_name for m in letters}
    assert senders == {"Jane Smith", "Carl Copier"}


def test_the_coverage_map_draws_all_650_constituencies(site, page, admin_secret):
    with site.app.app_context():
        # Three letters delivered to one MP. Marked in a write transaction of
        # its own: the site's worker is writing too (their confirmations), and
        # SQLite refuses to turn a read that another write has overtaken into
        # a write ("database is locked").
        ids = [
            submit(email=f"m{i}@example.com", key=f"k{i}", body=f"{PERSONAL_BODY} ({i})").id
            for i in range(3)
        ]
        with write_transaction() as session:
            session.execute(update(Letter).where(Letter.id.in_(ids)).values(status="sent"))
        db.session.remove()
    page.set_viewport_size({"width": 1280, "height": 1000})
    sign_in(page, site, admin_secret)
    expect(
        page.get_by_role("heading", name="1 of 7 MPs have heard from constituents")
    ).to_be_visible()

    svg = page.locator("[data-hexmap]")
    svg.scroll_into_view_if_needed()
    box = svg.bounding_box()
    shot = Image.open(io.BytesIO(svg.screenshot())).convert("RGB")
    scale = shot.width / box["width"]
    centres = page.eval_on_selector_all(
        "[data-hexmap] polygon",
        "els => els.map(e => { const r = e.getBoundingClientRect(); "
        "return [r.x + r.width / 2, r.y + r.height / 2, e.getAttribute('fill')]; })",
    )
    assert len(centres) == 650
    palette = {hex_rgb(colour) for _, colour, _ in BUCKETS}
    painted = 0
    for x, y, fill in centres:
        pixel = shot.getpixel((int((x - box["x"]) * scale), int((y - box["y"]) * scale)))
        # Every hex is drawn, in its own colour (anti-aliasing leaves centres exact).
        assert (
            min(sum(abs(a - b) for a, b in zip(pixel, colour, strict=True)) for colour in palette)
            < 12
        )
        assert sum(abs(a - b) for a, b in zip(pixel, hex_rgb(fill), strict=True)) < 12
        painted += 1
    assert painted == 650
    two_to_four = next(colour for threshold, colour, _ in BUCKETS if threshold == 2)
    lit = [c for c in centres if c[2] == two_to_four]
    assert len(lit) == 1

    hexagon = page.get_by_label("Testington North (Alice Able): 3 letters delivered")
    hexagon.focus()
    expect(page.locator("[data-map-detail]")).to_have_text(
        "Testington North (Alice Able): 3 letters delivered"
    )
