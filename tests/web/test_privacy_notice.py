"""The privacy notice is built from configuration: who runs the site, how to
reach them, and the retention periods actually in force. It is linked from
every page, beside the buttons that send personal data, and in every email."""

from __future__ import annotations

from app.web.abuse import issue_form_ticket
from tests.builders.letters import LETTER, confirmed_letter
from tests.builders.outbox import deliver


def test_the_notice_says_what_the_settings_say(make_app):
    app = make_app(OPERATOR_NAME="Open Campaigns Ltd", OPERATOR_CONTACT="privacy@example.org",
                   RETENTION_LETTER_DAYS=21, RETENTION_IP_HASH_DAYS=14, CONFIRM_LINK_DAYS=5)  # fmt: skip
    html = app.test_client().get("/privacy").get_data(as_text=True)
    assert "run by Open Campaigns Ltd" in html
    assert 'href="mailto:privacy@example.org"' in html
    assert "21 days after it was delivered" in html
    assert "<td>14 days</td>" in html
    assert "never confirm: 5 days" in html
    about = app.test_client().get("/about").get_data(as_text=True)
    assert "privacy@example.org" in about


def test_every_page_and_each_submit_links_to_it(client):
    for url in ("/", "/c/mp-expenses", "/alerts", "/about"):
        assert 'href="/privacy"' in client.get(url).get_data(as_text=True), url
    preview = client.post(
        "/c/mp-expenses/write",
        data={**LETTER, "form_ticket": issue_form_ticket(), "website": "", "action": "preview"},
    ).get_data(as_text=True)
    assert preview.count('href="/privacy"') >= 2  # beside "Send my letter", and the footer


def test_every_email_links_to_it(mailed_app, mail_server):
    confirmed_letter()
    deliver()
    deliver()
    assert mail_server.messages
    for mail in mail_server.messages:
        assert "http://localhost/privacy" in mail.text, mail["Subject"]


def test_production_needs_a_contact(make_app):
    import pytest

    from app.config import ConfigError, check_production

    settings = {"SECRET_KEY": "k" * 40, "MAIL_DEFAULT_SENDER": "a@example.org",
                "SITE_URL": "https://example.org", "PASSWORD_HASH_PROFILE": "RFC_9106_LOW_MEMORY"}  # fmt: skip
    with pytest.raises(ConfigError, match="OPERATOR_CONTACT"):
        check_production(settings)
    check_production({**settings, "OPERATOR_CONTACT": "privacy@example.org"})
