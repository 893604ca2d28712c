"""Admin forms."""

from __future__ import annotations

from datetime import date, datetime

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)

# New in WTForms 3.3; types-WTForms (3.2) does not have it yet.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import TextInput

from app.alerts.variants import TEST_SHARES
from app.campaigns.languages import text_keys
from app.i18n import language
from app.outbox.mime import is_usable_sender
from app.web.forms import single_line


class UKDateField(Field):
    """A day written as the UK writes it (27/3/2027), whatever the browser's
    locale: a browser's own date box shows mm/dd/yyyy in an en-US browser.
    ISO dates (2027-03-27) are taken too."""

    widget = TextInput()
    data: date | None
    FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d")

    def __init__(self, label=None, validators=None, **kwargs):
        render_kw = {"inputmode": "numeric", "autocomplete": "off", **kwargs.pop("render_kw", {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def _value(self) -> str:
        if isinstance(self.data, date):
            return f"{self.data.day}/{self.data.month}/{self.data.year}"
        return self.raw_data[0] if self.raw_data else ""

    def process_formdata(self, valuelist) -> None:
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not text:
            return
        for pattern in self.FORMATS:
            try:
                self.data = datetime.strptime(text, pattern).date()
                return
            except ValueError:
                continue
        raise ValueError("Enter a date like 27/3/2027.")


def sender_address(_form, field) -> None:
    """A From address the worker can use: `Name <address>` or an address, whose
    address is plain ASCII that fits an SMTP envelope."""
    if field.data and not is_usable_sender(field.data):
        raise ValidationError(
            "Enter a sender such as Campaign name <alerts@example.org>: an address with "
            "one @, in plain letters, digits and punctuation."
        )


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select options."""
    return [SelectChoice(value, label) for value, label in pairs]


class LoginForm(FlaskForm):
    email = EmailField(
        "Email address", [DataRequired("Enter your email address."), Length(max=254)]
    )
    password = PasswordField("Password", [DataRequired("Enter your password.")])


class CodeForm(FlaskForm):
    code = StringField(
        "Code from your authenticator app",
        [DataRequired("Enter the 6-digit code."), Length(max=12)],
    )


class CampaignForm(FlaskForm):
    title = StringField(
        "Title", [DataRequired("Give the campaign a title."), Length(max=160), single_line]
    )
    slug = StringField(
        "Web address", [DataRequired("Choose a web address."), Length(max=60), single_line]
    )
    status = SelectField(
        "Status", choices=choices([("draft", "Draft"), ("live", "Live"), ("closed", "Closed")])
    )
    summary = StringField(
        "Summary (one sentence, also used when shared)", [Length(max=300), single_line]
    )
    intro_markdown = TextAreaField("Introduction (Markdown)", [Length(max=20_000)])
    subject_template = StringField("Suggested subject", [Length(max=200), single_line])
    body_template = TextAreaField("Suggested letter", [Length(max=20_000)])
    follow_up_template = TextAreaField(
        "Follow-up letter, offered to writers whose MP did not reply", [Length(max=20_000)]
    )
    min_own_words_percent = IntegerField(
        "Smallest share of a letter in the writer's own words (%)",
        [Optional(), NumberRange(0, 100, "Enter a whole number from 0 to 100.")],
        default=0,
    )
    goal_letters = IntegerField(
        "Goal: letters delivered",
        [Optional(), NumberRange(0, 10_000_000, "Enter a whole number from 0 to 10,000,000.")],
        default=0,
    )
    thank_you_markdown = TextAreaField("Thank-you text (Markdown)", [Length(max=20_000)])
    share_text = StringField("Share text", [Length(max=280), single_line])
    group_url = StringField("Group link (e.g. a Facebook group)", [Optional(), Length(max=500)])
    group_label = StringField("Group link text", [Length(max=120), single_line])
    alert_sender = StringField(
        "Alerts come from (e.g. Publish MPs' expenses <alerts@example.org>)",
        [Length(max=200), single_line, sender_address],
    )
    organisation_name = StringField("Organisation running it", [Length(max=120), single_line])
    organisation_url = StringField("Organisation's website", [Optional(), Length(max=500)])
    accent_colour = StringField("Accent colour", [Length(max=7), single_line])
    image = FileField("Picture (JPEG, PNG, WebP or GIF, under 8 MB)")
    image_alt = StringField("What the picture shows (for people who cannot see it)",
                            [Length(max=200), single_line])  # fmt: skip
    remove_image = BooleanField("Remove the picture")
    # A picture chosen on an earlier try of this form (a preview, a save with
    # a problem), as base64 JPEG: kept, so it need not be chosen again.
    pending_image = HiddenField()


# A campaign's texts in another language: each TRANSLATED text again, as
# "<text>_<code>" (title_cy), optional, labelled by the language's English name.
TEXT_LABELS = {
    "title": "Title in {language}", "summary": "Summary in {language}",
    "intro_markdown": "Introduction in {language} (Markdown)",
    "subject_template": "Suggested subject in {language}",
    "body_template": "Suggested letter in {language}",
    "thank_you_markdown": "Thank-you text in {language}",
    "share_text": "Share text in {language}", "group_label": "Group link text in {language}",
    "follow_up_template": "Follow-up letter in {language}",
}  # fmt: skip


def campaign_form_class() -> type[CampaignForm]:
    """CampaignForm with fields for the campaign's texts in each other
    language the site offers (the registry's, so a new one needs no code)."""
    fields = {}
    for key, code, name in text_keys():
        english = getattr(CampaignForm, name)  # an UnboundField: its class and arguments
        rules = english.kwargs.get("validators") or (english.args[1:2] or [[]])[0]
        optional = [rule for rule in rules if not isinstance(rule, DataRequired)]
        label = TEXT_LABELS[name].format(language=language(code).english_name)
        fields[key] = english.field_class(label, optional)
    return type("CampaignForm", (CampaignForm,), fields)


class PartnerForm(FlaskForm):
    slug = StringField("Slug", [DataRequired("Choose a slug."), Length(max=60), single_line])
    name = StringField(
        "Name", [DataRequired("Enter the partner's name."), Length(max=120), single_line]
    )
    origins = TextAreaField(
        "Allowed origins, one per line (e.g. https://blog.example.org)",
        [DataRequired("Give at least one origin.")],
    )
    active = BooleanField("Active (the widget works on their site)", default=True)


class WebhookForm(FlaskForm):
    url = StringField(
        "URL to call (https)",
        [DataRequired("Enter the URL to call."), Length(max=500), single_line],
    )
    owner = SelectField("Whose it is", choices=[], validate_choice=False)
    events = SelectMultipleField(
        "Events it hears of", choices=[], validators=[DataRequired("Choose at least one event.")]
    )


class ApiKeyForm(FlaskForm):
    name = StringField(
        "What it is for", [DataRequired("Say what will use the key."), Length(max=120), single_line]
    )
    owner = SelectField("Whose it is", choices=[], validate_choice=False)
    scopes = SelectMultipleField(
        "What it may read or do", choices=[],
        validators=[DataRequired("Choose at least one thing it may do.")],
    )  # fmt: skip


class ShareTestForm(FlaskForm):
    text_b = TextAreaField("Message B", [Length(max=280)])
    text_c = TextAreaField("Message C (optional)", [Length(max=280)])
    text_d = TextAreaField("Message D (optional)", [Length(max=280)])
    hours = IntegerField(
        "Hours before choosing the winner",
        [DataRequired("Say how many hours."), NumberRange(1, 672, "Choose between 1 and 672.")],
        default=72,
    )


class TargetListForm(FlaskForm):
    slug = StringField(
        "Short name (lower-case letters, digits and hyphens; the same name replaces a list)",
        [DataRequired("Give the list a short name."), Length(max=60), single_line],
    )
    name = StringField("What admins see it called", [Length(max=120), single_line])
    source = StringField("Where the data came from, and its licence",
                         [Length(max=300), single_line])  # fmt: skip
    file = FileField("The list, as a CSV file (docs/targets.md)")
    house_of_lords = BooleanField(
        "Members of the House of Lords: at most six identical letters from a campaign"
    )


class CampaignTargetsForm(FlaskForm):
    mp = SelectField("Writers' MPs", choices=choices([
        ("always", "Every letter goes to the writer's MP, and may go to others too"),
        ("offered", "The MP is one of the people a writer can tick"),
        ("never", "Not written to: only the lists below"),
    ]))  # fmt: skip
    lists = SelectMultipleField("Target lists", choices=[])
    choice = SelectField("How many a writer picks", choices=choices([
        ("some", "One or more"), ("one", "Exactly one"), ("all", "All of them (no choice)"),
    ]))  # fmt: skip
    most = IntegerField(
        "At most this many recipients a letter (0: no limit)",
        [Optional(), NumberRange(0, 20, "Enter a whole number from 0 to 20.")], default=0,
    )  # fmt: skip
    preselected = BooleanField("Start with everyone ticked", default=True)
    offer_at_random = IntegerField(
        "Offer each writer this many national targets, drawn at random (0: all of them)",
        [Optional(), NumberRange(0, 100, "Enter a whole number from 0 to 100.")], default=0,
    )  # fmt: skip
    excluded = TextAreaField(
        "Never write to (one a line: the list's short name, a colon, the target's ref)",
        [Length(max=20_000)],
    )
    supporters = TextAreaField("Supporters (one a line, as above)", [Length(max=20_000)])
    supporter_subject = StringField("Subject to supporters", [Length(max=200)])
    supporter_opening = TextAreaField("Opening to supporters", [Length(max=1000)])
    opponents = TextAreaField("Opponents (one a line, as above)", [Length(max=20_000)])
    opponent_subject = StringField("Subject to opponents", [Length(max=200)])
    opponent_opening = TextAreaField("Opening to opponents", [Length(max=1000)])


class OverrideForm(FlaskForm):
    email = EmailField("Send this MP's letters to", [Optional(), Length(max=254)])


class LetterSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    text = StringField("Search", [Optional(), Length(max=200)])
    campaign = SelectField("Campaign", choices=[], validate_choice=False)
    status = SelectField("State", choices=[], validate_choice=False)
    partner = SelectField("Partner", choices=[], validate_choice=False)
    source = SelectField("Source", choices=[], validate_choice=False)
    constituency = StringField("Constituency", [Optional(), Length(max=120)])
    written_from = UKDateField("Written from", [Optional()])
    written_to = UKDateField("Written to", [Optional()])


class AlertForm(FlaskForm):
    campaign = SelectField("Campaign the alert links to", choices=[], validate_choice=False)
    subject = StringField(
        "Subject", [DataRequired("Give the alert a subject."), Length(max=200), single_line]
    )
    body_markdown = TextAreaField("Text of the alert (Markdown)", [Length(max=20_000)])
    call_to_action = StringField(
        "Button text", [Length(max=80), single_line], default="Write to your MP"
    )
    segment = SelectField("Send to", choices=[], validate_choice=False)
    # An A/B test (app/alerts/variants.py): up to three more variants.
    subject_b = StringField("Variant B's subject", [Optional(), Length(max=200), single_line])
    body_b = TextAreaField("Variant B's text (Markdown)", [Length(max=20_000)])
    subject_c = StringField("Variant C's subject", [Optional(), Length(max=200), single_line])
    body_c = TextAreaField("Variant C's text (Markdown)", [Length(max=20_000)])
    subject_d = StringField("Variant D's subject", [Optional(), Length(max=200), single_line])
    body_d = TextAreaField("Variant D's text (Markdown)", [Length(max=20_000)])
    test_percent = SelectField(
        "Test on", choices=choices([("0", "No test: everyone gets this alert")]
        + [(str(share), f"{share}% of the segment, then the winner to the rest")
           for share in TEST_SHARES]),
        default="0",
    )  # fmt: skip
    test_hours = IntegerField(
        "Hours before choosing the winner",
        [Optional(), NumberRange(1, 168, "Choose between 1 and 168 hours (a week).")],
        default=24,
    )


class SuppressForm(FlaskForm):
    email = EmailField("Email address", [DataRequired("Enter the address."), Length(max=254)])
    reason = StringField(
        "Why", [DataRequired("Say why (e.g. a spam complaint)."), Length(max=100), single_line]
    )


class DissolutionForm(FlaskForm):
    dissolved_on = UKDateField(
        "Parliament is dissolved on", [DataRequired("Enter the day Parliament is dissolved.")]
    )
    election_on = UKDateField("Polling day", [DataRequired("Enter polling day.")])
