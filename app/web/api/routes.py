"""JSON API v1: what the widget (and anyone else) uses. Documented in the README."""

from __future__ import annotations

import hashlib

from flask import current_app, request

from app.alerts.subscribers import CONSENT_WORDING
from app.campaigns.branding import public_branding
from app.campaigns.finding import (
    CampaignNotFound,
    CampaignNotOpen,
    get_public_campaign,
    open_campaign_rules,
    public_fields,
)
from app.i18n import gettext
from app.letters.models import Attribution, Source
from app.letters.submission import (
    FORM_ALREADY_SENT,
    LetterProblem,
    MPUnreachable,
)
from app.links import external_url
from app.partners.registry import DISABLED_NOTICE, safe_return_url
from app.reference.postcodes import PostcodeError
from app.reference.representatives import (
    ChoiceRequired,
    Choose,
    Found,
    Seat,
    WrongConstituency,
    answering_version,
    look_up,
    resolve_seat,
)
from app.reports.momentum import momentum
from app.targets.campaigns import has_targets
from app.targets.models import MPChoice
from app.targets.placing import Chosen, TargetProblem, choose, offer_for
from app.web import limits
from app.web.abuse import (
    SEND_AGAIN,
    StaleForm,
    issue_form_ticket,
    read_form_ticket,
)
from app.web.api import bp
from app.web.api.cors import request_partner
from app.web.client import hashed_ip
from app.web.errors import json_error
from app.web.forms import first_errors, letter_form_from_json
from app.web.public.branding import picture_url
from app.web.sending import Sent, send_letter

ACCEPTED = {"status": "pending_confirmation"}


def seat_json(seat: Seat) -> dict:
    return {
        "constituency": {"name": seat.local_name, "gss_code": seat.gss_code},
        "mp": {
            "name": seat.mp.name,
            "party": seat.mp.party,
            "can_email": seat.can_email,
            "status": seat.mp.status,
            "contact_url": seat.mp.contact_url,
            "message": seat.unreachable_reason(),
        },
    }


def partner_refusal():
    """A 403 for a named partner that is unknown or switched off; None otherwise."""
    slug = request.args.get("partner")
    if not slug:
        return None
    partner = request_partner()
    if partner is None:
        return json_error(403, "unknown_partner", gettext("This site is not a registered partner."))
    if not partner.active:
        return json_error(403, "partner_disabled", gettext(DISABLED_NOTICE))
    return None


@bp.get("/representatives")
@limits.lookup
def representatives():
    refusal = partner_refusal()
    if refusal:
        return refusal
    try:
        result = look_up(request.args.get("postcode", ""))
    except PostcodeError as exc:
        return json_error(exc.status, exc.code, exc.explanation)
    body = lookup_answer(result)
    etag, cache_control = public_headers(body)
    # Parsed only when sent: most requests carry none, and this is a hot path.
    if "If-None-Match" in request.headers and request.if_none_match.contains_weak(etag):
        response = current_app.response_class(status=304)
    else:
        response = current_app.response_class(body, mimetype="application/json")
    response.headers["ETag"] = f'"{etag}"'
    response.headers["Cache-Control"] = cache_control
    return response


def lookup_answer(result: Found | Choose) -> bytes:
    """A lookup's answer as the API sends it (also sent by app/web/api/fast_lookup.py)."""
    if isinstance(result, Found):
        body = {"postcode": result.postcode, **seat_json(result.seat)}
    else:
        body = {
            "postcode": result.postcode,
            "constituency": None,
            "mp": None,
            "reason": result.reason,
            "message": result.explanation,
            "choices": [seat_json(seat) for seat in result.seats],
        }
    # As jsonify writes it outside debug mode: compact, keys sorted.
    return f"{current_app.json.dumps(body, separators=(',', ':'))}\n".encode()


def public_headers(body: bytes) -> tuple[str, str]:
    """The ETag and Cache-Control of an answer from public reference data,
    which a CDN or proxy may keep for LOOKUP_CACHE_SECONDS and revalidate by
    its ETag: the reference data's version and a digest of the answer (so a
    release that changes the answer's shape changes it too)."""
    digest = hashlib.blake2b(body, digest_size=6).hexdigest()
    etag = f"r{answering_version()}-{digest}"
    return etag, f"public, max-age={current_app.config['LOOKUP_CACHE_SECONDS']}"


@bp.get("/campaigns/<slug>")
def campaign(slug: str):
    try:
        campaign = get_public_campaign(slug)
    except CampaignNotFound:
        return json_error(404, "not_found", gettext("There is no such campaign."))
    figures = momentum(campaign.id, campaign.goal_letters)
    response = {
        **public_fields(campaign),
        "momentum": {
            "letters": figures.letters,
            "mps": figures.mps,
            "goal": figures.goal,
            "bodies": [{"body": body, "people": people} for body, people in figures.bodies],
        },
        "branding": public_branding(campaign, picture_url(campaign, external=True)),
        "form_ticket": issue_form_ticket(),
        "consent_wording": gettext(CONSENT_WORDING),  # shown beside the alerts box, stored as given
        "privacy_url": external_url("public.privacy"),
    }
    partner = request_partner()
    if partner is not None:
        # The widget's kill switch: a disabled partner's widget shows the notice.
        response["partner"] = {
            "slug": partner.slug,
            "name": partner.name,
            "active": partner.active,
            "notice": None if partner.active else gettext(DISABLED_NOTICE),
        }
    return response, 200, {"Cache-Control": "no-store"}


@bp.get("/campaigns/<slug>/targets")
@limits.lookup
def targets(slug: str):
    """Who a writer at a postcode may write to in the campaign: their MP and
    its targets there. A campaign without targets answers `"targets": null`
    (its letters go to the MP alone)."""
    refusal = partner_refusal()
    if refusal:
        return refusal
    try:
        campaign = get_public_campaign(slug)
    except CampaignNotFound:
        return json_error(404, "not_found", gettext("There is no such campaign."))
    try:
        postcode, seat, _ = resolve_seat(
            request.args.get("postcode", ""), request.args.get("constituency") or None
        )
    except PostcodeError as exc:
        return json_error(exc.status, exc.code, exc.explanation)
    except (ChoiceRequired, WrongConstituency) as exc:
        return json_error(400, "choose_constituency", str(exc))
    offer = offer_for(campaign.id, postcode, seat.gss_code, mp_vacant=seat.mp.vacant)
    body = {"postcode": postcode, **seat_json(seat), "targets": None}
    if offer is not None:
        body.update({
            "targets": [target_json(value, target, offer.variant_of(target))
                        for value, target in offer.choices()],
            "mp_choice": offer.mp, "choice": offer.choice, "most": offer.most,
            "ticked": offer.ticked_at_first(),
        })  # fmt: skip
    return body, 200, {"Cache-Control": "no-store"}


def target_json(value: str, target, variant) -> dict:
    """A target, and the campaign's variant for it (its own subject and
    opening, or null): a writer is shown what each will get."""
    return {
        "value": value, "name": target.name, "role": target.role, "body": target.body,
        "by_post": not target.emailable,
        "variant": {"subject": variant.subject or None, "opening": variant.opening or None}
        if variant else None,
    }  # fmt: skip


def recipients(campaign_id: int, draft, ticked: list[str] | None) -> Chosen:
    """Who a letter sent through the API goes to: the MP alone in a campaign
    without targets; else the values in `ticked`, held to its rules. Absent
    (a client from before targets, whose reader saw no one else): the MP
    alone, never people the writer was not shown their address would go to.
    Raises TargetProblem. A postcode that places no seat is left for the
    letter's own checks to explain."""
    if not has_targets(campaign_id):
        return Chosen(to_mp=True, targets=())
    try:
        postcode, seat, _ = resolve_seat(draft.postcode, draft.constituency)
    except (PostcodeError, ChoiceRequired, WrongConstituency):
        return Chosen(to_mp=True, targets=())
    offer = offer_for(campaign_id, postcode, seat.gss_code, mp_vacant=seat.mp.vacant)
    if offer is None:
        return Chosen(to_mp=True, targets=())
    if offer.nobody:
        raise TargetProblem(gettext("This campaign has no one for you to write to"))
    if ticked is None:
        if offer.mp == MPChoice.NEVER:
            raise TargetProblem(gettext("Choose who to write to."))
        return Chosen(to_mp=True, targets=())
    return choose(offer, ticked)


def _attribution(payload: dict) -> Attribution:
    """Credit the partner, and remember the embedding page if it is really theirs."""
    partner = request_partner()
    if partner is None:
        return Attribution(source=Source.DIRECT, ip_hash=hashed_ip())
    page = payload.get("page_url") if isinstance(payload.get("page_url"), str) else None
    return Attribution(
        source=Source.WIDGET,
        partner_id=partner.id,
        embed_url=safe_return_url(partner, page[:500] if page else None),
        ip_hash=hashed_ip(),
    )


def campaign_closed():
    return json_error(409, "campaign_closed", gettext("This campaign is not taking letters."))


def invalid(fields: dict[str, str], **extra):
    return json_error(
        400, "invalid", gettext("Please correct the highlighted fields."), fields=fields, **extra
    )


@bp.post("/campaigns/<slug>/messages")
@limits.submit
def submit(slug: str):
    if not request.is_json:
        return json_error(
            415, "unsupported_media_type", gettext("Send a JSON body (application/json).")
        )
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return json_error(400, "invalid_json", gettext("The body must be a JSON object."))
    refusal = partner_refusal()
    if refusal:
        return refusal
    try:
        campaign = open_campaign_rules(slug)
    except CampaignNotFound:
        return json_error(404, "not_found", gettext("There is no such campaign."))
    except CampaignNotOpen:
        return campaign_closed()

    form = letter_form_from_json(payload)
    if not form.validate():
        return invalid(first_errors(form))
    try:
        ticket = read_form_ticket(payload.get("form_ticket"))
    except StaleForm:
        return invalid({"form_ticket": gettext("This form has expired. Please reload the page.")})
    draft = form.to_draft()
    ticked = payload.get("targets")
    if ticked is not None and not (
        isinstance(ticked, list) and all(isinstance(value, str) for value in ticked)
    ):
        return invalid({"targets": gettext("targets is a list of the targets' values.")})
    try:
        chosen = recipients(campaign.id, draft, ticked)
    except TargetProblem as problem:
        return invalid({"targets": str(problem)})
    try:
        sent = send_letter(
            campaign, draft, ticket,
            honeypot=payload.get("website"),
            attribution=_attribution(payload),
            subscribe=form.alerts.data,
            by_post=False,  # the widget has no page to print from
            to_mp=chosen.to_mp, target_ids=[target.id for target in chosen.targets],
        )  # fmt: skip
    except LetterProblem as problem:
        extra = {}
        if problem.choose is not None:
            extra["choices"] = [seat_json(seat) for seat in problem.choose.seats]
        return invalid(problem.fields, **extra)
    except MPUnreachable as exc:
        return json_error(422, "mp_unreachable", str(exc))  # the seat's unreachable_reason()
    if sent == Sent.TOO_FAST:  # the widget gets a fresh ticket and shows the letter again
        return invalid({"form_ticket": gettext(SEND_AGAIN)})
    if sent == Sent.CLOSED:  # closed since it was read
        return campaign_closed()
    if sent == Sent.FORM_ALREADY_SENT:
        return json_error(409, "form_already_sent", gettext(FORM_ALREADY_SENT))
    # Stored, sent before, or a robot's (success-shaped; nothing stored).
    return ACCEPTED, 202
