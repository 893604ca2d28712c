"""Targets besides MPs: the lists admins load, and who each campaign writes to
(app/targets/, docs/targets.md)."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from app.accounts import audit
from app.campaigns.models import Campaign
from app.db import write_transaction
from app.extensions import db
from app.targets.campaigns import (
    Settings,
    TargetsError,
    Variant,
    clear_targets,
    set_targets,
    settings_for,
)
from app.targets.lists import BadList, Problem, all_lists, current_targets, load_list
from app.targets.models import HOUSE_OF_LORDS, Stance, TargetList
from app.web.admin import bp
from app.web.admin.forms import CampaignTargetsForm, TargetListForm, choices
from app.web.forms import first_errors

MOST_BYTES = 20 * 1024 * 1024  # a list of every councillor in the UK is a few megabytes


@bp.route("/targets", methods=["GET", "POST"])
def target_lists():
    """Every list, and the form that loads one (a new list, or a new version)."""
    form = TargetListForm()
    problems: list = []
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(MOST_BYTES + 1) if upload else b""
        try:
            if not data:
                raise BadList([_problem("choose a CSV file")])
            if len(data) > MOST_BYTES:
                raise BadList([_problem("the file is larger than 20 MB")])
            text = data.decode("utf-8-sig")
            loaded = load_list(
                form.slug.data or "", text, name=form.name.data or "",
                source=form.source.data or "", actor=f"admin {g.admin.id}",
                most_identical=HOUSE_OF_LORDS if form.house_of_lords.data else None,
            )  # fmt: skip
        except UnicodeDecodeError:
            problems = [_problem("the file is not UTF-8 text: save it as CSV UTF-8")]
        except BadList as refused:
            problems = refused.problems
        else:
            target_list = loaded.target_list
            with write_transaction():
                audit.record(g.admin, "targets.loaded", "target_list", target_list.id,
                             f"version {target_list.version}: {loaded.added} targets")  # fmt: skip
            flash(f"{target_list.name}: version {target_list.version}, {loaded.added} targets"
                  f" ({loaded.retired} of the last version retired).", "success")  # fmt: skip
            return redirect(url_for("admin.target_list", slug=target_list.slug), code=303)
    page = render_template(
        "admin/targets.html", lists=all_lists(), form=form, problems=problems,
        errors=first_errors(form) or ({"file": "The file was not loaded."} if problems else {}),
    )  # fmt: skip
    return page, 422 if problems or form.errors else 200


def _problem(message: str) -> Problem:
    return Problem(0, message)


@bp.get("/targets/<slug>")
def target_list(slug: str):
    found = db.session.scalar(select(TargetList).where(TargetList.slug == slug))
    if found is None:
        abort(404)
    return render_template(
        "admin/target_list.html", target_list=found, targets=current_targets(found.id)
    )


@bp.route("/campaigns/<int:campaign_id>/targets", methods=["GET", "POST"])
def campaign_targets(campaign_id: int):
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    current = settings_for(campaign.id)
    form = CampaignTargetsForm(data=_form_data(current) if request.method == "GET" else None)
    form.lists.choices = choices((t.slug, f"{t.name} ({t.target_count} targets)")
                                 for t in all_lists())  # fmt: skip
    if form.validate_on_submit():
        settings = Settings(
            mp=form.mp.data or "always", choice=form.choice.data or "some",
            most=form.most.data or 0, preselected=bool(form.preselected.data),
            offer_at_random=form.offer_at_random.data or 0, lists=tuple(form.lists.data or ()),
            excluded=_lines(form.excluded), supporters=_lines(form.supporters),
            opponents=_lines(form.opponents),
            variants=(
                Variant(Stance.SUPPORTER, form.supporter_subject.data or "",
                        form.supporter_opening.data or ""),
                Variant(Stance.OPPONENT, form.opponent_subject.data or "",
                        form.opponent_opening.data or ""),
            ),
        )  # fmt: skip
        try:
            set_targets(campaign.id, settings)
        except TargetsError as exc:
            field = exc.setting if exc.setting in ("excluded", "supporters", "opponents") else (
                "supporter_opening" if exc.setting == "variants" else "lists")  # fmt: skip
            form[field].errors = [str(exc)]
        else:
            lists = ", ".join(settings.lists) or "-"
            with write_transaction():
                audit.record(g.admin, "targets.campaign_set", "campaign", campaign.id,
                             f"mp {settings.mp}; lists {lists}")  # fmt: skip
            flash("Saved: writers see these targets from now on.", "success")
            return redirect(url_for("admin.campaign_targets", campaign_id=campaign.id), code=303)
    page = render_template(
        "admin/campaign_targets.html", campaign=campaign, form=form, current=current,
        errors=first_errors(form),
    )  # fmt: skip
    return page, 422 if form.errors else 200


@bp.post("/campaigns/<int:campaign_id>/targets/clear")
def campaign_targets_clear(campaign_id: int):
    """Back to each writer's MP alone (the page's CSRF check is the app's own)."""
    if db.session.get(Campaign, campaign_id) is None:
        abort(404)
    clear_targets(campaign_id)
    with write_transaction():
        audit.record(g.admin, "targets.campaign_cleared", "campaign", campaign_id)
    flash("The campaign writes to each writer's MP alone.", "success")
    return redirect(url_for("admin.campaign_targets", campaign_id=campaign_id), code=303)


def _form_data(current: Settings | None) -> dict:
    if current is None:
        return {}
    return {
        "mp": current.mp, "choice": current.choice, "most": current.most,
        "preselected": current.preselected, "offer_at_random": current.offer_at_random,
        "lists": list(current.lists), "excluded": "\n".join(current.excluded),
        "supporters": "\n".join(current.supporters), "opponents": "\n".join(current.opponents),
        **{f"{v.stance}_{part}": getattr(v, part) for v in current.variants
           for part in ("subject", "opening")},
    }  # fmt: skip


def _lines(field) -> tuple[str, ...]:
    return tuple(line.strip() for line in (field.data or "").splitlines() if line.strip())
