"""The microsite, page by page, through Flask's test client (no JavaScript needed)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.alerts.models import Consent, Subscriber, SubscriberStatus
from app.extensions import db
from app.letters.models import Letter, LetterStatus
from app.letters.submission import confirmation_token
from app.web.abuse import issue_form_ticket
from tests.builders.letters import LETTER, submit

WRITE = "/c/mp-expenses/write"


def page(response) -> str:
    return response.get_data(as_text=True)


def letter_form(**changes) -> dict:
    return {**LETTER, "form_ticket": issue_form_ticket(), "website": "", **changes}


def letters_stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Letter))


def test_home_lists_the_live_campaign(client):
    assert "Publish MPs&#39; expenses in full" in page(client.get("/"))


def test_campaign_page_has_intro_postcode_form_and_social_tags(client):
    html = page(client.get("/c/mp-expenses"))
    assert '<label class="label" for="postcode">Your postcode</label>' in html
    assert "<strong>Write to your MP in your own words</strong>" in html  # Markdown rendered
    assert 'property="og:title" content="Publish MPs&#39; expenses in full"' in html
    assert 'name="twitter:card" content="summary_large_image"' in html


def test_an_unknown_campaign_is_404(client):
    assert client.get("/c/nope").status_code == 404


def test_a_postcode_leads_to_the_mp_and_a_prefilled_letter(client):
    response = client.get(WRITE, query_string={"postcode": "te1 1aa"})
    html = page(response)
    assert response.status_code == 200
    assert "Alice Able" in html
    assert "MP for Testington North" in html
    assert "As your constituent in Testington North" in html  # template filled
    assert 'name="form_ticket"' in html


@pytest.mark.parametrize(
    ("postcode", "status", "text"),
    [
        ("rubbish", 400, "Please enter a full UK postcode"),
        ("TE5 5XX", 404, "We can&#39;t find the postcode TE5 5XX"),
        ("JE2 4WF", 404, "Jersey does not elect an MP"),
        ("BFPO 57", 404, "BFPO addresses do not belong to a constituency"),
    ],
)
def test_postcode_problems_are_explained_on_the_page(client, postcode, status, text):
    response = client.get(WRITE, query_string={"postcode": postcode})
    assert response.status_code == status
    assert text in page(response)


def test_an_invalid_postcode_error_is_tied_to_its_field(client):
    html = page(client.get(WRITE, query_string={"postcode": "rubbish"}))
    assert 'class="error-summary" role="alert"' in html
    assert '<a href="#postcode">' in html
    assert 'aria-describedby="postcode-hint postcode-error"' in html
    assert 'aria-invalid="true"' in html
    assert 'value="rubbish"' in html  # what they typed is kept


def test_northern_ireland_shows_a_choice_of_ni_constituencies(client):
    html = page(client.get(WRITE, query_string={"postcode": "BT7 1NN"}))
    assert "choose yours from the list" in html
    assert html.count('type="radio"') == 2
    assert "Belfast Test" in html
    assert "Derry Test" in html
    assert "Testington" not in html
    chosen = client.get(WRITE, query_string={"postcode": "BT7 1NN", "constituency": "N05000002"})
    assert "Fergal Og" in page(chosen)
    assert 'name="constituency" type="hidden" value="N05000002"' in page(chosen)


@pytest.mark.parametrize("chosen", [None, "", "E14000001"])  # none, empty, not offered
def test_continuing_without_a_choice_says_so_on_the_page(client, chosen):
    query = {"postcode": "BT7 1NN", "choosing": "1"}
    if chosen is not None:
        query["constituency"] = chosen
    response = client.get(WRITE, query_string=query)
    assert response.status_code == 400
    html = page(response)
    assert "<title>Error: Choose your constituency" in html
    assert 'class="error-summary" role="alert"' in html
    assert '<a href="#c-N05000001">Choose your constituency</a>' in html
    assert 'aria-describedby="constituency-error"' in html
    assert "required" not in html.split("<main", 1)[1]  # no browser bubble: the page says it
    # Arriving from the postcode box is not an error.
    first = client.get(WRITE, query_string={"postcode": "BT7 1NN"})
    assert first.status_code == 200
    assert "error-summary" not in first.get_data(as_text=True)


def test_an_unplaced_postcode_offers_every_gb_constituency(client):
    html = page(client.get(WRITE, query_string={"postcode": "TE9 9ZZ"}))
    assert "isn&#39;t tied to one constituency" in html
    assert "Cwm Test" in html
    assert "Belfast Test" not in html


def test_a_vacant_seat_shows_another_way(client):
    html = page(client.get(WRITE, query_string={"postcode": "VA1 1AA"}))
    assert "The seat for Vacantshire is vacant" in html
    assert 'name="body"' not in html  # no letter form: there is no one to write to
    assert "parliament.uk" in html


def test_preview_shows_the_letter_as_the_mp_will_see_it(client):
    response = client.post(WRITE, data=letter_form(action="preview"))
    html = page(response)
    assert response.status_code == 200
    assert "Check your letter" in html
    assert "This is what Alice Able will receive" in html
    assert "I run a small business" in html
    assert 'value="send"' in html
    assert letters_stored() == 0  # a preview stores nothing


def test_form_errors_keep_everything_typed_and_name_each_field(client):
    response = client.post(WRITE, data=letter_form(name="", email="not-an-email", action="preview"))
    html = page(response)
    assert response.status_code == 422
    assert '<a href="#name">Enter your full name.</a>' in html
    assert '<a href="#email">Enter an email address like name@example.com.</a>' in html
    assert 'id="email-error"' in html
    assert "I run a small business" in html  # the letter is still there
    assert 'value="1 High Street"' in html


def test_an_untouched_template_is_refused_on_the_page(client):
    html = page(client.get(WRITE, query_string={"postcode": "TE1 1AA"}))
    body = re.search(r'<textarea[^>]*name="body"[^>]*>\s*(.*?)</textarea>', html, re.S).group(1)
    import html as html_lib

    response = client.post(WRITE, data=letter_form(body=html_lib.unescape(body), action="preview"))
    assert response.status_code == 422
    assert "in your own words" in page(response)


def test_a_message_longer_than_20000_characters_is_refused_and_kept(client):
    long_body = LETTER["body"] + " x" * 10_000
    response = client.post(WRITE, data=letter_form(body=long_body, action="preview"))
    assert response.status_code == 422
    assert "between 20 and 20,000 characters" in page(response)
    assert letters_stored() == 0


def test_a_huge_request_gets_a_clear_error(client):
    response = client.post(WRITE, data=letter_form(body="x" * 400_000, action="send"))
    assert response.status_code == 413
    assert "too much text" in page(response)


def test_the_postcode_must_be_the_mps(client):
    response = client.post(WRITE, data=letter_form(constituency="E14001064", action="preview"))
    assert response.status_code == 422
    assert "TE1 1AA is in Testington North" in page(response)


def test_sending_stores_one_pending_message_and_says_check_your_email(client):
    response = client.post(WRITE, data=letter_form(action="send"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/c/mp-expenses/check-email")
    letter = db.session.scalars(select(Letter)).one()
    assert letter.status == LetterStatus.PENDING
    assert "Check your email" in page(client.get(response.headers["Location"]))


def test_a_double_submit_stores_one_message(client):
    form = letter_form(action="send")
    first = client.post(WRITE, data=form)
    second = client.post(WRITE, data=form)
    assert first.status_code == second.status_code == 303
    assert letters_stored() == 1


def test_writing_twice_in_a_campaign_answers_as_the_first_time(client):
    first = client.post(WRITE, data=letter_form(action="send"))
    second = client.post(WRITE, data=letter_form(action="send"))
    assert first.status_code == second.status_code == 303  # no oracle (tests/faults/...)
    assert first.headers["Location"] == second.headers["Location"]
    assert letters_stored() == 1


def test_the_honeypot_gets_a_success_shaped_answer_and_stores_nothing(client):
    response = client.post(WRITE, data=letter_form(action="send", website="http://spam.example"))
    assert response.status_code == 303  # indistinguishable from a real send
    assert response.headers["Location"].endswith("/check-email")
    assert letters_stored() == 0


def test_a_form_sent_faster_than_expected_asks_again_and_keeps_everything(make_app, caplog):
    """A person with autofill and a pasted letter can be that fast: they are
    told, nothing typed is lost, and the next press (a fresh ticket, once it
    is old enough) sends the letter. The refusal is logged without the letter."""
    app = make_app(MIN_FILL_SECONDS=30)
    with app.app_context():
        client = app.test_client()
        caplog.set_level("INFO", logger="app.web.abuse")
        response = client.post(WRITE, data=letter_form(action="send"))
        assert response.status_code == 200
        html = page(response)
        assert "That was quicker than we expected" in html
        assert "I run a small business" in html  # the letter, to send again
        assert 'value="send"' in html
        assert letters_stored() == 0
        assert "held back: sent" in caplog.text
        assert LETTER["email"] not in caplog.text
        fresh_ticket = re.search(r'name="form_ticket" value="([^"]+)"', html).group(1)
        app.config["MIN_FILL_SECONDS"] = 0  # the person reads, then presses again
        again = client.post(WRITE, data=letter_form(action="send", form_ticket=fresh_ticket))
        assert again.status_code == 303
        assert letters_stored() == 1


def test_a_forged_form_ticket_is_refused_without_losing_the_letter(client):
    response = client.post(WRITE, data=letter_form(action="send", form_ticket="forged"))
    assert response.status_code == 422
    html = page(response)
    assert "open for a long time" in html
    assert "I run a small business" in html
    assert letters_stored() == 0


def test_a_closed_campaign_takes_no_letters(client):
    from tests.builders.letters import demo_campaign

    demo_campaign().status = "closed"
    db.session.commit()
    assert "This campaign has closed" in page(client.get("/c/mp-expenses"))
    response = client.post(WRITE, data=letter_form(action="send"))
    assert "has closed" in page(response)
    assert letters_stored() == 0


def test_a_draft_campaign_is_not_public(client):
    from tests.builders.letters import demo_campaign

    demo_campaign().status = "draft"
    db.session.commit()
    assert client.get("/c/mp-expenses").status_code == 404


def test_the_confirm_link_shows_a_page_whose_button_sends(client):
    letter = submit()
    token = confirmation_token(letter)
    response = client.get(f"/confirm/{token}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert 'method="post"' in page(response)
    db.session.refresh(letter)
    assert letter.status == LetterStatus.PENDING  # following the link sent nothing
    response = client.post(f"/confirm/{token}")
    assert response.status_code == 303
    db.session.commit()
    db.session.refresh(letter)
    assert letter.status == LetterStatus.QUEUED


def test_confirming_twice_shows_the_share_page_again(client):
    token = confirmation_token(submit())
    client.post(f"/confirm/{token}")
    again = client.post(f"/confirm/{token}", follow_redirects=True)
    assert again.status_code == 200
    assert "Thank you, Jane Smith" in page(again)
    assert client.get(f"/confirm/{token}").status_code == 302  # straight to the share page


def test_tampered_and_expired_links_get_clear_pages(client):
    from freezegun import freeze_time

    response = client.get("/confirm/abc.def.ghi")
    assert response.status_code == 404
    assert "This link doesn" in page(response)
    with freeze_time("2026-01-01"):
        token = confirmation_token(submit())
    with freeze_time("2026-01-09"):
        response = client.get(f"/confirm/{token}")
        assert response.status_code == 410
        assert "This link has expired" in page(response)
        assert client.post(f"/confirm/{token}").status_code == 410


def test_the_share_page_has_share_links_without_third_party_scripts(client):
    letter = submit()
    token = confirmation_token(letter)
    html = page(client.post(f"/confirm/{token}", follow_redirects=True))
    code = letter.share_code
    for channel in ("facebook", "x", "whatsapp", "bluesky", "email"):
        assert f'href="http://localhost/share/{code}/{channel}"' in html
    assert f'value="http://localhost/s/{code}/copy"' in html  # their own link to copy
    assert f'href="/share/{code}/group"' in html
    scripts = re.findall(r"<script[^>]*src=\"([^\"]+)\"", html)
    assert scripts
    assert all(src.startswith("/static/") for src in scripts)
    out = client.get(f"/share/{code}/facebook")
    assert out.status_code == 302
    assert out.headers["Location"].startswith("https://www.facebook.com/sharer/sharer.php?u=")
    assert f"%2Fs%2F{code}%2Ffacebook" in out.headers["Location"]


def test_opting_in_on_the_share_page_stores_consent_with_its_wording(client):
    letter = submit()
    token = confirmation_token(letter)
    client.post(f"/confirm/{token}")
    response = client.post(
        f"/confirm/{token}/subscribe", data={"email": "jane@example.com", "website": ""}
    )
    assert response.status_code == 303
    subscriber = db.session.scalars(select(Subscriber)).one()
    assert subscriber.status == SubscriberStatus.CONFIRMED  # the link proved the address
    assert subscriber.constituency_id == letter.constituency_id
    consent = db.session.scalars(select(Consent)).one()
    assert consent.source == "share"
    assert consent.wording.startswith("Email me alerts about this campaign")
    assert consent.given_at is not None
    assert "signed up for campaign alerts" in page(client.get(response.headers["Location"]))


def test_opting_in_with_another_address_needs_that_address_confirmed(client):
    token = confirmation_token(submit())
    client.post(f"/confirm/{token}")
    client.post(f"/confirm/{token}/subscribe", data={"email": "friend@example.com"})
    assert db.session.scalars(select(Subscriber)).one().status == SubscriberStatus.PENDING


def test_the_share_image_is_a_png(client):
    response = client.get("/c/mp-expenses/share.png")
    assert response.status_code == 200
    assert response.data[:8] == b"\x89PNG\r\n\x1a\n"


def test_static_assets_are_versioned_and_cached_long(client):
    html = page(client.get("/"))
    css = re.search(r'href="(/static/css/site.css\?v=[0-9a-f]+)"', html).group(1)
    with client.get(css) as response:
        assert response.status_code == 200
        assert "max-age=31536000" in response.headers["Cache-Control"]


def test_error_pages_say_error_in_their_title(client):
    page = client.get("/no/such/page").get_data(as_text=True)
    assert "<title>Error: Page not found - " in page
    assert "<h1>Page not found</h1>" in page


def test_the_thanks_page_does_not_ask_a_subscriber_to_sign_up_again(client):
    letter = submit()
    token = confirmation_token(letter)
    client.post(f"/confirm/{token}")
    thanks = f"/confirm/{token}/thanks"
    assert "Get campaign alerts" in page(client.get(thanks))
    main = page(client.get(thanks)).split("<main", 1)[1]
    assert main.count("Thank you") == 1  # the heading's; the campaign's text does not say it again
    client.post(f"/confirm/{token}/subscribe", data={"email": "jane@example.com", "website": ""})
    db.session.commit()
    assert "Get campaign alerts" not in page(client.get(thanks))


def test_a_jersey_postcode_links_to_the_states_assembly(client):
    page_text = page(client.get("/c/mp-expenses/write?postcode=JE2+4WF"))
    assert '<a href="https://statesassembly.je">https://statesassembly.je</a>' in page_text


def test_the_campaign_title_stays_on_every_step(client):
    compose = page(client.get("/c/mp-expenses/write?postcode=TE1+1AA"))
    assert '<span class="steps__campaign">Publish MPs&#39; expenses in full</span>' in compose


def test_the_alerts_confirmed_page_says_what_next(client):
    from app.alerts.subscribers import record_consent, token_for
    from app.tokens import Purpose

    person = record_consent("reader@example.com", source="site")
    db.session.commit()
    token = token_for(person, Purpose.CONFIRM_SUBSCRIPTION)
    confirmed = page(client.post(f"/alerts/confirm/{token}"))  # the button
    assert "You're signed up" in confirmed
    assert "Write to your MP in a campaign now" in confirmed


def test_a_changed_postcode_never_leaves_the_other_mp_greeted(client):
    """Composed for Alice Able (Testington North), then the postcode changed
    to Testington South: the letter must not go to Bob Baker saying "Dear
    Alice Able". The writer is stopped, and offered the names changed."""
    html = page(client.get(WRITE, query_string={"postcode": "TE1 1AA"}))
    assert 'name="composed_for" type="hidden" value="E14001063"' in html
    moved = letter_form(postcode="TE2 2BB", composed_for="E14001063", action="preview")
    response = client.post(WRITE, data=moved)
    html = page(response)
    assert response.status_code == 422
    assert "Your letter names Alice Able or Testington North" in html
    assert "your letter goes to Bob Baker" in html
    assert 'value="readdress"' in html
    readdressed = page(client.post(WRITE, data={**moved, "action": "readdress"}))
    body = re.search(r'<textarea[^>]*name="body"[^>]*>\s*(.*?)</textarea>', readdressed, re.S)
    assert "Dear Bob Baker" in body.group(1)
    assert "Alice Able" not in body.group(1)
    assert 'name="composed_for" type="hidden" value="E14001064"' in readdressed
    fixed = {**moved, "body": LETTER["body"].replace("Alice Able", "Bob Baker"),
             "composed_for": "E14001064"}  # fmt: skip
    preview = client.post(WRITE, data=fixed)
    assert preview.status_code == 200
    assert "This is what Bob Baker will receive" in page(preview)


def test_the_letters_hint_names_the_placeholder_only_where_the_letter_has_it(client):
    html = page(client.get(WRITE, query_string={"postcode": "TE1 1AA"}))
    body = re.search(r'<textarea[^>]*name="body"[^>]*>\s*(.*?)</textarea>', html, re.S).group(1)
    has_it = "{constituent_name}" in body
    assert ("Where it says {constituent_name}, your name goes in" in html) == has_it
    own = client.post(WRITE, data=letter_form(action="edit"))  # the writer's own text
    assert "Where it says {constituent_name}" not in page(own)


def test_a_postcode_error_says_error_in_the_pages_title(client):
    response = client.get(WRITE, query_string={"postcode": "not a postcode"})
    assert response.status_code == 400
    assert re.search(r"<title>Error: Publish MPs&#39; expenses in full", page(response))
