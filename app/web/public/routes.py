"""The microsite: campaign page -> postcode -> MP -> compose -> preview -> confirm -> share."""

from __future__ import annotations

from dataclasses import replace

from flask import (
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from app.alerts.subscribers import CONSENT_WORDING, record_consent, subscribed
from app.campaigns.finding import list_public_campaigns, thank_you_html
from app.campaigns.languages import in_language
from app.campaigns.models import Campaign
from app.campaigns.share_image import share_image_png
from app.db import utcnow
from app.i18n import gettext
from app.letters.models import LetterStatus
from app.letters.share_codes import personal_link
from app.letters.submission import (
    FORM_ALREADY_SENT,
    LetterProblem,
    LinkExpired,
    LinkInvalid,
    MPUnreachable,
    check_letter,
    confirm_letter,
    finished_body,
    letter_for_token,
)
from app.letters.suggested import names_another_seat, readdressed, suggested_letter
from app.parliament import dissolution
from app.partners.registry import safe_return_url
from app.reference.postcodes import NoMPForArea, PostcodeError
from app.reference.representatives import (
    ChoiceRequired,
    Choose,
    Found,
    Seat,
    WrongConstituency,
    look_up,
    resolve_seat,
    seat_by_constituency_id,
    seat_by_gss,
)
from app.reports.momentum import momentum
from app.sharing.links import read_ref, share_buttons
from app.targets import placing
from app.targets.campaigns import has_targets
from app.targets.models import MPChoice
from app.targets.placing import Chosen, Offer, TargetProblem, offer_for
from app.text import normalise_email
from app.web import limits
from app.web.abuse import (
    StaleForm,
    issue_form_ticket,
    read_form_ticket,
)
from app.web.client import hashed_ip
from app.web.csrf import csrf, refuse_cross_site
from app.web.forms import LetterForm, SubscribeForm, first_errors
from app.web.public import bp, campaign_or_404
from app.web.security import private_page
from app.web.sending import Sent, send_letter


@bp.get("/")
def home():
    return render_template(
        "campaigns/home.html",
        campaigns=[in_language(c) for c in list_public_campaigns()],
    )


@bp.get("/c/<slug>")
def campaign(slug: str):
    return campaign_page(campaign_or_404(slug))


def campaign_page(campaign: Campaign, postcode_error: str | None = None) -> str:
    """The campaign's page: its postcode box (with the error, if any), its
    momentum and the alerts sign-up."""
    return render_template(
        "campaigns/campaign.html",
        campaign=campaign,
        postcode=request.args.get("postcode", ""),
        postcode_error=postcode_error,
        ref=request.args.get("ref", ""),
        signup=SubscribeForm(formdata=None),
        consent_wording=gettext(CONSENT_WORDING),
        momentum=momentum(campaign.id, campaign.goal_letters),
    )


@bp.get("/c/<slug>/write")
@limits.lookup
def write(slug: str):
    """Find the MP for a postcode and show the letter to edit (or why not)."""
    campaign = campaign_or_404(slug)
    if not campaign.is_live:
        return render_template("campaigns/closed.html", campaign=campaign)
    postcode = request.args.get("postcode", "")
    try:
        result = look_up(postcode)
    except NoMPForArea as exc:
        return render_template(
            "reference/no_mp.html", campaign=campaign, explanation=exc.explanation
        ), 404
    except PostcodeError as exc:
        return campaign_page(campaign, postcode_error=exc.explanation), exc.status
    seat = _chosen_seat(result, request.args.get("constituency"))
    if seat is None:
        # Sent from the chooser with nothing (or nothing valid) chosen: say so
        # on the page, rather than leave it to the browser's own bubble.
        problem = gettext("Choose your constituency") if request.args.get("choosing") else None
        page = render_template(
            "reference/choose.html", campaign=campaign, choose=result, problem=problem
        )
        return page, 400 if problem else 200
    offer = offer_for(campaign.id, result.postcode, seat.gss_code, mp_vacant=seat.mp.vacant)
    if seat.mp.vacant and (offer is None or offer.mp == MPChoice.ALWAYS):
        return render_template("reference/unreachable.html", campaign=campaign, seat=seat)
    if offer is not None and offer.nobody:
        return render_template("letters/no_targets.html", campaign=campaign, seat=seat)
    subject, body = suggested_letter(campaign, seat)
    form = LetterForm(
        formdata=None,
        data={
            "postcode": result.postcode,
            "constituency": seat.gss_code if isinstance(result, Choose) else "",
            "subject": subject,
            "body": body,
            "form_ticket": issue_form_ticket(),
            "ref": request.args.get("ref", ""),
            "composed_for": seat.gss_code,
            "targets": offer.ticked_at_first() if offer else [],
        },
    )
    return render_template(
        "letters/compose.html", campaign=campaign, form=form, seat=seat, offer=offer
    )


def _chosen_seat(result: Found | Choose, chosen_gss: str | None) -> Seat | None:
    if isinstance(result, Found):
        return result.seat
    return next((s for s in result.seats if s.gss_code == chosen_gss), None)


@bp.post("/c/<slug>/write")
@csrf.exempt  # the form checks its own CSRF token, so a failure keeps the letter
@limits.submit
def write_post(slug: str):
    """Preview, edit or send the letter."""
    refuse_cross_site()  # exempt from the global check, not from this one
    campaign = campaign_or_404(slug)
    if not campaign.is_live:
        return render_template("campaigns/closed.html", campaign=campaign)
    form = LetterForm()
    action = request.form.get("action", "preview")
    valid = form.validate()  # (validate() resets errors, so it goes first)
    stale = _refresh_ticket_if_stale(form)
    if not valid or stale:
        return _compose_again(campaign, form, status=422)
    draft = form.to_draft()
    targeted = has_targets(campaign.id)  # the MP may not be written to: checked below
    try:
        postcode, seat, _ = check_letter(campaign, draft, by_post=True, to_mp=not targeted)
    except LetterProblem as problem:
        for field, explanation in problem.fields.items():
            getattr(form, field).errors = [explanation]
        return _compose_again(campaign, form, status=422, choose=problem.choose)
    except MPUnreachable as exc:
        return render_template("reference/unreachable.html", campaign=campaign, seat=exc.seat)
    offer, chosen = None, Chosen(to_mp=True, targets=())
    if targeted:
        offer = offer_for(campaign.id, postcode, seat.gss_code, mp_vacant=seat.mp.vacant)
        if offer is None or offer.nobody:
            return render_template("letters/no_targets.html", campaign=campaign, seat=seat)
        try:
            chosen = placing.choose(offer, form.targets.data or [])
        except TargetProblem as problem:
            form.targets.errors = [str(problem)]
            return _compose_again(campaign, form, status=422, seat=seat, offer=offer)
        if chosen.to_mp and seat.mp.vacant:
            return render_template("reference/unreachable.html", campaign=campaign, seat=seat)

    earlier = seat_by_gss(form.composed_for.data) if form.composed_for.data else None
    if earlier is not None and action == "readdress":
        form.subject.data = readdressed(form.subject.data or "", earlier, seat)
        form.body.data = readdressed(form.body.data or "", earlier, seat)
        form.composed_for.data = seat.gss_code
        return _compose_again(campaign, form, seat=seat, offer=offer)
    if names_another_seat(f"{form.subject.data}\n{form.body.data}", earlier, seat):
        assert earlier is not None  # (names_another_seat says so)
        form.body.errors = [gettext(
            "Your letter names %(old_mp)s or %(old_place)s, but the postcode %(postcode)s is in "
            "%(place)s: your letter goes to %(mp)s. Change the names, or the postcode.",
            old_mp=earlier.mp.name, old_place=earlier.local_name, postcode=form.postcode.data,
            place=seat.local_name, mp=seat.mp.name,
        )]  # fmt: skip
        return _compose_again(campaign, form, status=422, seat=seat, readdress=earlier, offer=offer)
    form.composed_for.data = seat.gss_code
    if action == "edit":
        return _compose_again(campaign, form, seat=seat, offer=offer)
    if action != "send":
        body = finished_body(draft, seat)
        return render_template(
            "letters/preview.html", campaign=campaign, form=form, seat=seat, body=body,
            now=utcnow(), chosen=chosen,
        )  # fmt: skip

    try:
        sent = send_letter(
            campaign, draft, read_form_ticket(form.form_ticket.data),
            honeypot=form.website.data,
            attribution=replace(read_ref(form.ref.data), ip_hash=hashed_ip()),
            subscribe=form.alerts.data,
            by_post=True,  # to an MP we cannot email: printed and posted by its writer
            to_mp=chosen.to_mp, target_ids=[target.id for target in chosen.targets],
        )  # fmt: skip
    except LetterProblem as problem:  # the House of Lords' rule, checked once, on sending
        for field, explanation in problem.fields.items():
            getattr(form, field).errors = [explanation]
        return _compose_again(campaign, form, status=422, seat=seat, offer=offer)
    if sent == Sent.TOO_FAST:
        form.form_ticket.data = issue_form_ticket()
        return render_template(
            "letters/preview.html", campaign=campaign, form=form, seat=seat,
            body=finished_body(draft, seat), now=utcnow(), send_again=True, chosen=chosen,
        )  # fmt: skip
    if sent == Sent.CLOSED:  # closed since the page was read
        return render_template("campaigns/closed.html", campaign=campaign)
    if sent == Sent.FORM_ALREADY_SENT:
        # Sent before with another address, the first probably mistyped: a
        # new ticket, so sending the corrected letter stores it.
        form.form_ticket.data = issue_form_ticket()
        form.email.errors = [gettext(FORM_ALREADY_SENT)]
        return _compose_again(campaign, form, status=409, seat=seat, offer=offer)
    # Stored, sent before, or a robot's: the same answer, so a robot learns nothing.
    return redirect(_check_email_url(slug, seat, chosen.to_mp), code=303)


def _check_email_url(slug: str, seat: Seat, to_mp: bool) -> str:
    """Where a sent letter's writer is told to check their email: a letter
    to an MP we cannot email is printed and posted, and the page says so."""
    by_post = to_mp and not seat.can_email
    return url_for("public.check_email", slug=slug, by="post" if by_post else None)


def _refresh_ticket_if_stale(form: LetterForm) -> bool:
    """A form open for over a day gets a new ticket and asks to be sent again."""
    try:
        read_form_ticket(form.form_ticket.data)
        return False
    except StaleForm:
        form.form_ticket.data = issue_form_ticket()
        form.form_ticket.errors = [
            gettext(
                "This page was open for a long time. "
                "Please check your letter and press the button again."
            )
        ]
        return True


def _compose_again(
    campaign: Campaign,
    form: LetterForm,
    *,
    status: int = 200,
    seat=None,
    choose=None,
    readdress: Seat | None = None,
    offer: Offer | None = None,
):
    """The compose page with what was typed, its errors, and the MP (and the
    campaign's other targets there) if the postcode allows."""
    if seat is None and choose is None:
        try:
            postcode, seat, _ = resolve_seat(
                form.postcode.data or "", form.constituency.data or None
            )
            offer = offer_for(campaign.id, postcode, seat.gss_code, mp_vacant=seat.mp.vacant)
        except (PostcodeError, ChoiceRequired, WrongConstituency):
            seat = None  # the postcode's own error is already on the form
    page = render_template(
        "letters/compose.html",
        campaign=campaign,
        form=form,
        seat=seat,
        choose=choose,
        readdress=readdress,
        errors=first_errors(form),
        offer=offer,
    )
    return page, status


@bp.get("/c/<slug>/check-email")
def check_email(slug: str):
    return render_template(
        "letters/check_email.html",
        campaign=campaign_or_404(slug),
        by_post=request.args.get("by") == "post",
    )


def _message_or_error_page(token: str):
    try:
        return letter_for_token(token), None
    except LinkExpired:
        return None, (render_template("letters/link_expired.html"), 410)
    except LinkInvalid:
        return None, (render_template("letters/link_invalid.html"), 404)


@bp.get("/confirm/<token>")
def confirm(token: str):
    letter, error = _message_or_error_page(token)
    if error:
        return private_page(make_response(*error))
    if letter.status != LetterStatus.PENDING:
        return redirect(url_for("public.thanks", token=token))
    return private_page(make_response(render_template("letters/confirm.html", letter=letter)))


@bp.post("/confirm/<token>")
@limits.confirm
def confirm_post(token: str):
    try:
        limits.spend_per_mp(letter_for_token(token).mp_id)
        confirm_letter(token)
    except LinkExpired:
        return private_page(make_response(render_template("letters/link_expired.html"), 410))
    except LinkInvalid:
        return private_page(make_response(render_template("letters/link_invalid.html"), 404))
    return redirect(url_for("public.thanks", token=token), code=303)


@bp.route("/new-mp/<token>", methods=["GET", "POST"])
@limits.confirm
def reconfirm(token: str):
    """A letter kept through a dissolution: its writer sends it to the new MP
    (the button, a POST), or leaves it."""
    letter = dissolution.waiting_letter(token)
    if letter is None:
        return private_page(make_response(render_template("letters/link_invalid.html"), 404))
    seat = seat_by_constituency_id(letter.constituency_id)
    problem = None
    if request.method == "POST" and request.form.get("action") == "withdraw":
        dissolution.withdraw(letter.id)
        page = render_template("letters/withdrawn.html", letter=letter)
        return private_page(make_response(page))
    if request.method == "POST":
        try:
            letter = dissolution.send_to_new_mp(letter.id)
        except dissolution.NoMPYet as exc:
            problem = str(exc)
        else:
            page = render_template("letters/reconfirmed.html", letter=letter)
            return private_page(make_response(page))
    page = render_template("letters/reconfirm.html", letter=letter, seat=seat, problem=problem)
    return private_page(make_response(page, 409 if problem else 200))


@bp.get("/confirm/<token>/thanks")
def thanks(token: str):
    letter, error = _message_or_error_page(token)
    if error:
        return private_page(make_response(*error))
    if letter.status == LetterStatus.PENDING:
        return redirect(url_for("public.confirm", token=token))
    return private_page(make_response(_share_page(letter, token)))


def _share_page(letter, token: str, form: SubscribeForm | None = None):
    campaign = in_language(letter.campaign)
    return render_template(
        "letters/thanks.html",
        letter=letter,
        campaign=campaign,
        share_url=personal_link(letter, "copy"),
        links=share_buttons(letter),
        form=form or SubscribeForm(formdata=None, data={"email": letter.sender_email}),
        errors=first_errors(form) if form else {},
        consent_wording=gettext(CONSENT_WORDING),
        already_subscribed=subscribed(letter.sender_email),
        token=token,
        intro=thank_you_html(campaign),
        return_url=safe_return_url(letter.partner, letter.embed_url),
    )


@bp.post("/confirm/<token>/subscribe")
@limits.subscribe
def subscribe_after_sending(token: str):
    letter, error = _message_or_error_page(token)
    if error:
        return private_page(make_response(*error))
    form = SubscribeForm()
    if not form.validate():
        return private_page(make_response(_share_page(letter, token, form), 422))
    email = form.email.data or ""  # validated, so not empty
    same_address = normalise_email(email) == letter.sender_email_key
    if not form.website.data:
        # The link proved this address; for any other address the usual
        # double opt-in applies.
        record_consent(
            email,
            source="share",
            wording=gettext(CONSENT_WORDING),
            campaign_id=letter.campaign_id,
            postcode=letter.postcode if same_address else None,
            constituency_id=letter.constituency_id if same_address else None,
            verified=same_address,
        )
    if same_address:
        flash(gettext("Thank you: you're signed up for campaign alerts."), "success")
    else:
        flash(
            gettext("Thank you: please check that inbox for a link to confirm your alerts."),
            "success",
        )
    return redirect(url_for("public.thanks", token=token, _anchor="subscribe"), code=303)


@bp.get("/c/<slug>/share.png")
def share_image(slug: str):
    campaign = campaign_or_404(slug)
    english = in_language(campaign, "en")  # one card: its address has no language
    png = share_image_png(english, current_app.config["SITE_NAME"])
    response = make_response(png)
    response.headers["Content-Type"] = "image/png"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
