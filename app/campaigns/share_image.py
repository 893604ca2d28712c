"""The picture shown when a campaign link is shared (Open Graph / Twitter card).

Platforms want a 1200x630 PNG; we draw the campaign title on the site's
colours with Pillow's built-in scalable font, so nothing is fetched.
"""

from __future__ import annotations

import io
import textwrap
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630
BRAND = (11, 61, 145)
ACCENT = (255, 221, 0)


@lru_cache(maxsize=64)
def share_image_png(title: str, site_name: str) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), BRAND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, HEIGHT - 24, WIDTH, HEIGHT), fill=ACCENT)
    title_font = ImageFont.load_default(size=76)
    small_font = ImageFont.load_default(size=40)
    lines = textwrap.wrap(title, width=26)[:4]
    y = 90
    for line in lines:
        draw.text((80, y), line, font=title_font, fill="white")
        y += 96
    draw.text((80, HEIGHT - 130), site_name, font=small_font, fill=ACCENT)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
