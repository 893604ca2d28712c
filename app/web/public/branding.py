"""A campaign's picture and colour, served from this site (no third party sees a visitor)."""

from __future__ import annotations

from flask import Response, abort, url_for

from app.campaigns.branding import ACCENT
from app.campaigns.models import Campaign
from app.links import external_url
from app.web.public import bp, campaign_or_404

FOREVER = "public, max-age=31536000, immutable"  # each URL names one version


@bp.get("/c/<slug>/picture/<digest>.jpg")
def campaign_picture(slug: str, digest: str):
    campaign = campaign_or_404(slug)
    image = campaign.image
    if image is None or image.digest != digest:
        abort(404)
    return Response(image.data, mimetype="image/jpeg", headers={"Cache-Control": FOREVER})


@bp.get("/theme/<colour>.css")
def theme(colour: str):
    """The site's colours with a campaign's accent: a file, so the CSP stays strict."""
    if not ACCENT.fullmatch(f"#{colour}"):
        abort(404)
    css = f":root {{ --brand: #{colour.lower()}; }}\n"
    return Response(css, mimetype="text/css", headers={"Cache-Control": FOREVER})


@bp.app_template_global()
def picture_url(campaign: Campaign, external: bool = False) -> str | None:
    image = campaign.image
    if image is None:
        return None
    build = external_url if external else url_for  # absolute from SITE_URL, never the Host
    return build("public.campaign_picture", slug=campaign.slug, digest=image.digest)


@bp.app_template_global()
def theme_url(campaign: Campaign) -> str | None:
    colour = campaign.accent_colour
    return url_for("public.theme", colour=colour[1:].lower()) if colour else None
