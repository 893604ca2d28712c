"""A language is data: a catalogue and a configuration line, no code.

The language here is made up: every translation is its English in ⟪ ⟫, under
Esperanto's code (so CLDR gives it a name and dates; nothing here is
Esperanto). With only that catalogue in a folder of its own and its code in
LANGUAGES, a page, a campaign's texts, the editor, the embed code and an
email all come in it. tests/browser/test_a_new_language.py walks the widget.
"""

from __future__ import annotations

import re

import pytest

from app.campaigns.editing import EDITABLE, save_campaign
from app.config import ConfigError
from app.partners.widget import embed_code
from tests.builders.admins import signed_in_client
from tests.builders.catalogues import CLOSE, OPEN, TRANSLATIONS, marking_catalogue
from tests.builders.letters import NO_MODERATION, demo_campaign, submit
from tests.builders.outbox import deliver
from tests.web.test_welsh import html_of

MADE_UP = "eo"


def made_up_settings(folder) -> dict:
    """The whole of adding the language: its catalogue's folder and its code."""
    return {
        "BABEL_TRANSLATION_DIRECTORIES": f"{TRANSLATIONS};{marking_catalogue(folder, MADE_UP)}",
        "LANGUAGES": ["en", "cy", MADE_UP],
    }


@pytest.fixture
def made_up(make_app, tmp_path, mail_server):
    app = make_app(**made_up_settings(tmp_path), MAIL_PORT=mail_server.port,
                   MIN_FILL_SECONDS=0, **NO_MODERATION)  # fmt: skip
    with app.app_context():
        yield app


def test_a_page_comes_in_the_new_language_and_is_offered_by_its_name(made_up):
    client = made_up.test_client()
    english = html_of(client.get("/c/mp-expenses?lang=en"))
    assert 'hreflang="eo" lang="eo">Esperanto</a>' in english  # its name, from CLDR
    page = html_of(client.get("/c/mp-expenses?lang=eo"))
    assert '<html lang="eo">' in page
    assert re.search(f"{OPEN}[^{CLOSE}]+{CLOSE}", page)
    compose = html_of(client.get("/c/mp-expenses/write?postcode=TE1+1AA"))  # the cookie keeps it
    assert f"{OPEN}Your full name{CLOSE}" in compose
    assert "Cymraeg" in compose
    assert "English" in compose


def test_a_campaign_s_texts_in_the_new_language_are_a_row_not_a_column(made_up):
    campaign = demo_campaign()
    fields = {key: getattr(campaign, key) for key in EDITABLE}
    save_campaign(None, campaign.id, {**fields, "title_eo": "La kampanjo", "body_template_eo":
                                      "Kara {mp_name},\n\n[Kial]\n\n{constituent_name}"})  # fmt: skip
    client = made_up.test_client()
    assert "<h1>La kampanjo</h1>" in html_of(client.get("/c/mp-expenses?lang=eo"))
    assert "Kara Alice Able," in html_of(client.get("/c/mp-expenses/write?postcode=TE1+1AA"))
    assert client.get("/api/v1/campaigns/mp-expenses?lang=eo").get_json()["title"] == "La kampanjo"
    # Welsh and English are untouched by it.
    assert "<h1>La kampanjo</h1>" not in html_of(client.get("/c/mp-expenses?lang=cy"))
    assert "<h1>La kampanjo</h1>" not in html_of(client.get("/c/mp-expenses?lang=en"))


def test_the_editor_and_the_embed_code_offer_it(made_up):
    client = signed_in_client(made_up)
    campaign = demo_campaign()
    editor = html_of(client.get(f"/admin/campaigns/{campaign.id}"))
    assert "<legend>In Esperanto (optional)</legend>" in editor
    assert 'name="title_eo"' in editor
    assert 'lang="eo"' in editor
    assert 'data-lang="eo"' in embed_code(campaign="mp-expenses", partner="p", lang=MADE_UP)
    assert "data-lang" not in embed_code(campaign="mp-expenses", partner="p", lang="xx")


def test_an_email_to_a_reader_of_it_is_in_it(made_up, mail_server):
    from app.i18n import force_locale

    with force_locale(MADE_UP):
        letter = submit(email="esti@example.com")
    assert letter.language == MADE_UP
    deliver()
    [confirmation] = mail_server.to("esti@example.com")
    assert confirmation["Subject"].startswith(OPEN)
    assert confirmation["Subject"].endswith(CLOSE)
    assert re.search(r"/confirm/\S+\?lang=eo", confirmation.text)  # the link opens in it


def test_a_language_without_its_catalogue_is_refused_at_start(make_app):
    with pytest.raises(ConfigError, match="no compiled catalogue"):
        make_app(LANGUAGES=["en", MADE_UP])
    with pytest.raises(ConfigError, match="locale data"):
        make_app(LANGUAGES=["en", "xx-nonsense"])
