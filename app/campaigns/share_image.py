"""The picture shown when a campaign link is shared (Open Graph / Twitter card).

Platforms want a 1200x630 PNG; we draw the campaign title on the campaign's
colour (or the site's) with Pillow's built-in scalable font, so nothing is
fetched, beside the campaign's picture when it has one.
"""

from __future__ import annotations

import io
import textwrap

from PIL import Image, ImageColor, ImageDraw, ImageFont, ImageOps

from app.campaigns.models import Campaign

WIDTH, HEIGHT = 1200, 630
BRAND = (11, 61, 145)
ACCENT = (255, 221, 0)
PICTURE_WIDTH = 480  # the campaign's picture, cropped to fill the card's right side
CARDS_KEPT = 64  # cards kept in each process
_cards: dict[tuple[str, ...], bytes] = {}


def share_image_png(campaign: Campaign, site_name: str) -> bytes:
    """The campaign's card, drawn once per version of what it shows (the
    picture by its digest, so its bytes are read only to draw it)."""
    image = campaign.image
    key = (campaign.title, site_name, campaign.accent_colour, campaign.organisation_name,
           image.digest if image else "")  # fmt: skip
    card = _cards.get(key)
    if card is None:
        card = _draw(*key[:4], image.data if image else b"")
        while len(_cards) >= CARDS_KEPT:
            _cards.pop(next(iter(_cards)))  # the oldest
        _cards[key] = card
    return card


def _draw(title: str, site_name: str, accent: str, organisation: str, picture: bytes) -> bytes:
    """The card: the title in white on the campaign's accent colour (or the
    site's blue), who runs it, and the campaign's picture on the right."""
    image = Image.new("RGB", (WIDTH, HEIGHT), ImageColor.getrgb(accent) if accent else BRAND)
    text_width = WIDTH
    if picture:
        photo = ImageOps.fit(
            Image.open(io.BytesIO(picture)).convert("RGB"), (PICTURE_WIDTH, HEIGHT)
        )
        image.paste(photo, (WIDTH - PICTURE_WIDTH, 0))
        text_width = WIDTH - PICTURE_WIDTH
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, HEIGHT - 24, WIDTH, HEIGHT), fill=ACCENT)
    title_font = ImageFont.load_default(size=76 if not picture else 60)
    small_font = ImageFont.load_default(size=40 if not picture else 34)
    lines = textwrap.wrap(title, width=26 if not picture else 19)[:4]
    y = 90
    for line in lines:
        draw.text((80, y), line, font=title_font, fill="white")
        y += 96 if not picture else 78
    footer = f"{organisation} \u00b7 {site_name}" if organisation else site_name
    draw.text((80, HEIGHT - 130), textwrap.shorten(footer, width=text_width // 22),
              font=small_font, fill=ACCENT)  # fmt: skip
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
