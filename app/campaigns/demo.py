"""The demo campaign: what `flask seed-demo` (and bin/dev) creates."""

from __future__ import annotations

from sqlalchemy import select

from app.campaigns.models import Campaign, CampaignStatus, CampaignText
from app.db import write_transaction

DEMO_CAMPAIGN = {
    "slug": "mp-expenses",
    "title": "Publish MPs' expenses in full",
    "summary": (
        "Ask your MP, in your own words, to back full and timely publication of MPs' expenses."
    ),
    "intro_markdown": (
        "In January 2009 the government planned to exempt MPs' expenses from the Freedom of "
        "Information Act. Within days, thousands of people wrote to their own MP, and the plan "
        "was dropped. The expenses were published, and the law changed.\n\n"
        "Transparency about public money lasts only while people keep asking for it. "
        "**Write to your MP in your own words** and ask them to support publishing every "
        "MP's claims in full, online and on time.\n\n"
        "A personal letter from a constituent counts for far more than a petition signature, "
        "so please change the suggested text to say why this matters to *you*."
    ),
    "subject_template": "Please support full publication of MPs' expenses",
    "body_template": (
        "Dear {mp_name},\n\n"
        "As your constituent in {constituency}, I am writing to ask you to support the full "
        "and timely publication of MPs' expenses claims.\n\n"
        "[Say in your own words why this matters to you]\n\n"
        "Will you publish your own claims in full, and oppose any attempt to exempt MPs' "
        "expenses from the Freedom of Information Act?\n\n"
        "Yours sincerely,\n{constituent_name}"
    ),
    "status": CampaignStatus.LIVE,
    "thank_you_markdown": (
        "Your MP will hear from you, in your own words, as one of their own "
        "constituents: that is what MPs listen to.\n\n"
        "Now please help the next person do the same. In 2009, letters reached 95% of MPs "
        "because people told their friends."
    ),
    "share_text": "I've just written to my MP asking for MPs' expenses to be published in full. "
    "It takes five minutes. Write to yours:",
    "group_url": "https://www.facebook.com/groups/mps-expenses-demo",
    "group_label": "Join the campaign group on Facebook",
}
# Its texts in other languages: in Welsh, for people using the site in Cymraeg.
DEMO_TEXTS = {
    "cy": {
        "title": "Cyhoeddi treuliau ASau yn llawn",
        "summary": (
            "Gofynnwch i'ch AS, yn eich geiriau eich hun, gefnogi cyhoeddi treuliau ASau yn llawn "
            "ac mewn pryd."
        ),
        "intro_markdown": (
            "Ym mis Ionawr 2009, roedd y llywodraeth yn bwriadu eithrio treuliau ASau o'r Ddeddf "
            "Rhyddid Gwybodaeth. O fewn dyddiau, ysgrifennodd miloedd o bobl at eu AS eu hunain, "
            "a chafodd y cynllun ei ollwng. Cafodd y treuliau eu cyhoeddi, a newidiodd y "
            "gyfraith.\n\n"
            "Dim ond tra bo pobl yn dal i ofyn amdano y mae tryloywder am arian cyhoeddus yn para. "
            "**Ysgrifennwch at eich AS yn eich geiriau eich hun** a gofynnwch iddyn nhw gefnogi "
            "cyhoeddi hawliadau pob AS yn llawn, ar-lein ac mewn pryd.\n\n"
            "Mae llythyr personol gan etholwr yn cyfrif am lawer mwy na llofnod ar ddeiseb, felly "
            "newidiwch y testun a awgrymir i ddweud pam mae hyn yn bwysig i *chi*."
        ),
        "subject_template": "Cefnogwch gyhoeddi treuliau ASau yn llawn",
        "body_template": (
            "Annwyl {mp_name},\n\n"
            "Fel un o'ch etholwyr yn {constituency}, rwy'n ysgrifennu i ofyn i chi gefnogi "
            "cyhoeddi hawliadau treuliau ASau yn llawn ac mewn pryd.\n\n"
            "[Dywedwch yn eich geiriau eich hun pam mae hyn yn bwysig i chi]\n\n"
            "A wnewch chi gyhoeddi eich hawliadau eich hun yn llawn, a gwrthwynebu unrhyw ymgais i "
            "eithrio treuliau ASau o'r Ddeddf Rhyddid Gwybodaeth?\n\n"
            "Yn gywir,\n{constituent_name}"
        ),
        "thank_you_markdown": (
            "Bydd eich AS yn clywed gennych, yn eich geiriau eich hun, fel un o'i etholwyr "
            "ei hun: dyna beth mae ASau yn gwrando arno.\n\n"
            "Nawr helpwch y person nesaf i wneud yr un peth. Yn 2009, cyrhaeddodd llythyrau 95% o "
            "ASau am fod pobl wedi dweud wrth eu ffrindiau."
        ),
        "share_text": (
            "Rwyf newydd ysgrifennu at fy AS yn gofyn am gyhoeddi treuliau ASau yn llawn. Mae'n "
            "cymryd pum munud. Ysgrifennwch at eich un chi:"
        ),
        "group_label": "Ymunwch â grŵp yr ymgyrch ar Facebook",
    },
}


def seed_demo_campaign() -> Campaign:
    """Create the demo campaign if it is not there; leave it alone if it is."""
    with write_transaction() as session:
        campaign = session.scalar(select(Campaign).where(Campaign.slug == DEMO_CAMPAIGN["slug"]))
        if campaign is None:
            campaign = Campaign(**DEMO_CAMPAIGN)
            for language, texts in DEMO_TEXTS.items():
                campaign.texts[language] = CampaignText(language=language, **texts)
            session.add(campaign)
    return campaign
