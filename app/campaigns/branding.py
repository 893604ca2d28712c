"""A campaign's branding: the organisation behind it, an accent colour and a picture.

The accent colour fills the header bar and the widget's buttons, both with
white text, so it must give white text WCAG's 4.5:1. The picture is
uploaded in the dashboard, checked and resized with Pillow (the library the
share image already uses), stored in the database so every app host serves
the same bytes, and served from this site under a name that changes with it.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from app.campaigns.models import Campaign, CampaignImage
from app.db import write_transaction

ACCENT = re.compile(r"#[0-9a-fA-F]{6}")
MIN_CONTRAST = 4.5  # white text on the accent, as WCAG AA asks of body text
MAX_SIDE = 1200  # pixels: a share card is 1200 wide
MAX_PIXELS = 25_000_000  # refuse larger pictures before decoding them (decompression bombs)
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")  # the only parsers Pillow may try on an upload
UPLOAD_BYTES = 8 * 1024 * 1024  # the upload's own limit (the site's is far smaller)
JPEG_QUALITY = 85


class ImageRefused(Exception):
    """The upload is not a picture this site will show; the message says why."""


def luminance(colour: str) -> float:
    """WCAG 2's relative luminance of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def accent_problem(colour: str) -> str | None:
    """Why this accent colour cannot be used, or None (an empty one means the site's own)."""
    if not colour:
        return None
    if not ACCENT.fullmatch(colour):
        return "Enter a colour as # and six hexadecimal digits, like #0b3d91."
    ratio = contrast(colour, "#ffffff")
    if ratio < MIN_CONTRAST:
        return (
            f"White text on {colour} has a contrast of {ratio:.1f}:1; it needs at least "
            f"{MIN_CONTRAST}:1. Choose a darker colour."
        )
    return None


@dataclass(frozen=True)
class Picture:
    data: bytes  # JPEG
    width: int
    height: int


def resized(upload: bytes) -> Picture:
    """The upload as a JPEG at most MAX_SIDE on its longer side, turned the
    way its camera meant. Raises ImageRefused."""
    if len(upload) > UPLOAD_BYTES:
        raise ImageRefused("The picture must be smaller than 8 MB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(upload), formats=FORMATS)
            if image.width * image.height > MAX_PIXELS:
                raise ImageRefused("The picture has too many pixels; use one under 25 megapixels.")
            if image.format == "JPEG":
                image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode at a reduced scale: less memory
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRefused("The picture has too many pixels; use one under 25 megapixels.") from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ImageRefused("Upload a JPEG, PNG, WebP or GIF picture.") from exc
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P"):
        # Transparent parts on white, as the page shows them.
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        image = background
    image = image.convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return Picture(out.getvalue(), image.width, image.height)


def set_image(campaign_id: int, picture: Picture) -> None:
    """Store the campaign's picture (from `resized`), replacing any before."""
    digest = hashlib.sha256(picture.data).hexdigest()[:16]
    with write_transaction() as session:
        image = session.get(CampaignImage, campaign_id)
        if image is None:
            image = CampaignImage(campaign_id=campaign_id)
            session.add(image)
        image.data, image.width, image.height = picture.data, picture.width, picture.height
        image.digest = digest


def remove_image(campaign_id: int) -> None:
    with write_transaction() as session:
        image = session.get(CampaignImage, campaign_id)
        if image is not None:
            session.delete(image)


def public_branding(campaign: Campaign, image_url: str | None) -> dict:
    """What the JSON API and the widget may show of the campaign's branding."""
    return {
        "organisation_name": campaign.organisation_name,
        "organisation_url": campaign.organisation_url,
        "accent_colour": campaign.accent_colour,
        "image_url": image_url,
        "image_alt": campaign.image_alt if image_url else "",
    }
