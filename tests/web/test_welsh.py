"""Welsh (Cymraeg) throughout: the catalogues, choosing a language, and a walk
through every public page and email finding no words left untranslated."""

from __future__ import annotations

import re
import subprocess
import sys
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import select

from app.alerts.models import Alert, AlertRecipient, Subscriber
from app.alerts.subscribers import token_for
from app.campaigns.editing import EDITABLE, save_campaign
from app.campaigns.models import TRANSLATED
from app.db import utcnow
from app.extensions import db
from app.letters.models import Letter, LetterStatus
from app.letters.submission import confirmation_token
from app.offices.digests import office_token
from app.outbox.kinds import build_email
from app.outbox.models import EmailKind, OutboxEmail
from app.privacy.requests import link_token
from app.replies.models import ReplyQuestion
from app.replies.questionnaire import question_token
from app.tokens import Purpose
from app.web.abuse import issue_form_ticket
from tests.builders.catalogues import (
    CLOSE,
    OPEN,
    TRANSLATIONS,
    WELSH,
    catalogue_at,
    marking_catalogue,
)  # fmt: skip
from tests.builders.letters import NO_MODERATION, demo_campaign
from tests.builders.settings import ROOT

# The catalogues ---------------------------------------------------------------


def extracted(tmp_path: Path) -> set:
    pot = tmp_path / "now.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "N_", "--no-location",
         "--ignore-dirs", ".* _* node_modules instance", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    return {m.id for m in catalogue_at(pot) if m.id}


def test_the_catalogues_hold_every_marked_string(tmp_path):
    """bin/translations was run after the last change to a marked string."""
    marked = extracted(tmp_path)
    welsh = {m.id for m in catalogue_at(WELSH) if m.id}
    assert marked - welsh == set(), "run bin/translations and translate what it adds"
    assert welsh - marked == set(), "run bin/translations: these are no longer used"


def _welsh_forms():
    for message in catalogue_at(WELSH):
        if message.id:
            english = message.id if isinstance(message.id, str) else message.id[0]
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            yield english, forms


def test_the_uk_parliament_is_never_called_the_senedd_alone():
    """In Welsh "y Senedd" alone is the Welsh Parliament: the UK Parliament
    is "Senedd y DU" (as the Senedd's and the UK Parliament's own Welsh pages say)."""
    for english, forms in _welsh_forms():
        if "Parliament" in english and "Welsh Parliament" not in english:
            for form in forms:
                assert not re.search(r"(\by|'r) Senedd\b(?! y DU)", form), (english, form)
                assert "Senedd" in form, (english, form)


def test_welsh_answers_past_questions_and_counts_letters_as_welsh_does():
    welsh = dict(_welsh_forms())
    # "Did your MP reply?" (past): Do / Naddo; "Is this the first time?": Ie / Nage.
    assert welsh["Yes, they replied"][0].startswith("Do,")
    assert welsh["No, and I do not expect them to"][0].startswith("Naddo,")
    assert welsh["No, I have written before"][0].startswith("Nage,")
    # One letter "wedi'i ddanfon"; two, the soft mutation: "2 lythyr".
    counted = welsh["%(name)s: %(num)s letter delivered"]
    assert "llythyr wedi'i ddanfon" in counted[1]
    assert "%(num)s lythyr wedi'u danfon" in counted[2]
    # An MP "dros" (for) a constituency, and spelt out where a page first names one.
    assert welsh["MP for %(constituency)s"][0] == "AS dros %(constituency)s"
    for english in ("Find your MP", "Write to your MP", "Your MP"):
        assert "Aelod Seneddol (AS)" in welsh[english][0], english


def test_every_welsh_string_is_translated_and_keeps_its_placeholders():
    catalogue = catalogue_at(WELSH)
    for message in catalogue:
        if not message.id:
            continue
        assert "fuzzy" not in message.flags, message.id
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(forms), f"untranslated: {message.id!r}"
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = {p for i in ids for p in re.findall(r"%\(\w+\)s|\{\w+\}", i)}
        for form in forms:
            assert set(re.findall(r"%\(\w+\)s|\{\w+\}", form)) <= wanted, (message.id, form)
    assert not list(catalogue.check()), "babel's own checks"


def test_the_compiled_catalogue_is_the_translated_one():
    compiled = (TRANSLATIONS / "cy/LC_MESSAGES/messages.mo").read_bytes()
    from babel.support import Translations

    translations = Translations(fp=__import__("io").BytesIO(compiled))
    catalogue = catalogue_at(WELSH)
    for message in catalogue:
        if message.id and not isinstance(message.id, tuple):
            assert translations.gettext(message.id) == message.string, "run bin/translations"


# Choosing a language --------------------------------------------------------------


@pytest.fixture
def bilingual(make_app):
    app = make_app(LANGUAGES=["en", "cy"])
    with app.app_context():
        yield app


def html_of(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_link_chooses_welsh_and_a_cookie_keeps_it(bilingual):
    client = bilingual.test_client()
    english = html_of(client.get("/c/mp-expenses"))
    assert '<html lang="en-GB">' in english
    assert '<a class="language" href="?lang=cy" hreflang="cy" lang="cy">Cymraeg</a>' in english
    welsh = client.get("/c/mp-expenses?lang=cy")
    assert '<html lang="cy">' in html_of(welsh)
    assert "<h2>Dewch o hyd i'ch Aelod Seneddol (AS)</h2>" in html_of(welsh)
    assert "lang=cy" in welsh.headers["Set-Cookie"]
    assert {"Accept-Language", "Cookie"} <= set(welsh.headers["Vary"].replace(" ", "").split(","))
    assert '<html lang="cy">' in html_of(client.get("/privacy"))  # remembered
    assert '<html lang="en-GB">' in html_of(client.get("/privacy?lang=en"))


def test_the_browser_s_language_is_used_when_none_was_chosen(bilingual):
    client = bilingual.test_client()
    page = client.get("/", headers={"Accept-Language": "cy-GB,cy;q=0.9,en;q=0.5"})
    assert '<html lang="cy">' in html_of(page)
    assert "Set-Cookie" not in page.headers  # nothing is kept unless a link asks


def test_the_language_link_stays_on_this_site(bilingual):
    """A path a browser reads as another host (/\\evil.example) cannot turn the
    link into one: it is only a query on the page it is on."""
    page = bilingual.test_client().get("/%5Cevil.example/x")
    assert page.status_code == 404
    assert 'class="language" href="?lang=cy"' in page.get_data(as_text=True)


def test_the_share_card_is_one_for_every_language(bilingual):
    campaign = demo_campaign()
    fields = {key: getattr(campaign, key) for key in EDITABLE}
    save_campaign(None, campaign.id, {**fields, "title_cy": "Teitl Cymraeg"})
    client = bilingual.test_client()
    english = client.get("/c/mp-expenses/share.png").data
    assert client.get("/c/mp-expenses/share.png?lang=cy").data == english


def test_a_follow_up_is_in_its_first_letter_s_language(bilingual, mail_server):
    from app.replies.follow_up import send_follow_up
    from tests.builders.letters import confirmed_letter

    letter = confirmed_letter()
    letter.language = "cy"
    letter.status, letter.sent_at = LetterStatus.SENT, utcnow()
    question = ReplyQuestion(letter_id=letter.id, asks=1, last_asked_at=utcnow(), answer="no")
    db.session.add(question)
    db.session.commit()
    campaign = letter.campaign
    fields = {key: getattr(campaign, key) for key in EDITABLE}
    save_campaign(None, campaign.id, {**fields, "follow_up_template": "Dear {mp_name}, again."})
    follow_up = send_follow_up(question, "Again", "Dear Alice Able, I wrote before and ask again.")
    assert follow_up.language == "cy"


def test_welsh_is_offered_only_where_configured(make_app):
    app = make_app(LANGUAGES=["en"])
    client = app.test_client()
    page = html_of(client.get("/c/mp-expenses?lang=cy", headers={"Accept-Language": "cy"}))
    assert '<html lang="en-GB">' in page
    assert 'class="language"' not in page


def test_a_campaign_s_welsh_texts_are_shown_in_welsh(bilingual):
    campaign = demo_campaign()
    fields = {key: getattr(campaign, key) for key in EDITABLE}
    save_campaign(None, campaign.id, {**fields, "title_cy": "Cyhoeddi treuliau ASau yn llawn",
                                      "body_template_cy": "Annwyl {mp_name},\n\n[Pam mae hyn yn bwysig i chi]\n\n{constituent_name}"})  # fmt: skip
    client = bilingual.test_client()
    assert "<h1>Cyhoeddi treuliau ASau yn llawn</h1>" in html_of(
        client.get("/c/mp-expenses?lang=cy")
    )
    compose = html_of(client.get("/c/mp-expenses/write?postcode=TE1+1AA"))
    assert "Annwyl Alice Able," in compose
    api = client.get("/api/v1/campaigns/mp-expenses?lang=cy").get_json()
    assert api["title"] == "Cyhoeddi treuliau ASau yn llawn"
    english = client.get("/c/mp-expenses?lang=en")
    assert "<h1>Publish MPs&#39; expenses in full</h1>" in html_of(english)


def test_constituencies_are_named_in_welsh_where_they_have_a_welsh_name(bilingual):
    client = bilingual.test_client()
    welsh = html_of(client.get("/c/mp-expenses/write?postcode=CF1+1AA&lang=cy"))
    assert "AS dros Cwm Prawf" in welsh
    assert "Cwm Test" not in welsh.split("<main", 1)[1]
    english = html_of(client.get("/c/mp-expenses/write?postcode=CF1+1AA&lang=en"))
    assert "MP for Cwm Test" in english
    api = client.get("/api/v1/representatives?postcode=CF1+1AA&lang=cy").get_json()
    assert api["constituency"]["name"] == "Cwm Prawf"
    api = client.get("/api/v1/representatives?postcode=CF1+1AA").get_json()
    assert api["constituency"]["name"] == "Cwm Test"


# The walk: every public page and email, under a catalogue that marks each translation ------


class Text(HTMLParser):
    """What a person sees or hears of a page: its text, and the attributes read aloud."""

    READ = ("aria-label", "placeholder", "title", "alt", "data-busy-text")

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        self.parts += [value for name, value in attrs if name in self.READ and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


DATA = [
    r"https?://\S+", r"[\w.+-]+@[\w.-]+", r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b",  # links, addresses, postcodes
    r"\d{1,2} \w+ \d{4}", r"\b\d[\d,.:%]*\b", r"JSON", r"Cymraeg", r"English",
    r"\{\w+\}",  # a suggested letter's placeholders, replaced as the letter is sent
]  # fmt: skip


def leftover(text: str, data: list[str]) -> str:
    """The words in `text` that are neither a marked translation nor data."""
    innermost = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
    while innermost.search(text):  # translations hold others (a campaign's title in a sentence)
        text = innermost.sub(" ", text)
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    for pattern in DATA:
        text = re.sub(pattern, " ", text)
    return " ".join(w for w in text.split() if re.search(r"[A-Za-z]", w))


@pytest.fixture
def marked(make_app, tmp_path, mail_server):
    app = make_app(
        LANGUAGES=["en", "cy"], BABEL_TRANSLATION_DIRECTORIES=marking_catalogue(tmp_path),
        SITE_NAME=f"{OPEN}Site{CLOSE}", OPERATOR_NAME=f"{OPEN}Operator{CLOSE}",
        OPERATOR_CONTACT="privacy@example.org", MAIL_PORT=mail_server.port, MAIL_SERVER="127.0.0.1",
        MIN_FILL_SECONDS=0, MOMENTUM_CACHE_SECONDS=0, **NO_MODERATION,
    )  # fmt: skip
    with app.app_context():
        campaign = demo_campaign()
        fields = {key: getattr(campaign, key) for key in EDITABLE}
        welsh = {f"{name}_cy": f"{OPEN}{name}{CLOSE}" for name in TRANSLATED}
        welsh["body_template_cy"] = (
            f"{OPEN}Dear{CLOSE} {{mp_name}}, [{OPEN}why{CLOSE}] {{constituent_name}}"
        )
        save_campaign(
            None, campaign.id, {**fields, **welsh, "organisation_name": f"{OPEN}Org{CLOSE}"}
        )
        yield app


def reference_data() -> list[str]:
    """MPs', constituencies' and parties' names: data, in every language."""
    from app.reference.models import MP, Constituency

    names = [mp.name for mp in db.session.scalars(select(MP))]
    names += [mp.party for mp in db.session.scalars(select(MP)) if mp.party]
    names += [c.name for c in db.session.scalars(select(Constituency))]
    names += [c.name_cy for c in db.session.scalars(select(Constituency)) if c.name_cy]
    # The address letters by post go to, as Royal Mail needs it written.
    return [*names, "Vacant", *current_app.config["MP_POSTAL_ADDRESS"].splitlines()]


WRITER = {
    "name": f"{OPEN}Jane{CLOSE}", "email": "jane@example.com", "address1": f"{OPEN}1 Street{CLOSE}",
    "address2": "", "town": f"{OPEN}Town{CLOSE}", "postcode": "TE1 1AA",
    "subject": f"{OPEN}Subject{CLOSE}", "body": f"{OPEN}My own letter, twenty words and more{CLOSE}",
}  # fmt: skip


def test_every_public_page_and_email_in_welsh_has_no_words_left_untranslated(marked):
    client = marked.test_client()
    client.set_cookie("lang", "cy")
    data = reference_data()
    found: dict[str, str] = {}

    def visit(name: str, response, status: int = 200) -> str:
        assert response.status_code == status, (name, response.status_code)
        page = response.get_data(as_text=True)
        parser = Text()
        parser.feed(page)
        left = leftover(" ".join(parser.parts), data)
        if left:
            found[name] = left
        return page

    def post_letter(action: str, **changes):
        form = {**WRITER, "form_ticket": issue_form_ticket(), "website": "", "action": action}
        return client.post("/c/mp-expenses/write", data={**form, **changes})

    visit("home", client.get("/"))
    visit("campaign", client.get("/c/mp-expenses"))
    visit("postcode error", client.get("/c/mp-expenses/write?postcode=nonsense"), 400)
    visit("postcode unknown", client.get("/c/mp-expenses/write?postcode=TE9+9ZX"), 404)
    visit("no MP (Jersey)", client.get("/c/mp-expenses/write?postcode=JE2+3AB"), 404)
    visit("vacant seat", client.get("/c/mp-expenses/write?postcode=VA1+1AA"))
    visit("chooser", client.get("/c/mp-expenses/write?postcode=BT7+1NN"))
    visit("chooser error", client.get("/c/mp-expenses/write?postcode=BT7+1NN&choosing=1"), 400)
    visit("compose", client.get("/c/mp-expenses/write?postcode=TE1+1AA"))
    visit("compose, by post", client.get("/c/mp-expenses/write?postcode=G1+1AA"))
    visit("compose errors", post_letter("preview", name="", email="x"), 422)
    visit("preview", post_letter("preview"))
    visit("preview, by post", post_letter("preview", postcode="G1 1AA"))
    assert post_letter("send").status_code == 303
    visit("check your email", client.get("/c/mp-expenses/check-email"))
    letter = db.session.scalar(select(Letter).where(Letter.sender_email == "jane@example.com"))
    assert letter.language == "cy"
    token = confirmation_token(letter)
    visit("confirm", client.get(f"/confirm/{token}"))
    client.post(f"/confirm/{token}")
    visit("thanks", client.get(f"/confirm/{token}/thanks"))
    visit("map", client.get("/c/mp-expenses/map"))
    visit("replies", client.get("/c/mp-expenses/replies"))
    db.session.add(ReplyQuestion(letter_id=letter.id, asks=1, last_asked_at=utcnow()))
    db.session.commit()
    visit("did your MP reply", client.get(f"/replied/{question_token(letter.id)}"))
    visit(
        "did your MP reply, unanswered", client.post(f"/replied/{question_token(letter.id)}"), 422
    )
    visit(
        "office", client.get(f"/office/{office_token(letter.mp_id, letter.campaign_id, letter.id)}")
    )
    visit("alerts sign-up", client.get("/alerts"))
    client.post("/alerts", data={"email": "sam@example.com", "website": ""})
    visit("alerts: check email", client.get("/alerts/check-email"))
    subscriber = db.session.scalar(select(Subscriber))
    assert subscriber.language == "cy"
    for name, method, path, purpose in [
        ("alerts: confirm", client.get, "/alerts/confirm", Purpose.CONFIRM_SUBSCRIPTION),
        ("alerts: confirmed", client.post, "/alerts/confirm", Purpose.CONFIRM_SUBSCRIPTION),
        ("alerts: preferences", client.get, "/alerts/preferences", Purpose.ALERT_PREFERENCES),
        ("alerts: unsubscribe", client.get, "/alerts/unsubscribe", Purpose.UNSUBSCRIBE),
    ]:
        visit(name, method(f"{path}/{token_for(subscriber, purpose)}"))
    visit("alerts: bad link", client.get("/alerts/confirm/nonsense"), 404)
    visit("privacy", client.get("/privacy"))
    visit("about", client.get("/about"))
    visit("your data", client.get("/your-data"))
    visit("your data: yours", client.get(f"/your-data/{link_token('jane@example.com')}"))
    visit("confirm: bad link", client.get("/confirm/nonsense"), 404)
    visit("404", client.get("/no-such-page"), 404)

    # Every email a writer or subscriber gets, built as the worker builds it.
    emails = [EmailKind.CONFIRMATION, EmailKind.REMINDER, EmailKind.CONSTITUENT_COPY,
              EmailKind.DELIVERY_FAILED, EmailKind.REJECTED, EmailKind.ALREADY_WRITTEN,
              EmailKind.DISSOLVED, EmailKind.RECONFIRM, EmailKind.DID_REPLY]  # fmt: skip
    statuses = {EmailKind.CONFIRMATION: LetterStatus.PENDING, EmailKind.REMINDER: LetterStatus.PENDING,
                EmailKind.DISSOLVED: LetterStatus.WAITING, EmailKind.RECONFIRM: LetterStatus.WAITING}  # fmt: skip
    rows = [OutboxEmail(kind=kind, letter_id=letter.id) for kind in emails]
    rows += [OutboxEmail(kind=kind, subscriber_id=subscriber.id)
             for kind in (EmailKind.SUBSCRIBE_CONFIRM, EmailKind.PREFERENCES_LINK)]  # fmt: skip
    rows.append(OutboxEmail(kind=EmailKind.DATA_LINK, to_address="jane@example.com", language="cy"))
    alert = Alert(campaign_id=letter.campaign_id, subject=f"{OPEN}s{CLOSE}", status="sending",
                  body_markdown=f"{OPEN}b{CLOSE}", call_to_action=f"{OPEN}c{CLOSE}")  # fmt: skip
    db.session.add(alert)
    db.session.flush()
    recipient = AlertRecipient(alert_id=alert.id, subscriber_id=subscriber.id)
    db.session.add(recipient)
    db.session.flush()
    rows.append(
        OutboxEmail(kind=EmailKind.ALERT, alert_recipient_id=recipient.id, alert_id=alert.id)
    )
    db.session.add_all(rows)
    db.session.flush()
    for row in rows:
        letter.status = statuses.get(row.kind, LetterStatus.SENT)
        letter.sent_at = utcnow()
        subscriber.status = "pending" if row.kind == EmailKind.SUBSCRIBE_CONFIRM else "confirmed"
        email = build_email(row)
        assert email is not None, row.kind
        message = email if isinstance(email, EmailMessage) else __import__("email").message_from_bytes(
            email.data, _class=EmailMessage, policy=__import__("email.policy").policy.default)  # fmt: skip
        text = f"{message['Subject']}\n{message.get_body(('plain',)).get_content()}"
        html = message.get_body(("html",))
        if html is not None:
            parser = Text()
            parser.feed(html.get_content())
            text += "\n" + " ".join(parser.parts)
        if row.kind == EmailKind.CONSTITUENT_COPY:  # what the MP received is quoted as it was sent
            text = re.sub(r"-{70}.*?-{70}", " ", text, flags=re.S)
        left = leftover(text, data)
        if left:
            found[f"email: {row.kind}"] = left
    db.session.rollback()

    assert not found, "\n".join(f"{name}: {words}" for name, words in found.items())


def test_the_site_has_its_own_name_in_welsh(make_app):
    app = make_app(LANGUAGES=["en", "cy"], SITE_NAME_CY="Ysgrifennu at eich AS")
    with app.app_context():
        client = app.test_client()
        assert "<title>Ysgrifennu at eich AS</title>" in html_of(client.get("/?lang=cy"))
        assert "<title>Write to your MP</title>" in html_of(client.get("/?lang=en"))


def test_an_emailed_link_opens_in_its_readers_language(make_app, mail_server):
    from app.i18n import force_locale
    from tests.builders.letters import submit
    from tests.builders.outbox import deliver

    app = make_app(LANGUAGES=["en", "cy"], MAIL_PORT=mail_server.port, **NO_MODERATION)
    with app.app_context():
        with force_locale("cy"):
            submit(email="gwen@example.com")
        submit(email="jane@example.com")
        deliver()
        [welsh] = mail_server.to("gwen@example.com")
        [english] = mail_server.to("jane@example.com")
        link = re.search(r"http://localhost(/confirm/\S+)", welsh.text).group(1)
        assert link.endswith("?lang=cy")
        assert "lang=" not in re.search(r"http://localhost(/confirm/\S+)", english.text).group(1)
        page = app.test_client().get(link)  # a browser that never chose Welsh
        assert '<html lang="cy">' in html_of(page)
