"""What a CRM may write through the OSDI API, read from its JSON.

Two things, both for the organisation's own keys with `people:write`:
signing someone up (the person signup helper: they are sent our
confirmation email and count as subscribed only once they follow it, so a
CRM cannot subscribe anyone who did not agree) and telling us someone
unsubscribed there (honoured at once).
"""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email


class WriteError(ValueError):
    """The body is not one the site takes; the message says which part."""


@dataclass(frozen=True)
class Signup:
    email: str
    postcode: str | None
    campaign_slugs: tuple[str, ...]


def _first(items, name: str) -> dict:
    if not isinstance(items, list) or not items:
        return {}
    if not isinstance(items[0], dict):
        raise WriteError(f"person.{name}[0] is not an object.")
    return items[0]


def signup_from(body) -> Signup:
    """A person signup helper's body: {"person": {"email_addresses": [{"address"}],
    "postal_addresses": [{"postal_code"}]}, "add_tags": ["campaign-slug"]}."""
    if not isinstance(body, dict) or not isinstance(body.get("person"), dict):
        raise WriteError("The body is a JSON object with a person.")
    person = body["person"]
    address = _first(person.get("email_addresses"), "email_addresses").get("address")
    try:
        email = validate_email(str(address or ""), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise WriteError("person.email_addresses[0].address is not an email address.") from exc
    postcode = _first(person.get("postal_addresses"), "postal_addresses").get("postal_code")
    tags = body.get("add_tags") or []
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise WriteError("add_tags is a list of campaigns' names.")
    return Signup(email, str(postcode)[:16] if postcode else None, tuple(tags))


def unsubscribes(body) -> bool:
    """Whether a person's PUT body says (only) that they unsubscribed."""
    if not isinstance(body, dict) or not isinstance(body.get("email_addresses"), list):
        raise WriteError("The body is a JSON object with email_addresses.")
    statuses = {
        str(item.get("status")) for item in body["email_addresses"] if isinstance(item, dict)
    }
    if statuses != {"unsubscribed"}:
        raise WriteError("Only email_addresses[].status 'unsubscribed' can be set.")
    return True
