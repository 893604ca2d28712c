"""The MPs' side: did your MP reply (the page each link in the question
email opens, and the public table of how responsive MPs are), and an MP's
office choosing how it receives a campaign's letters."""

from __future__ import annotations

from flask import abort, make_response, render_template, request

from app.campaigns.languages import in_language
from app.campaigns.models import Campaign
from app.extensions import db
from app.i18n import gettext
from app.letters.models import Recipient
from app.letters.submission import LetterProblem
from app.offices import targets
from app.offices.digests import change_for, digest_on, office_for, send_change_link, switch
from app.reference.models import MP
from app.replies.follow_up import follow_up_draft, send_follow_up
from app.replies.models import Answer
from app.replies.questionnaire import (
    asked_about,
    people_asked_about,
    question_for,
    record_answer,
)
from app.replies.responsiveness import legend, rate_fill, responsiveness
from app.reports.hexmap import HexMap, hexmap
from app.targets.models import Target
from app.web.public import bp, campaign_or_404
from app.web.security import private_page

FIRST_TIME = {"yes": True, "no": False}


def _question_or_404(token: str):
    """The question a did-you-get-a-reply link asks; 404 once its letter is erased."""
    question = question_for(token)
    if question is None or question.letter.erased_at is not None:
        abort(404)
    return question


@bp.route("/replied/<token>", methods=["GET", "POST"])
def did_reply(token: str):
    """GET shows the question with the answer from the link chosen; only the
    button (a POST) records it, so a mail scanner following links answers
    nothing. A letter with other recipients asks about each one."""
    question = _question_or_404(token)
    letter = question.letter
    people = _asked(letter)
    errors: dict[str, str] = {}
    saved = False
    if request.method == "POST":  # the form's answers, never the link's (still in the URL)
        chosen = {field: request.form.get(field, "") for field, _ in people}
        errors = {field: gettext("Choose an answer.") for field, value in chosen.items()
                  if value not in ANSWERS}  # fmt: skip
        if not errors:
            first_time = FIRST_TIME.get(request.form.get("first_time", ""))
            record_answer(
                question.id, Answer(chosen[MP_FIELD]) if letter.to_mp else None, first_time,
                {recipient.id: Answer(chosen[field]) for field, recipient in people if recipient},
            )  # fmt: skip
            saved = True
    else:
        from_link = request.args.get("answer") or ""
        chosen = {field: (recipient.answer if recipient else question.answer) or from_link
                  for field, recipient in people}  # fmt: skip
    offer = follow_up_draft(question) if saved else None
    page = render_template(
        "replies/did_reply.html", question=question, letter=letter, people=people,
        chosen=chosen, errors=errors, saved=saved, offer=offer, token=token,
        asked_about=people_asked_about(letter),
    )  # fmt: skip
    return private_page(make_response(page, 422 if errors else 200))


MP_FIELD = "answer"
ANSWERS = {a.value for a in Answer}


def _asked(letter) -> list[tuple[str, Recipient | None]]:
    """Each question on the page: its field, and the recipient it asks about
    (None: the MP)."""
    mp = [(MP_FIELD, None)] if letter.to_mp else []
    return mp + [(f"answer-{r.id}", r) for r in asked_about(letter)]


@bp.route("/replied/<token>/follow-up", methods=["GET", "POST"])
def follow_up(token: str):
    """The campaign's follow-up letter, to edit and send to the MP who did not reply."""
    question = _question_or_404(token)
    draft = follow_up_draft(question)
    if draft is None:
        abort(404)  # no template, no "no" answer, or already followed up
    subject, body = draft
    errors: dict[str, str] = {}
    if request.method == "POST":
        subject, body = request.form.get("subject", ""), request.form.get("body", "")
        try:
            letter = send_follow_up(question, subject, body)
        except LetterProblem as problem:
            errors = problem.fields
        else:
            page = render_template("replies/followed_up.html", letter=letter)
            return private_page(make_response(page))
    page = render_template("replies/follow_up.html", letter=question.letter, subject=subject,
                           body=body, errors=errors)  # fmt: skip
    return private_page(make_response(page, 422 if errors else 200))


@bp.get("/c/<slug>/replies")
def campaign_replies(slug: str):
    campaign = campaign_or_404(slug)
    figures = responsiveness(campaign.id)
    drawn = hexmap()
    return render_template(
        "replies/campaign.html", campaign=campaign, figures=figures,
        hexmap=drawn, hexes=_shaded(drawn, figures) if drawn else [], legend=legend(),
    )  # fmt: skip


def _shaded(drawn: HexMap, figures) -> list[dict]:
    """Each constituency's hexagon, filled by its MP's reply rate (when shown)."""
    by_gss = {row.gss_code: row for row in figures.mps}
    hexes = []
    for h in drawn.hexes:
        row = by_gss.get(h.gss_code)
        fill = rate_fill(row.rate if row else None)
        if row is None:
            label = gettext("%(place)s: no letters delivered", place=h.name)
        elif row.rate is None:
            label = gettext("%(place)s (%(mp)s): %(num)s answers, fewer than needed",
                            place=h.name, mp=row.name, num=row.answered)  # fmt: skip
        else:
            share = f"{row.rate:.0%}"
            label = gettext("%(place)s (%(mp)s): %(share)s of %(num)s writers say so",
                            place=h.name, mp=row.name, share=share, num=row.answered)  # fmt: skip
        hexes.append({"points": h.points, "fill": fill, "label": label})
    return hexes


@bp.route("/office/<token>", methods=["GET", "POST"])
def office(token: str):
    """The link in a letter to an MP's office: how this campaign's letters
    arrive, and a button (a POST) that emails the office's own address a
    link to change it. Offices reply quoting letters, so this link may be in
    anyone's hands: it changes nothing by itself."""
    found = office_for(token)
    mp, campaign = _office_or_404(found[:2] if found else None)
    sent = request.method == "POST"
    if sent and found:
        send_change_link(mp, campaign.id, letter_id=found[2])
    page = render_template("offices/choice.html", mp=mp, campaign=campaign,
                           daily=digest_on(mp.id, campaign.id), sent=sent)  # fmt: skip
    return private_page(make_response(page))


@bp.route("/office/change/<token>", methods=["GET", "POST"])
def office_change(token: str):
    """The link emailed to the office's own address: its buttons switch."""
    mp, campaign = _office_or_404(change_for(token))
    saved = request.method == "POST" and request.form.get("daily") in ("yes", "no")
    if saved:
        switch(mp.id, campaign.id, daily=request.form["daily"] == "yes")
    page = render_template("offices/change.html", mp=mp, campaign=campaign,
                           daily=digest_on(mp.id, campaign.id), saved=saved)  # fmt: skip
    return private_page(make_response(page))


@bp.route("/office/target/<token>", methods=["GET", "POST"])
def target_office(token: str):
    """The link in a letter to a target's office (a councillor, a minister's
    office): as an MP's office's, for the target it went to."""
    found = targets.office_for(token)
    target, campaign = _target_office_or_404(found[:2] if found else None)
    sent = request.method == "POST"
    if sent and found:
        targets.send_change_link(target, campaign.id, recipient_id=found[2])
    page = render_template("offices/choice.html", target=target, campaign=campaign,
                           daily=targets.digest_on(target.id, campaign.id), sent=sent)  # fmt: skip
    return private_page(make_response(page))


@bp.route("/office/target/change/<token>", methods=["GET", "POST"])
def target_office_change(token: str):
    """The link emailed to the target's own address: its buttons switch."""
    target, campaign = _target_office_or_404(targets.change_for(token))
    saved = request.method == "POST" and request.form.get("daily") in ("yes", "no")
    if saved:
        targets.switch(target, campaign.id, daily=request.form["daily"] == "yes")
    daily = targets.digest_on(target.id, campaign.id)
    page = render_template("offices/change.html", target=target, campaign=campaign,
                           daily=daily, saved=saved)  # fmt: skip
    return private_page(make_response(page))


def _target_office_or_404(found: tuple[int, int] | None) -> tuple[Target, Campaign]:
    target = db.session.get(Target, found[0]) if found else None
    found_campaign = db.session.get(Campaign, found[1]) if found else None
    if target is None or found_campaign is None:
        abort(404)
    return target, in_language(found_campaign)


def _office_or_404(found: tuple[int, int] | None) -> tuple[MP, Campaign]:
    mp = db.session.get(MP, found[0]) if found else None
    found_campaign = db.session.get(Campaign, found[1]) if found else None
    if mp is None or found_campaign is None:
        abort(404)
    return mp, in_language(found_campaign)
