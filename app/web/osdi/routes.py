"""The OSDI API's routes: parse, ask app/osdi/records.py, represent (hal.py)."""

from __future__ import annotations

from flask import abort, g, jsonify, request

from app.alerts.subscribers import record_consent, unsubscribe_by_id
from app.api_keys.models import Scope
from app.osdi import records
from app.osdi.filters import FilterError, parse
from app.osdi.paging import Page, PagingError
from app.osdi.records import NotAllowed
from app.osdi.writes import WriteError, signup_from, unsubscribes
from app.partners.registry import find_partner
from app.reports.partners import figures
from app.web.errors import osdi_error
from app.web.osdi import bp, hal


@bp.errorhandler(NotAllowed)
def _not_allowed(exc: NotAllowed):
    return osdi_error(403, "forbidden", f"This key may not use {exc}.")


@bp.errorhandler(FilterError)
@bp.errorhandler(PagingError)
@bp.errorhandler(WriteError)
def _bad_request(exc: ValueError):
    return osdi_error(400, "bad_request", str(exc))


def _query():
    return parse(request.args.get("filter")), Page.from_args(request.args)


def _found(record):
    if record is None:
        abort(404)
    return record


@bp.get("/")
def entry_point():
    return jsonify(hal.entry_point({scope.value for scope in g.holder.scopes}))


@bp.get("/people")
def people():
    conditions, page = _query()
    found = records.people(g.holder, conditions, page)
    return jsonify(hal.collection("osdi:people", "people", found, page, hal.person))


@bp.get("/people/<int:person_id>")
def person(person_id: int):
    return jsonify(hal.person(_found(records.person(g.holder, person_id))))


@bp.get("/people/<int:person_id>/taggings")
def person_taggings(person_id: int):
    _found(records.person(g.holder, person_id))
    page = Page.from_args(request.args)
    found = records.person_taggings(g.holder, person_id, page)
    return jsonify(hal.collection("osdi:taggings", "person_taggings", found, page, hal.tagging,
                                  person_id=person_id))  # fmt: skip


@bp.get("/advocacy_campaigns")
def advocacy_campaigns():
    conditions, page = _query()
    found = records.campaigns(conditions, page)
    counts = _outreach_counts([campaign.id for campaign in found.items])

    def represent(campaign):
        return hal.advocacy_campaign(
            campaign, None if counts is None else counts.get(campaign.id, 0)
        )

    return jsonify(hal.collection("osdi:advocacy_campaigns", "advocacy_campaigns", found, page,
                                  represent))  # fmt: skip


@bp.get("/advocacy_campaigns/<int:campaign_id>")
def advocacy_campaign(campaign_id: int):
    campaign = _found(records.campaign(campaign_id))
    counts = _outreach_counts([campaign.id])
    return jsonify(
        hal.advocacy_campaign(campaign, None if counts is None else counts.get(campaign.id, 0))
    )


def _outreach_counts(campaign_ids: list[int]) -> dict[int, int] | None:
    if Scope.READ_OUTREACHES not in g.holder.scopes:
        return None
    return records.outreach_counts(g.holder, campaign_ids)


@bp.get("/advocacy_campaigns/<int:campaign_id>/outreaches")
def campaign_outreaches(campaign_id: int):
    _found(records.campaign(campaign_id))
    conditions, page = _query()
    found = records.outreaches(g.holder, conditions, page, campaign_id)
    return jsonify(hal.collection("osdi:outreaches", "campaign_outreaches", found, page,
                                  hal.outreach, campaign_id=campaign_id))  # fmt: skip


@bp.get("/outreaches")
def outreaches():
    conditions, page = _query()
    found = records.outreaches(g.holder, conditions, page)
    return jsonify(hal.collection("osdi:outreaches", "outreaches", found, page, hal.outreach))


@bp.get("/outreaches/<outreach_id>")
def outreach(outreach_id: str):
    return jsonify(hal.outreach(_found(records.outreach(g.holder, outreach_id))))


def _people_allowed() -> bool:
    return Scope.READ_PEOPLE in g.holder.scopes and g.holder.partner_id is None


@bp.get("/figures")
def partner_figures():
    """Beyond OSDI: a partner's own figures (docs/osdi.md), for its key; the
    organisation's key names the partner (?partner=slug)."""
    if Scope.READ_OUTREACHES not in g.holder.scopes:
        raise NotAllowed(Scope.READ_OUTREACHES.value)
    partner_id = g.holder.partner_id
    if partner_id is None:
        partner = find_partner(request.args.get("partner"))
        if partner is None:
            raise WriteError("Name a partner: ?partner=its-slug.")
        partner_id = partner.id
    return jsonify(figures(partner_id).as_json())


@bp.get("/tags")
def tags():
    conditions, page = _query()
    found = records.tags(conditions, page)
    people = _people_allowed()
    return jsonify(hal.collection("osdi:tags", "tags", found, page,
                                  lambda campaign: hal.tag(campaign, people)))  # fmt: skip


@bp.get("/tags/<int:tag_id>")
def tag(tag_id: int):
    return jsonify(hal.tag(_found(records.campaign(tag_id)), _people_allowed()))


@bp.get("/tags/<int:tag_id>/taggings")
def tag_taggings(tag_id: int):
    _found(records.campaign(tag_id))
    page = Page.from_args(request.args)
    found = records.taggings(g.holder, tag_id, page)
    return jsonify(hal.collection("osdi:taggings", "tag_taggings", found, page, hal.tagging,
                                  tag_id=tag_id))  # fmt: skip


@bp.get("/tags/<int:tag_id>/taggings/<int:tagging_id>")
def tagging(tag_id: int, tagging_id: int):
    found = _found(records.tagging(g.holder, tagging_id))
    if found.campaign_id != tag_id:
        abort(404)
    return jsonify(hal.tagging(found))


def _writes_people() -> None:
    if Scope.WRITE_PEOPLE not in g.holder.scopes or g.holder.partner_id is not None:
        raise NotAllowed(Scope.WRITE_PEOPLE.value)


@bp.post("/people/person_signup")
def person_signup_helper():
    """The same answer whether or not the address was known (202: a
    confirmation email goes to it unless it is subscribed already)."""
    _writes_people()
    signup = signup_from(request.get_json(silent=True))
    campaign_id = None
    for slug in signup.campaign_slugs:
        campaign = records.campaign_by_slug(slug)
        if campaign is None:
            raise WriteError(f"add_tags names no campaign {slug!r}.")
        campaign_id = campaign_id or campaign.id
    record_consent(signup.email, source="api", postcode=signup.postcode, campaign_id=campaign_id)
    answer = jsonify({
        "status": "confirmation_sent",
        "description": "Unless the address is subscribed already, it has been sent a link to"
        " confirm; the person appears in osdi:people once they follow it.",
    })  # fmt: skip
    answer.status_code = 202
    return answer


@bp.put("/people/<int:person_id>")
def person_update(person_id: int):
    """The one change a CRM may make: the person unsubscribed there."""
    _writes_people()
    subscriber = _found(records.person(g.holder, person_id, Scope.WRITE_PEOPLE))
    unsubscribes(request.get_json(silent=True))
    unsubscribe_by_id(subscriber.id)
    return jsonify(hal.person(_found(records.person(g.holder, person_id, Scope.WRITE_PEOPLE))))
