"""Every validation rule of the letter form, and hostile input, through the web form."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.letters.models import Letter
from app.text import markdown_to_html
from app.web.abuse import issue_form_ticket
from tests.builders.letters import LETTER

WRITE = "/c/mp-expenses/write"
REQUIRED = {
    "name": "Enter your full name.",
    "email": "Enter your email address.",
    "address1": "Enter the first line of your address.",
    "town": "Enter your town or city.",
    "postcode": "Enter your postcode.",
    "subject": "Enter a subject.",
    "body": "Write your message.",
}
LIMITS = {"name": 100, "email": 254, "address1": 100, "address2": 100, "town": 60, "subject": 200}


def post(client, **changes):
    form = {**LETTER, "form_ticket": issue_form_ticket(), "action": "send", **changes}
    return client.post(WRITE, data=form)


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Letter))


@pytest.mark.parametrize(("field", "message"), REQUIRED.items())
def test_each_required_field(client, field, message):
    response = post(client, **{field: "   "})
    assert response.status_code == 422
    assert f'<a href="#{field}">{message}</a>' in response.get_data(as_text=True)
    assert stored() == 0


def test_address_line_2_is_optional(client):
    assert post(client, address2="").status_code == 303


@pytest.mark.parametrize(("field", "limit"), LIMITS.items())
def test_each_length_limit(client, field, limit):
    too_long = ("a" * (limit - 12) + "@example.com") if field == "email" else "a" * limit
    assert post(client, **{field: too_long + "a"}).status_code == 422
    assert stored() == 0


@pytest.mark.parametrize("field", ["name", "subject", "email", "address1", "town"])
def test_line_breaks_in_header_fields_are_refused_on_the_form(client, field):
    response = post(client, **{field: LETTER[field] + "\r\nBcc: victim@example.com"})
    assert response.status_code == 422
    assert "line breaks" in response.get_data(as_text=True)
    assert stored() == 0


@pytest.mark.parametrize("email", ["plainaddress", "a@b", "@example.com", "jane@exa mple.com"])
def test_email_syntax(client, email):
    assert post(client, email=email).status_code == 422


def test_nul_in_the_letter_is_refused(client):
    assert post(client, body=LETTER["body"] + "\x00").status_code == 422


def test_a_hostile_letter_is_shown_escaped_in_the_preview(client):
    body = LETTER["body"] + "\n<script>alert('x')</script><img src=x onerror=alert(1)>"
    html = post(client, body=body, action="preview").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html
    assert "<img src=x" not in html


def test_unicode_names_and_addresses_are_welcome(client):
    response = post(client, name="Órfhlaith Ní Bhriain", address1="Tŷ Gwyn", town="Llandŵ")
    assert response.status_code == 303
    assert db.session.scalars(select(Letter)).one().sender_name == "Órfhlaith Ní Bhriain"


def test_campaign_markdown_is_sanitised():
    html = str(
        markdown_to_html(
            "Hello <script>alert(1)</script> [click](javascript:alert(1)) "
            "[ok](https://example.org) <b onclick=x>b</b>"
        )
    )
    assert "<script>" not in html
    assert 'href="javascript:' not in html  # left as inert text, never a link
    assert "<b onclick" not in html
    assert 'href="https://example.org"' in html
    assert 'rel="noopener noreferrer"' in html
