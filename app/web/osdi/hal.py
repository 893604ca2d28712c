"""Records as OSDI's HAL+JSON resources (docs/osdi.md).

Every resource has `identifiers` ("wtym:" and its id), `created_date`,
`modified_date`, `origin_system` and `_links`; a collection has the paging
fields, the items' links and the items embedded, as the specification's
examples do. Fields beyond the specification are few and documented:
a person's `consents` and a target's `name`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import request

from app.alerts.models import Consent, Subscriber, SubscriberStatus
from app.campaigns.models import Campaign
from app.db import iso_time
from app.letters.models import Letter
from app.links import external_url
from app.osdi import records
from app.osdi.paging import MAX_PER_PAGE, Page
from app.osdi.records import Slice

NAMESPACE = "wtym"
ORIGIN = "Write to your MP"
CURIES = [{"name": "osdi", "href": "https://opensupporter.github.io/osdi-docs/{rel}",
           "templated": True}]  # fmt: skip
EMAIL_STATUS = {
    SubscriberStatus.CONFIRMED: "subscribed",
    SubscriberStatus.UNSUBSCRIBED: "unsubscribed",
    SubscriberStatus.SUPPRESSED: "bouncing",
}


def href(endpoint: str, **values) -> dict:
    return {"href": external_url(f"osdi.{endpoint}", **values)}


def entry_point(scopes) -> dict:
    links = {
        "curies": CURIES,
        "self": {**href("entry_point"), "title": "This API entry point"},
        "osdi:advocacy_campaigns": {**href("advocacy_campaigns"), "title": "The campaigns"},
        "osdi:tags": {**href("tags"), "title": "The campaigns, as tags on people"},
        "docs": {"href": "https://opensupporter.github.io/osdi-docs/", "title": "OSDI"},
    }
    if "people:read" in scopes:
        links["osdi:people"] = {**href("people"), "title": "People who chose alerts"}
    if "outreaches:read" in scopes:
        links["osdi:outreaches"] = {**href("outreaches"), "title": "Letters written"}
    if "people:write" in scopes:
        signup = "Sign someone up (they confirm by email)"
        links["osdi:person_signup_helper"] = {**href("person_signup_helper"), "title": signup}
    return {
        "motd": "Letters to MPs, and the people who chose to hear about campaigns.",
        "max_pagesize": MAX_PER_PAGE,
        "vendor_name": ORIGIN,
        "product_name": ORIGIN,
        "osdi_version": "1.1.1",
        "namespace": NAMESPACE,
        "_links": links,
    }


def collection(name: str, endpoint: str, found: Slice, page: Page, represent, **values) -> dict:
    """A page of `name` ("osdi:people"...), with its paging links kept to the
    same filter and page size."""
    items = [represent(item) for item in found.items]
    total_pages = page.total_pages(found.total)
    kept = {key: request.args[key] for key in ("filter", "per_page") if key in request.args}

    def at(number: int) -> dict:
        query = urlencode({**kept, "page": number})
        return {"href": external_url(f"osdi.{endpoint}", **values) + f"?{query}"}

    links: dict = {"self": at(page.number)}
    if page.number < total_pages:
        links["next"] = at(page.number + 1)
    if page.number > 1:
        links["previous"] = at(min(page.number - 1, total_pages))
    links[name] = [item["_links"]["self"] for item in items]
    links["curies"] = CURIES
    return {
        "total_pages": total_pages,
        "per_page": page.per_page,
        "page": page.number,
        "total_records": found.total,
        "_links": links,
        "_embedded": {name: items},
    }


def person(subscriber: Subscriber) -> dict:
    constituency = subscriber.constituency
    custom = {}
    if constituency is not None:
        custom = {"constituency": constituency.name, "constituency_gss": constituency.gss_code}
    return {
        "identifiers": [f"{NAMESPACE}:person-{subscriber.id}"],
        "created_date": iso_time(subscriber.created_at),
        "modified_date": iso_time(records.person_modified(subscriber)),
        "origin_system": ORIGIN,
        "preferred_language": subscriber.language,
        "email_addresses": [
            {
                "primary": True,
                "address": subscriber.email,
                "address_type": "personal",
                "status": EMAIL_STATUS.get(subscriber.status, "unsubscribed"),
            }
        ],
        "custom_fields": custom,
        # Beyond the specification: what they agreed to, where, and when.
        "consents": [
            {
                "source": c.source,
                "campaign": c.campaign.slug if c.campaign else None,
                "wording": c.wording,
                "given_at": iso_time(c.given_at),
            }
            for c in subscriber.consents
        ],
        "_links": {
            "self": href("person", person_id=subscriber.id),
            "osdi:taggings": href("person_taggings", person_id=subscriber.id),
        },
    }


def advocacy_campaign(campaign: Campaign, outreaches: int | None) -> dict:
    found: dict[str, Any] = {
        "identifiers": [f"{NAMESPACE}:campaign-{campaign.id}"],
        "created_date": iso_time(campaign.created_at),
        "modified_date": iso_time(campaign.updated_at),
        "origin_system": ORIGIN,
        "name": campaign.slug,
        "title": campaign.title,
        "summary": campaign.summary,
        "description": campaign.summary,
        "targets": "Members of Parliament (House of Commons)",
        "type": "email",
        "browser_url": external_url("public.campaign", slug=campaign.slug),
        "_links": {"self": href("advocacy_campaign", campaign_id=campaign.id)},
    }
    if outreaches is not None:  # the key reads outreaches: as many as it may see
        found["total_outreaches"] = outreaches
        found["_links"]["osdi:outreaches"] = href("campaign_outreaches", campaign_id=campaign.id)
    return found


def _targets(letter: Letter) -> list[dict]:
    """Whom the letter went to: its MP (if written to), then each other
    recipient (app/targets/) with what became of its copy."""
    found = []
    if letter.to_mp:
        found.append({
            "title": "MP", "organization": "House of Commons", **_names(letter.mp.name),
            "constituency": letter.constituency.name,
            "constituency_gss": letter.constituency.gss_code,
        })  # fmt: skip
    if letter.recipient_count:
        found.extend(
            {"title": r.role, "organization": r.body, **_names(r.name), "status": str(r.status)}
            for r in letter.recipients
        )
    return found


def _names(name: str) -> dict:
    given, _, family = name.rpartition(" ")
    # "name" is beyond the specification, which has no whole name: splitting one is a guess.
    return {"given_name": given, "family_name": family, "name": name}


def outreach(letter: Letter) -> dict:
    """A letter: to whom, when, how it came; never its words or its writer."""
    referrer = {"source": str(letter.source)}
    if letter.partner is not None:
        referrer["referrer"] = letter.partner.slug
    return {
        "identifiers": [f"{NAMESPACE}:{letter.public_id}"],
        "created_date": iso_time(letter.created_at),
        "modified_date": iso_time(records.letter_modified(letter)),
        "origin_system": ORIGIN,
        "action_date": iso_time(letter.confirmed_at),
        "type": "postal mail" if letter.by_post else "email",
        "status": str(letter.status),  # beyond the specification: delivered or not
        "referrer_data": referrer,
        "targets": _targets(letter),
        "_links": {
            "self": href("outreach", outreach_id=letter.public_id),
            "osdi:advocacy_campaign": href("advocacy_campaign", campaign_id=letter.campaign_id),
        },
    }


def tag(campaign: Campaign, people: bool) -> dict:
    found: dict[str, Any] = {
        "identifiers": [f"{NAMESPACE}:tag-{campaign.id}"],
        "created_date": iso_time(campaign.created_at),
        "modified_date": iso_time(campaign.updated_at),
        "origin_system": ORIGIN,
        "name": campaign.slug,
        "description": f"Agreed to alerts about “{campaign.title}”",
        "_links": {"self": href("tag", tag_id=campaign.id)},
    }
    if people:
        found["_links"]["osdi:taggings"] = href("tag_taggings", tag_id=campaign.id)
    return found


def tagging(consent: Consent) -> dict:
    return {
        "identifiers": [f"{NAMESPACE}:tagging-{consent.id}"],
        "created_date": iso_time(consent.given_at),
        "modified_date": iso_time(consent.given_at),
        "origin_system": ORIGIN,
        "item_type": "osdi:person",
        "_links": {
            "self": href("tagging", tag_id=consent.campaign_id, tagging_id=consent.id),
            "osdi:tag": href("tag", tag_id=consent.campaign_id),
            "osdi:person": href("person", person_id=consent.subscriber_id),
        },
    }
