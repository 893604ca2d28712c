"""The picture shown when a campaign link is shared (Open Graph / Twitter card).

Platforms want a 1200x630 PNG; we draw the campaign title on the campaign's
colour (or the site's) with Pillow's built-in scalable font, so nothing is
fetched, beside the campaign's picture when it has one.
"""

from __future__ import annotations

import io

from PIL import Image, ImageColor, ImageDraw, ImageFont, ImageOps

from app.campaigns.models import Campaign

WIDTH, HEIGHT = 1200, 630
BRAND = (11, 61, 145)
ACCENT = (255, 221, 0)
PICTURE_WIDTH = 480  # the campaign's picture, whole, on the card's right side
MARGIN = 80
ELLIPSIS = "\u2026"
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
    site's blue), who runs it, and the campaign's picture, whole, on the right."""
    background = ImageColor.getrgb(accent) if accent else BRAND
    image = Image.new("RGB", (WIDTH, HEIGHT), background)
    text_right = WIDTH - MARGIN
    if picture:
        photo = Image.open(io.BytesIO(picture)).convert("RGB")
        # Whole, not cropped: a wide picture is not cut at the card's edge.
        image.paste(ImageOps.pad(photo, (PICTURE_WIDTH, HEIGHT), color=background),
                    (WIDTH - PICTURE_WIDTH, 0))  # fmt: skip
        text_right = WIDTH - PICTURE_WIDTH - MARGIN // 2
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, HEIGHT - 24, WIDTH, HEIGHT), fill=ACCENT)
    title_font = ImageFont.load_default(size=76 if not picture else 60)
    small_font = ImageFont.load_default(size=40 if not picture else 34)
    width = text_right - MARGIN
    y = 90
    for line in lines_within(draw, title, title_font, width, most=4):
        draw.text((MARGIN, y), line, font=title_font, fill="white")
        y += 96 if not picture else 78
    footer = f"{organisation} \u00b7 {site_name}" if organisation else site_name
    draw.text((MARGIN, HEIGHT - 130), within(draw, footer, small_font, width),
              font=small_font, fill=ACCENT)  # fmt: skip
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def within(draw: ImageDraw.ImageDraw, text: str, font, width: float) -> str:
    """`text`, cut at a word and ended with an ellipsis if it is wider than `width`."""
    if draw.textlength(text, font=font) <= width:
        return text
    words = text.split()
    while words and draw.textlength(" ".join(words) + ELLIPSIS, font=font) > width:
        words.pop()
    return " ".join(words) + ELLIPSIS if words else ELLIPSIS


def lines_within(draw: ImageDraw.ImageDraw, text: str, font, width: float, most: int) -> list[str]:
    """`text` wrapped to lines no wider than `width`, at most `most` of them
    (the last ends with an ellipsis if the text goes on)."""
    lines: list[str] = []
    for word in text.split():
        trial = f"{lines[-1]} {word}" if lines else word
        if lines and draw.textlength(trial, font=font) <= width:
            lines[-1] = trial
        else:
            lines.append(within(draw, word, font, width))
    if len(lines) > most:
        lines = lines[:most]
        lines[-1] = within(draw, lines[-1] + ELLIPSIS, font, width)
    return lines
