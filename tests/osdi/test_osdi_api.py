"""The OSDI API, driven as a CRM drives it, and checked against the
specification's own examples (tests/osdi/spec_examples, with their notice)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.alerts.models import Consent, Subscriber, SubscriberStatus
from app.api_keys.keys import issue, revoke, rotate
from app.api_keys.models import ApiKey, Scope
from app.db import utcnow
from app.extensions import db
from app.letters.models import Attribution, Letter, Source
from app.letters.submission import confirm_letter, confirmation_token, submit_letter
from app.outbox.models import EmailKind, OutboxEmail
from app.partners.registry import save_partner, set_active
from app.targets.placing import offer_for
from app.tokens import erased_key
from tests.builders.letters import (
    LETTER,
    NO_MODERATION,
    confirmed_letter,
    demo_campaign,
    draft,
    submit,
)
from tests.builders.osdi import collection_problems, example, problems, resource_problems
from tests.builders.targets import targeted_campaign

API = "/api/osdi/v1"
EVERYTHING = [Scope.READ_PEOPLE, Scope.READ_OUTREACHES, Scope.WRITE_PEOPLE]


@pytest.fixture
def osdi_app(make_app):
    app = make_app(**NO_MODERATION)
    with app.app_context():
        yield app


def key_for(*scopes, partner_slug=None) -> str:
    return issue("Test CRM", list(scopes) or EVERYTHING, partner_slug=partner_slug).key


def get(client, path, key, **kwargs):
    return client.get(path if path.startswith(API) else API + path,
                      headers={"OSDI-API-Token": key}, **kwargs)  # fmt: skip


def local(url: str) -> str:
    return url.removeprefix("http://localhost")


def many_people(count: int) -> list[int]:
    """Confirmed subscribers, each with a consent in the demo campaign (clearly fictional)."""
    campaign = demo_campaign()
    now = utcnow() - timedelta(hours=1)
    people = [
        Subscriber(email=f"reader{n}@example.com", status=SubscriberStatus.CONFIRMED,
                   created_at=now, confirmed_at=now, language="en")
        for n in range(count)
    ]  # fmt: skip
    db.session.add_all(people)
    db.session.flush()
    db.session.add_all(
        Consent(
            subscriber_id=p.id, campaign_id=campaign.id, source="site", wording="Alerts, please."
        )
        for p in people
    )
    db.session.commit()
    return [p.id for p in people]


def test_a_crm_pages_through_a_thousand_people_and_then_what_changed(osdi_app):
    client = osdi_app.test_client()
    key = key_for(Scope.READ_PEOPLE)
    ids = many_people(1000)
    # Not exported: someone who never confirmed, and someone erased.
    db.session.add(Subscriber(email="pending@example.com", status=SubscriberStatus.PENDING))
    db.session.add(Subscriber(email=erased_key("gone@example.com"), confirmed_at=utcnow(),
                              status=SubscriberStatus.UNSUBSCRIBED))  # fmt: skip
    db.session.commit()

    seen, url, pages = [], "/people?per_page=100", 0
    while url:
        answer = get(client, url, key)
        assert answer.status_code == 200
        assert answer.mimetype == "application/hal+json"
        assert answer.headers["Cache-Control"] == "private, no-store"
        body = answer.get_json()
        assert collection_problems(body, "people_collection", "person", "osdi:people") == []
        assert body["total_records"] == 1000
        assert body["total_pages"] == 10
        seen += [person["identifiers"][0] for person in body["_embedded"]["osdi:people"]]
        pages += 1
        url = local(body["_links"]["next"]["href"]) if "next" in body["_links"] else None
    assert pages == 10
    assert seen == [f"wtym:person-{n}" for n in ids]

    # Later: three people unsubscribe; the CRM asks what changed since its sync.
    synced = utcnow()
    later = synced + timedelta(minutes=5)
    db.session.execute(
        update(Subscriber).where(Subscriber.id.in_(ids[10:13]))
        .values(status=SubscriberStatus.UNSUBSCRIBED, unsubscribed_at=later)
    )  # fmt: skip
    db.session.commit()
    since = synced.replace(microsecond=0).isoformat() + "Z"
    changed = get(client, "/people", key, query_string={"filter": f"modified_date gt '{since}'"})
    body = changed.get_json()
    assert body["total_records"] == 3
    people = body["_embedded"]["osdi:people"]
    assert [p["identifiers"][0] for p in people] == [f"wtym:person-{n}" for n in ids[10:13]]
    assert {p["email_addresses"][0]["status"] for p in people} == {"unsubscribed"}
    assert "filter=" in body["_links"]["self"]["href"]  # the links keep the filter
    before = get(client, "/people", key,
                 query_string={"filter": f"modified_date le '{since}' and created_date ge '2020-01-01'"})  # fmt: skip
    assert before.get_json()["total_records"] == 997


def test_every_resource_matches_the_specifications_examples(osdi_app):
    client = osdi_app.test_client()
    key = key_for()
    person_id = many_people(1)[0]
    db.session.execute(
        update(Subscriber).where(Subscriber.id == person_id).values(constituency_id=1)
    )
    db.session.commit()
    letter = confirmed_letter()
    campaign_id = letter.campaign_id

    entry = get(client, "/", key).get_json()
    assert problems(entry, example("aep")) == []
    assert set(entry["_links"]) >= {"self", "osdi:people", "osdi:advocacy_campaigns",
                                    "osdi:outreaches", "osdi:tags", "osdi:person_signup_helper"}  # fmt: skip
    person = get(client, f"/people/{person_id}", key).get_json()
    assert resource_problems(person, "person") == []
    assert person["custom_fields"]["constituency_gss"]
    campaigns = get(client, "/advocacy_campaigns", key).get_json()
    assert collection_problems(campaigns, "advocacy_campaigns_collection", "advocacy_campaign",
                               "osdi:advocacy_campaigns") == []  # fmt: skip
    campaign = get(client, f"/advocacy_campaigns/{campaign_id}", key).get_json()
    assert resource_problems(campaign, "advocacy_campaign") == []
    assert campaign["total_outreaches"] == 1
    outreaches = get(client, local(campaign["_links"]["osdi:outreaches"]["href"]), key).get_json()
    assert collection_problems(outreaches, "outreaches_collection", "outreach",
                               "osdi:outreaches") == []  # fmt: skip
    outreach = get(client, f"/outreaches/{letter.public_id}", key).get_json()
    assert resource_problems(outreach, "outreach") == []
    assert outreach["targets"][0]["family_name"] == letter.mp.name.split()[-1]
    tags = get(client, "/tags", key).get_json()
    assert collection_problems(tags, "tags_collection", "tag", "osdi:tags") == []
    tag = get(client, f"/tags/{campaign_id}", key).get_json()
    assert resource_problems(tag, "tag") == []
    taggings = get(client, local(tag["_links"]["osdi:taggings"]["href"]), key).get_json()
    assert collection_problems(taggings, "taggings_collection", "tagging", "osdi:taggings") == []
    [one] = taggings["_embedded"]["osdi:taggings"]
    assert local(one["_links"]["osdi:person"]["href"]) == f"{API}/people/{person_id}"
    assert get(client, local(one["_links"]["self"]["href"]), key).status_code == 200
    mine = get(client, local(person["_links"]["osdi:taggings"]["href"]), key).get_json()
    assert mine["total_records"] == 1


def test_the_checker_finds_a_field_of_the_wrong_type(osdi_app):
    """The conformance check can fail: a date as a number, an unknown field, a bad link."""
    broken = {"identifiers": ["wtym:1"], "created_date": 5, "modified_date": "2026-12-07T00:00:00Z",
              "surname": "x", "_links": {"self": {"url": "/"}, "friends": {"href": "/"}}}  # fmt: skip
    found = resource_problems(broken, "person")
    assert "$.created_date: number where the example has string" in found
    assert "$.surname: not in the specification's example" in found
    assert "$._links.self: a link without an href" in found
    assert "$._links.friends: not an IANA or osdi: relation" in found


def test_an_outreach_never_carries_the_letter_or_its_writer(osdi_app):
    client = osdi_app.test_client()
    key = key_for(Scope.READ_OUTREACHES)
    confirmed_letter()
    submit(email="sam@example.com", name="Sam Jones")  # not confirmed: no outreach
    answer = get(client, "/outreaches", key)
    body = answer.get_data(as_text=True)
    assert answer.get_json()["total_records"] == 1
    for personal in (LETTER["name"], LETTER["email"], LETTER["address1"], LETTER["postcode"],
                     LETTER["subject"], "small business", "Sam Jones"):  # fmt: skip
        assert personal not in body


def test_a_partners_key_sees_its_own_letters_and_no_people(osdi_app):
    client = osdi_app.test_client()
    partner = save_partner("gazette", name="The Test Gazette", origins=["https://g.example"])
    with pytest.raises(ValueError, match="letters only"):
        issue("Gazette CRM", [Scope.READ_PEOPLE], partner_slug="gazette")
    key = key_for(Scope.READ_OUTREACHES, partner_slug="gazette")
    ours = confirmed_letter(attribution=Attribution(source=Source.WIDGET, partner_id=partner.id))
    other = confirmed_letter(email="sam@example.com", name="Sam Jones")
    many_people(2)

    body = get(client, "/outreaches", key).get_json()
    assert [o["identifiers"][0] for o in body["_embedded"]["osdi:outreaches"]] == [
        f"wtym:{ours.public_id}"]  # fmt: skip
    assert body["_embedded"]["osdi:outreaches"][0]["referrer_data"]["referrer"] == "gazette"
    assert get(client, f"/outreaches/{other.public_id}", key).status_code == 404
    assert get(client, f"/advocacy_campaigns/{ours.campaign_id}", key).get_json()[
        "total_outreaches"] == 1  # fmt: skip
    refused = get(client, "/people", key)
    assert refused.status_code == 403
    assert refused.get_json()["osdi:error"]["response_code"] == 403
    assert "osdi:people" not in get(client, "/", key).get_json()["_links"]
    assert "osdi:taggings" not in get(client, f"/tags/{ours.campaign_id}", key).get_json()["_links"]
    set_active("gazette", False)
    assert get(client, "/outreaches", key).status_code == 401  # its keys stop with it


def test_keys_are_checked_rotated_revoked_and_never_logged(osdi_app, caplog):
    caplog.set_level(logging.DEBUG)
    client = osdi_app.test_client()
    issued = issue("Test CRM", [Scope.READ_OUTREACHES])
    stored = db.session.get(ApiKey, issued.key_id)
    assert issued.key not in (stored.digest, stored.prefix)
    assert stored.prefix == issued.key[:12]

    assert client.get(API + "/").status_code == 401
    assert get(client, "/", "wtym_not-a-key").status_code == 401
    bearer = client.get(API + "/", headers={"Authorization": f"Bearer {issued.key}"})
    assert bearer.status_code == 200
    refused = client.get(API + "/")
    assert refused.headers["WWW-Authenticate"] == 'Bearer realm="osdi"'
    assert refused.get_json()["osdi:error"]["resource_status"][0]["response_code"] == 401
    assert client.get(API + "/?osdi-api-token=" + issued.key).status_code == 401  # never in a URL

    renewed = rotate(issued.key_id)
    assert get(client, "/", issued.key).status_code == 200  # the old one, for a day more
    with pytest.raises(ValueError, match="replace the key that replaced it"):
        rotate(issued.key_id)  # which would give it another day
    assert get(client, "/", renewed.key).status_code == 200
    db.session.execute(update(ApiKey).where(ApiKey.id == issued.key_id)
                       .values(expires_at=utcnow() - timedelta(seconds=1)))  # fmt: skip
    db.session.commit()
    assert get(client, "/", issued.key).status_code == 401
    revoke(renewed.key_id)
    assert get(client, "/", renewed.key).status_code == 401
    assert issued.key not in caplog.text
    assert renewed.key not in caplog.text
    assert db.session.get(ApiKey, renewed.key_id).last_used_at is not None


def test_a_key_spends_its_own_allowance(make_app):
    app = make_app(RATELIMIT_OSDI="3/minute", RATELIMIT_OSDI_REFUSED="2/hour")
    with app.app_context():
        client = app.test_client()
        key = key_for(Scope.READ_OUTREACHES)
        other = key_for(Scope.READ_OUTREACHES)
        assert [get(client, "/", key).status_code for _ in range(4)] == [200, 200, 200, 429]
        limited = get(client, "/", key)
        assert limited.get_json()["osdi:error"]["response_code"] == 429
        assert int(limited.headers["Retry-After"]) > 0
        assert get(client, "/", other).status_code == 200  # its own allowance
        assert [get(client, "/", "wtym_guess").status_code for _ in range(3)] == [401, 401, 429]


def test_bad_queries_get_a_clear_error(osdi_app):
    client = osdi_app.test_client()
    key = key_for(Scope.READ_PEOPLE)
    for query, words in [
        ({"filter": "modified_date gt 2026"}, "quoted date"),
        ({"filter": "email_address eq 'jane@example.com'"}, "Only modified_date and created_date"),
        ({"filter": "modified_date like '2026-01-01'"}, "The operators are"),
        ({"filter": "modified_date gt 'yesterday'"}, "not an ISO 8601"),
        ({"page": "0"}, "page is from 1 to 1,000,000"),
        ({"page": str(10**20)}, "page is from 1 to 1,000,000"),
        ({"filter": "modified_date gt '0001-01-01T00:00:00+01:00'"}, "not an ISO 8601"),
        ({"per_page": "1000"}, "per_page is from 1 to 100"),
        ({"page": "two"}, "whole numbers"),
    ]:
        answer = get(client, "/people", key, query_string=query)
        assert answer.status_code == 400, query
        error = answer.get_json()["osdi:error"]["resource_status"][0]["error_descriptions"][0]
        assert words in error["description"], query
    assert get(client, "/people/999", key).status_code == 404
    assert get(client, f"/people/{10**20}", key).status_code == 404
    assert get(client, "/outreaches/nope", key).status_code == 403  # no outreaches scope


def test_a_crm_signs_someone_up_who_must_still_confirm(osdi_app):
    client = osdi_app.test_client()
    key = key_for(Scope.READ_PEOPLE, Scope.WRITE_PEOPLE)
    body = {"person": {"email_addresses": [{"address": "New.Reader@example.com"}],
                       "postal_addresses": [{"postal_code": "TE1 1AA"}]},
            "add_tags": ["mp-expenses"]}  # fmt: skip
    first = client.post(f"{API}/people/person_signup", json=body,
                        headers={"OSDI-API-Token": key})  # fmt: skip
    assert first.status_code == 202
    again = client.post(f"{API}/people/person_signup", json=body,
                        headers={"OSDI-API-Token": key})  # fmt: skip
    assert again.get_json() == first.get_json()  # the same answer for a known address
    subscriber = db.session.scalar(select(Subscriber))
    assert subscriber.status == SubscriberStatus.PENDING
    assert db.session.scalar(select(Consent.source)) == "api"
    kinds = db.session.scalars(select(OutboxEmail.kind)).all()
    assert EmailKind.SUBSCRIBE_CONFIRM in kinds
    assert get(client, "/people", key).get_json()["total_records"] == 0

    for bad in ({"person": {}}, {"person": {"email_addresses": [{"address": "nope"}]}},
                {**body, "add_tags": ["no-such-campaign"]}, ["a list"]):  # fmt: skip
        refused = client.post(f"{API}/people/person_signup", json=bad,
                              headers={"OSDI-API-Token": key})  # fmt: skip
        assert refused.status_code == 400, bad
    reader_only = key_for(Scope.READ_PEOPLE)
    assert client.post(f"{API}/people/person_signup", json=body,
                       headers={"OSDI-API-Token": reader_only}).status_code == 403  # fmt: skip


def test_a_crm_tells_us_someone_unsubscribed(osdi_app):
    client = osdi_app.test_client()
    key = key_for(Scope.READ_PEOPLE, Scope.WRITE_PEOPLE)
    [person_id] = many_people(1)
    headers = {"OSDI-API-Token": key}
    wrong = client.put(f"{API}/people/{person_id}", json={"given_name": "x"}, headers=headers)
    assert wrong.status_code == 400
    odd = client.put(f"{API}/people/{person_id}",
                     json={"email_addresses": [{"status": ["unsubscribed"]}]}, headers=headers)  # fmt: skip
    assert odd.status_code == 400
    # Writing is enough to record an unsubscribe: reading people is another scope.
    writer = key_for(Scope.WRITE_PEOPLE)
    headers = {"OSDI-API-Token": writer}
    done = client.put(f"{API}/people/{person_id}",
                      json={"email_addresses": [{"status": "unsubscribed"}]}, headers=headers)  # fmt: skip
    assert done.status_code == 200
    assert done.get_json()["email_addresses"][0]["status"] == "unsubscribed"
    assert db.session.get(Subscriber, person_id).status == SubscriberStatus.UNSUBSCRIBED


def test_an_outreach_names_each_recipient_and_the_mp_only_if_written_to(osdi_app):
    campaign = targeted_campaign(demo_campaign())
    quill = next(t for t in offer_for(campaign.id, "TE1 1AA", "E14001063").targets
                 if t.ref == "quill")  # fmt: skip
    for to_mp, email in ((True, "one@example.com"), (False, "two@example.com")):
        letter_id = submit_letter(campaign=campaign, draft=draft(email=email),
                                  attribution=Attribution(), submission_key=email * 2,
                                  to_mp=to_mp, target_ids=[quill.id])  # fmt: skip
        confirm_letter(confirmation_token(db.session.get(Letter, letter_id)))
    client, key = osdi_app.test_client(), key_for(Scope.READ_OUTREACHES)
    listed = get(client, "/outreaches", key).get_json()
    assert collection_problems(listed, "outreaches_collection", "outreach",
                               "osdi:outreaches") == []  # fmt: skip
    targets = [[(t["organization"], t["name"]) for t in o["targets"]]
               for o in listed["_embedded"]["osdi:outreaches"]]  # fmt: skip
    assert targets == [
        [("House of Commons", "Alice Able"), ("Testington District Council", "Pat Quill")],
        [("Testington District Council", "Pat Quill")],
    ]
    councillor = listed["_embedded"]["osdi:outreaches"][1]["targets"][0]
    assert (councillor["title"], councillor["family_name"], councillor["status"]) == (
        "Councillor for Testington East", "Quill", "queued")  # fmt: skip
