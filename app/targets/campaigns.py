"""A campaign's targets: whether it writes to MPs, which lists, how many a
writer picks, and who it never writes to. Set by an admin (the campaign's
Targets page, or `flask targets campaign`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, select

from app.db import write_transaction
from app.extensions import db
from app.targets.models import (
    CampaignTargetList,
    CampaignTargets,
    Choice,
    MPChoice,
    Target,
    TargetExclusion,
    TargetList,
)

MOST_RECIPIENTS = 20  # a letter's recipients at most, the MP included: one page of ticks


class TargetsError(Exception):
    """The settings were refused; says why, for the admin."""


@dataclass(frozen=True)
class Settings:
    mp: str = MPChoice.ALWAYS
    choice: str = Choice.SOME
    most: int = 0
    preselected: bool = True
    offer_at_random: int = 0
    lists: tuple[str, ...] = ()  # target lists' slugs
    excluded: tuple[str, ...] = field(default=())  # "list-slug:ref"


def set_targets(campaign_id: int, settings: Settings) -> None:
    """Store the campaign's targets, replacing any before. Raises TargetsError."""
    if settings.mp not in MPChoice.__members__.values():
        raise TargetsError(f"mp is one of {', '.join(MPChoice)}")
    if settings.choice not in Choice.__members__.values():
        raise TargetsError(f"choice is one of {', '.join(Choice)}")
    if not 0 <= settings.most <= MOST_RECIPIENTS:
        raise TargetsError(f"at most is between 0 (no limit) and {MOST_RECIPIENTS}")
    if not 0 <= settings.offer_at_random <= 100:
        raise TargetsError("offer at random is between 0 (all) and 100")
    if settings.mp == MPChoice.NEVER and not settings.lists:
        raise TargetsError("a campaign that does not write to MPs needs a target list")
    with write_transaction() as session:
        by_slug = {
            t.slug: t
            for t in session.scalars(select(TargetList).where(TargetList.slug.in_(settings.lists)))
        }
        unknown = [slug for slug in settings.lists if slug not in by_slug]
        if unknown:
            raise TargetsError(f"no target list called {', '.join(unknown)}")
        excluded = [_exclusion(session, entry, by_slug) for entry in settings.excluded]
        session.execute(delete(TargetExclusion).where(TargetExclusion.campaign_id == campaign_id))
        session.execute(
            delete(CampaignTargetList).where(CampaignTargetList.campaign_id == campaign_id)
        )
        row = session.get(CampaignTargets, campaign_id) or CampaignTargets(campaign_id=campaign_id)
        row.mp, row.choice, row.most = settings.mp, settings.choice, settings.most
        row.preselected, row.offer_at_random = settings.preselected, settings.offer_at_random
        session.add(row)
        session.flush()
        session.add_all(
            CampaignTargetList(campaign_id=campaign_id, list_id=by_slug[slug].id)
            for slug in dict.fromkeys(settings.lists)
        )
        session.add_all(
            TargetExclusion(campaign_id=campaign_id, list_id=list_id, ref=ref)
            for list_id, ref in dict.fromkeys(excluded)
        )


def _exclusion(session, entry: str, by_slug: dict[str, TargetList]) -> tuple[int, str]:
    slug, _, ref = entry.strip().partition(":")
    target_list = by_slug.get(slug)
    if target_list is None or not ref:
        raise TargetsError(f"{entry!r}: an exclusion is a chosen list's name, a colon and a ref")
    known = session.scalar(
        select(Target.id).where(Target.list_id == target_list.id, Target.ref == ref).limit(1)
    )
    if known is None:
        raise TargetsError(f"{entry!r}: {slug} has no target with ref {ref!r}")
    return target_list.id, ref


def clear_targets(campaign_id: int) -> None:
    """Back to writing to each writer's MP alone."""
    with write_transaction() as session:
        session.execute(delete(TargetExclusion).where(TargetExclusion.campaign_id == campaign_id))
        session.execute(
            delete(CampaignTargetList).where(CampaignTargetList.campaign_id == campaign_id)
        )
        session.execute(delete(CampaignTargets).where(CampaignTargets.campaign_id == campaign_id))


def settings_for(campaign_id: int) -> Settings | None:
    """The campaign's settings, as `set_targets` takes them; None: MPs only."""
    row = db.session.get(CampaignTargets, campaign_id)
    if row is None:
        return None
    slugs = {
        list_id: slug
        for list_id, slug in db.session.execute(select(TargetList.id, TargetList.slug))
    }
    return Settings(
        mp=row.mp, choice=row.choice, most=row.most, preselected=row.preselected,
        offer_at_random=row.offer_at_random,
        lists=tuple(slugs[entry.list_id] for entry in row.lists),
        excluded=tuple(f"{slugs[entry.list_id]}:{entry.ref}" for entry in row.excluded),
    )  # fmt: skip
