"""Forms: the shapes and formats of what people send. Rules live in the services."""

from __future__ import annotations

import threading

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    EmailField,
    Form,
    HiddenField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.alerts.subscribers import CONSENT_WORDING
from app.letters.submission import LetterDraft
from app.text import has_control_characters, is_single_line

BODY_MAX = 20_000


def single_line(_form, field) -> None:
    """Anything that may reach a mail header: no CR, LF, NUL or other controls."""
    if field.data and (not is_single_line(field.data) or has_control_characters(field.data)):
        raise ValidationError(_l("Please remove line breaks and special characters."))


def no_control_characters(_form, field) -> None:
    if field.data and has_control_characters(field.data.replace("\t", " ")):
        raise ValidationError(_l("Please remove special (control) characters."))


def deliverable_email(_form, field) -> None:
    """An address the site can really mail. An internationalised domain is kept
    in its ASCII (IDNA) form, which every relay and mail client reads; a name
    before the @ beyond ASCII needs SMTPUTF8, so it is refused unless the
    relay offers it (ALLOW_SMTPUTF8_ADDRESSES)."""
    if not field.data:
        return
    try:
        address = validate_email(field.data, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        raise ValidationError(_l("Enter an email address like name@example.com.")) from exc
    if address.ascii_email:
        field.data = address.ascii_email
    elif current_app.config["ALLOW_SMTPUTF8_ADDRESSES"]:
        field.data = address.normalized
    else:
        raise ValidationError(
            _l(
                "We can't send email to an address with accents or other special letters "
                "before the @. Please use another address."
            )
        )


def email_field() -> EmailField:
    """Where a person gives their own address: required, one line, deliverable."""
    return EmailField(
        _l("Your email address"),
        [
            DataRequired(_l("Enter your email address.")),
            Length(max=254),
            single_line,
            deliverable_email,
        ],
        filters=[_strip],
    )


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class LetterFields(Form):
    """A constituent's letter: what the microsite's form and the JSON API check alike."""

    name = StringField(
        _l("Your full name"),
        [DataRequired(_l("Enter your full name.")), Length(max=100), single_line],
        filters=[_strip],
    )
    email = email_field()
    address1 = StringField(
        _l("Address line 1"),
        [DataRequired(_l("Enter the first line of your address.")), Length(max=100), single_line],
        filters=[_strip],
    )
    address2 = StringField(
        _l("Address line 2 (optional)"),
        [Optional(), Length(max=100), single_line],
        filters=[_strip],
    )
    town = StringField(
        _l("Town or city"),
        [DataRequired(_l("Enter your town or city.")), Length(max=60), single_line],
        filters=[_strip],
    )
    postcode = StringField(
        _l("Postcode"),
        [DataRequired(_l("Enter your postcode.")), Length(max=16), single_line],
        filters=[_strip],
    )
    constituency = HiddenField(filters=[_strip])
    subject = StringField(
        _l("Subject"),
        [DataRequired(_l("Enter a subject.")), Length(max=200), single_line],
        filters=[_strip],
    )
    body = TextAreaField(
        _l("Your message"),
        [
            DataRequired(_l("Write your message.")),
            Length(
                min=20,
                max=BODY_MAX,
                message=_l(
                    "Your message must be between 20 and %(most)s characters.", most=f"{BODY_MAX:,}"
                ),
            ),
            no_control_characters,
        ],
    )
    alerts = BooleanField(_l(CONSENT_WORDING))

    def to_draft(self) -> LetterDraft:
        """The letter, once validate() passed (so no required field is empty;
        WTForms types a field that was never submitted as None)."""
        return LetterDraft(
            name=self.name.data or "",
            email=self.email.data or "",
            address1=self.address1.data or "",
            address2=self.address2.data or "",
            town=self.town.data or "",
            postcode=self.postcode.data or "",
            subject=self.subject.data or "",
            body=self.body.data or "",
            constituency=self.constituency.data or None,
        )


class LetterForm(FlaskForm, LetterFields):
    """The microsite's letter form: the letter, CSRF, and the page's own fields."""

    form_ticket = HiddenField()
    ref = HiddenField()  # credit for a share link or an alert (see app/sharing/links.py)
    # The constituency whose MP the suggested letter was filled in for: a
    # postcode changed since must not leave "Dear <the other MP>" in it.
    composed_for = HiddenField(filters=[_strip])
    # Who it goes to, in a campaign with targets (app/targets/placing.py):
    # the tick boxes' values, checked against the writer's targets there.
    targets = SelectMultipleField(_l("Who to write to"), validate_choice=False)
    # The honeypot: hidden from people (and screen readers), filled by robots.
    website = StringField(_l("Leave this field empty"))


_json_forms = threading.local()


def letter_form_from_json(payload: dict) -> LetterFields:
    """The letter's fields, filled from a JSON body (no CSRF: see app/__init__.py).

    Each thread keeps one form and refills it: WTForms builds every field
    anew for each form made, which cost ~120 µs of CPU a letter; refilling
    costs ~25 (bench/submit.py). Filling resets every field's data and
    processing errors, and validating resets its errors.
    """
    data = MultiDict(
        {k: v if isinstance(v, str) else "" for k, v in payload.items() if v is not None}
    )
    if payload.get("subscribe") is True:
        data["alerts"] = "y"
    form = getattr(_json_forms, "form", None)
    if form is None:
        form = _json_forms.form = LetterFields()
    form.process(formdata=data)
    return form


class SubscribeForm(FlaskForm):
    """Opt in to campaign alerts (the consent wording is shown beside it)."""

    email = email_field()
    postcode = StringField(_l("Postcode (optional)"), [Optional(), Length(max=16), single_line])
    website = StringField(_l("Leave this field empty"))


def first_errors(form) -> dict[str, str]:
    """One message per field, for the error summary and the API."""
    return {name: errors[0] for name, errors in form.errors.items() if errors}


class DataRequestForm(FlaskForm):
    """Ask for the link to one's data (sent to the address given)."""

    email = email_field()
