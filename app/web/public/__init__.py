from flask import Blueprint, abort

from app.campaigns.finding import CampaignNotFound, get_public_campaign
from app.campaigns.models import Campaign

bp = Blueprint("public", __name__)


def campaign_or_404(slug: str) -> Campaign:
    """A live or closed campaign, in the reader's language; 404 for any other slug."""
    try:
        return get_public_campaign(slug)
    except CampaignNotFound:
        abort(404)


from app.web.public import (  # noqa: E402, F401 - registers the routes
    alerts,
    branding,
    health,
    momentum,
    pages,
    partners,
    replies,
    routes,
    sharing,
)
