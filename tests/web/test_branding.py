"""Branding per campaign: who runs it, an accent colour, a picture."""

from __future__ import annotations

import io
import os
import re
import zlib

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app.campaigns.branding import accent_problem
from app.campaigns.editing import EDITABLE
from app.campaigns.models import Campaign, CampaignImage
from app.extensions import db
from app.letters.emails import letter_text as mp_letter_text
from app.outbox.kinds import build_email
from app.outbox.models import EmailKind, OutboxEmail
from tests.builders.letters import demo_campaign, submit

ACCENT = "#5c2d91"  # a purple that carries white text at 9:1


def png(width: int, height: int, *, noisy: bool = False, orientation: int | None = None) -> bytes:
    image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)) if noisy else (
        Image.new("RGB", (width, height), (200, 30, 30))
    )  # fmt: skip
    out = io.BytesIO()
    if orientation:
        exif = Image.Exif()
        exif[0x0112] = orientation  # the camera's "rotate me" tag
        image.save(out, format="JPEG", exif=exif)
    else:
        image.save(out, format="PNG")
    return out.getvalue()


def edit(client, campaign: Campaign, picture: bytes | None = None, **changes):
    fields = {name: str(getattr(campaign, name) or "") for name in EDITABLE}
    data = {**fields, "action": "save", **changes}
    if picture is not None:
        data["image"] = FileStorage(io.BytesIO(picture), "poster.png")
    # Encoded here, in memory: the test client spools a large body to a file it never closes.
    boundary, body = encode_multipart(MultiDict(data))
    response = client.post(f"/admin/campaigns/{campaign.id}", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")  # fmt: skip
    db.session.expire_all()  # the test shares the app's session: read afresh after the request
    return response


@pytest.mark.parametrize(
    ("colour", "problem"),
    [
        ("", None),
        ("#0b3d91", None),
        ("#5C2D91", None),
        ("#ffdd00", "White text on #ffdd00 has a contrast of 1.3:1; it needs at least 4.5:1."),
        ("#1d70b8", None),  # 5.2:1
        ("#3d85c6", "White text on #3d85c6 has a contrast of 3.9:1"),
        ("blue", "Enter a colour as # and six hexadecimal digits"),
        ("#12345", "Enter a colour as # and six hexadecimal digits"),
    ],
)
def test_an_accent_must_carry_white_text(colour, problem):
    found = accent_problem(colour)
    assert (found is None) if problem is None else found.startswith(problem)


def test_an_admin_brands_a_campaign_and_the_public_sees_it(admin_client, client):
    campaign = demo_campaign()
    response = edit(admin_client, campaign, png(3000, 2000), accent_colour=ACCENT,
                    organisation_name="Open Purse", organisation_url="https://openpurse.example",
                    image_alt="Receipts piled on a desk")  # fmt: skip
    assert response.status_code == 303, response.get_data(as_text=True)
    stored = db.session.scalar(select(CampaignImage))
    picture = Image.open(io.BytesIO(stored.data))
    assert (picture.format, picture.size) == ("JPEG", (1200, 800))  # resized, same shape

    page = client.get("/c/mp-expenses").get_data(as_text=True)
    src = f"/c/mp-expenses/picture/{stored.digest}.jpg"
    assert f'<img src="{src}" alt="Receipts piled on a desk" width="1200" height="800">' in page
    assert 'A campaign by <a href="https://openpurse.example" rel="noopener">Open Purse</a>' in page
    assert '<link rel="stylesheet" href="/theme/5c2d91.css">' in page
    served = client.get(src)
    assert served.mimetype == "image/jpeg"
    assert served.data == stored.data
    assert "immutable" in served.headers["Cache-Control"]
    assert client.get("/c/mp-expenses/picture/0000000000000000.jpg").status_code == 404
    theme = client.get("/theme/5c2d91.css")
    assert theme.get_data(as_text=True) == ":root { --brand: #5c2d91; }\n"
    assert client.get("/theme/zzzzzz.css").status_code == 404
    # Admin pages keep the site's own colours.
    assert "/theme/" not in admin_client.get(f"/admin/campaigns/{campaign.id}").get_data(
        as_text=True
    )

    api = client.get("/api/v1/campaigns/mp-expenses").get_json()["branding"]
    assert api == {
        "organisation_name": "Open Purse", "organisation_url": "https://openpurse.example",
        "accent_colour": ACCENT, "image_url": f"http://localhost{src}",
        "image_alt": "Receipts piled on a desk",
    }  # fmt: skip

    card = Image.open(io.BytesIO(client.get("/c/mp-expenses/share.png").data)).convert("RGB")
    assert card.getpixel((20, 20)) == (0x5C, 0x2D, 0x91)  # the accent behind the title
    assert card.getpixel((1100, 300))[0] > 150  # the red picture on the right


def test_a_camera_picture_is_turned_upright(admin_client):
    campaign = demo_campaign()
    sideways = png(400, 300, orientation=6)  # stored landscape, meant to be seen portrait
    assert edit(admin_client, campaign, sideways, image_alt="A poster").status_code == 303
    stored = db.session.scalar(select(CampaignImage))
    assert Image.open(io.BytesIO(stored.data)).size == (300, 400)


@pytest.mark.parametrize(
    ("upload", "changes", "field", "message"),
    [
        (
            b"not a picture at all",
            {"image_alt": "x"},
            "image",
            "Upload a JPEG, PNG, WebP or GIF",
        ),
        (None, {"accent_colour": "#ffdd00"}, "accent_colour", "White text on #ffdd00"),
        ("red", {"image_alt": ""}, "image_alt", "Say what the picture shows"),
        (
            None,
            {"organisation_url": "javascript:alert(1)"},
            "organisation_url",
            "must start with https://",
        ),
    ],
)
def test_what_cannot_be_used_is_refused_with_a_reason_and_nothing_saved(
    admin_client, upload, changes, field, message
):
    campaign = demo_campaign()
    picture = png(50, 50) if upload == "red" else upload
    response = edit(admin_client, campaign, picture, **changes)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(rf'<a href="#{field}">[^<]*{re.escape(message)}', html), html[:300]
    assert db.session.scalar(select(CampaignImage)) is None
    db.session.refresh(campaign)
    assert campaign.accent_colour == ""


def test_the_editor_takes_a_large_picture_but_the_public_forms_keep_their_limit(
    admin_client, client
):
    big = png(700, 700, noisy=True)  # about 1.4 MB: over the site's 256 KB
    assert len(big) > 1024 * 1024
    assert edit(admin_client, demo_campaign(), big, image_alt="Noise").status_code == 303
    assert client.post("/c/mp-expenses/write", data={"body": "x" * 400_000}).status_code == 413


def test_a_picture_can_be_removed(admin_client):
    campaign = demo_campaign()
    edit(admin_client, campaign, png(100, 100), image_alt="A poster")
    assert db.session.scalar(select(CampaignImage)) is not None
    assert edit(admin_client, campaign, remove_image="y", image_alt="").status_code == 303
    assert db.session.scalar(select(CampaignImage)) is None


def test_emails_say_who_runs_the_campaign(admin_client):
    campaign = demo_campaign()
    edit(admin_client, campaign, organisation_name="Open Purse",
         organisation_url="https://openpurse.example")  # fmt: skip
    letter = submit()
    row = db.session.scalar(select(OutboxEmail).where(
        OutboxEmail.letter_id == letter.id, OutboxEmail.kind == EmailKind.CONFIRMATION
    ))  # fmt: skip
    email = build_email(row)
    assert b"A campaign by Open Purse (https://openpurse.example)" in email.data
    letter_text = mp_letter_text(letter=letter, campaign=letter.campaign,
                                 constituency=letter.constituency)  # fmt: skip
    assert 'the campaign "Publish MPs\' expenses in full", run by Open Purse' in letter_text


def test_a_picture_claiming_too_many_pixels_is_refused_before_it_is_decoded(admin_client):
    header = io.BytesIO()
    Image.new("RGB", (1, 1)).save(header, format="PNG")
    data = bytearray(header.getvalue())
    data[16:24] = (20000).to_bytes(4, "big") + (10000).to_bytes(4, "big")  # IHDR: 20000 x 10000
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")  # a valid chunk, as an attack's
    response = edit(admin_client, demo_campaign(), bytes(data), image_alt="A bomb")
    assert response.status_code == 422
    assert "too many pixels" in response.get_data(as_text=True)


def test_only_a_signed_in_editor_may_send_the_editor_a_large_body(make_app, admin_client):
    body = {"title": "x" * (1024 * 1024)}
    # With CSRF on, as in production, its check reads the form before the sign-in is checked.
    stranger = make_app(WTF_CSRF_ENABLED=True).test_client()
    assert stranger.post("/admin/campaigns/new", data=body).status_code == 413
    assert admin_client.post("/admin/campaigns/new", data=body).status_code != 413


def test_the_editor_shows_a_draft_campaign_s_picture(admin_client, client):
    campaign = demo_campaign()
    edit(admin_client, campaign, png(100, 80), image_alt="A poster", status="draft")
    page = admin_client.get(f"/admin/campaigns/{campaign.id}").get_data(as_text=True)
    src = re.search(r'<img class="thumb" src="([^"]+)"', page).group(1)
    assert admin_client.get(src).mimetype == "image/jpeg"
    assert client.get(src).status_code in (302, 401)  # not for the public
    stored = db.session.scalar(select(CampaignImage))
    assert client.get(f"/c/mp-expenses/picture/{stored.digest}.jpg").status_code == 404  # a draft


def test_the_share_card_fits_its_words_and_shows_the_whole_picture():
    """No literal "[...]", every line within the card's text column, and a
    wide picture shown whole (both its edges), not cut at the card's edge."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    from app.campaigns.share_image import PICTURE_WIDTH, WIDTH, _draw, lines_within, within

    draw = ImageDraw.Draw(Image.new("RGB", (10, 10)))
    font = ImageFont.load_default(size=34)
    footer = within(draw, "A very long organisation name indeed · Write to your MP", font, 400)
    assert footer.endswith("\u2026")
    assert "[...]" not in footer
    assert draw.textlength(footer, font=font) <= 400
    title = "Publish every MP's expenses claim in full, online, on time, every single month"
    lines = lines_within(draw, title, ImageFont.load_default(size=60), 560, most=3)
    assert len(lines) == 3
    assert lines[-1].endswith("\u2026")
    assert all(draw.textlength(line, font=ImageFont.load_default(size=60)) <= 560 for line in lines)

    wide = Image.new("RGB", (1600, 400), (255, 0, 0))  # red, with a green right edge
    wide.paste((0, 200, 0), (1500, 0, 1600, 400))
    buffer = io.BytesIO()
    wide.save(buffer, format="PNG")
    card = Image.open(io.BytesIO(_draw("A title", "Site", "", "", buffer.getvalue())))
    middle = card.height // 2
    assert card.getpixel((WIDTH - PICTURE_WIDTH + 10, middle))[0] > 200  # its left: red
    assert card.getpixel((WIDTH - 10, middle))[1] > 150  # its right edge: green, kept


def test_a_preview_checks_the_colour_and_shows_it_and_saves_nothing(admin_client):
    campaign = demo_campaign()
    refused = edit(admin_client, campaign, action="preview", accent_colour="banana")
    assert refused.status_code == 422
    assert "accent_colour-error" in refused.get_data(as_text=True)
    assert demo_campaign().accent_colour == ""  # a preview saves nothing
    shown = edit(admin_client, campaign, action="preview", accent_colour=ACCENT)
    assert shown.status_code == 200
    assert f'fill="{ACCENT}"' in shown.get_data(as_text=True)  # the preview shows the colour
    assert demo_campaign().accent_colour == ""


def test_a_picture_chosen_survives_a_preview_and_a_failed_save(admin_client):
    campaign = demo_campaign()
    previewed = edit(admin_client, campaign, png(900, 600), action="preview",
                     image_alt="A stack of expense claims")  # fmt: skip
    html = previewed.get_data(as_text=True)
    assert "The picture you chose, kept until you save" in html
    kept = re.search(r'name="pending_image" type="hidden" value="([^"]+)"', html).group(1)
    failed = edit(admin_client, campaign, slug="Not A Slug", pending_image=kept,
                  image_alt="A stack of expense claims")  # fmt: skip
    assert failed.status_code == 422
    again = re.search(
        r'name="pending_image" type="hidden" value="([^"]+)"', failed.get_data(as_text=True)
    )
    assert again is not None  # still kept
    saved = edit(admin_client, campaign, pending_image=again.group(1),
                 image_alt="A stack of expense claims")  # fmt: skip
    assert saved.status_code == 303
    image = db.session.get(CampaignImage, campaign.id)
    assert (image.width, image.height) == (900, 600)
