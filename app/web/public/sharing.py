"""The sharing loop's links: share buttons out, share links in, the campaign group."""

from __future__ import annotations

from flask import abort, redirect, url_for

from app.sharing import tracking
from app.web import limits
from app.web.csrf import csrf
from app.web.public import bp


@bp.get("/share/<code>/<channel>")
def share_out(code: str, channel: str):
    """A share button: counted, then the platform's own share page."""
    target = tracking.record_share(code, channel)
    if target is None:
        abort(404)
    return redirect(target)


@bp.post("/share/<code>/copy")
@csrf.exempt  # a navigator.sendBeacon ping from the copy button; it only counts
def share_copied(code: str):
    tracking.record_share(code, "copy")
    return "", 204


@bp.get("/s/<code>/<channel>")
def shared(code: str, channel: str):
    """Someone followed a share link: counted, then the campaign, crediting the sharer."""
    visit = tracking.record_visit(code, channel, count=limits.counts_as_a_visit(code))
    if visit is None:
        return redirect(url_for("public.home"))
    campaign, ref = visit
    return redirect(url_for("public.campaign", slug=campaign.slug, ref=ref))


@bp.get("/share/<code>/group")
def share_group(code: str):
    """The campaign's group (e.g. a Facebook group): counted, then there."""
    target = tracking.record_group_click(code)
    if target is None:
        abort(404)
    return redirect(target)
