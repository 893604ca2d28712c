"""A campaign's targets: whether it writes to MPs, which lists, how many a
writer picks, who it never writes to, and what its letters say differently
to supporters and opponents. Set by an admin (the campaign's Targets page,
or `flask targets campaign`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, select

from app.db import write_transaction
from app.extensions import db
from app.reference.cache import bump_reference_version, cached, check_now
from app.targets.models import (
    CampaignTargetList,
    CampaignTargets,
    Choice,
    MPChoice,
    Stance,
    Target,
    TargetExclusion,
    TargetList,
    TargetStance,
    TargetVariant,
)
from app.text import is_single_line

MOST_RECIPIENTS = 20  # a letter's recipients at most, the MP included: one page of ticks


class TargetsError(Exception):
    """The settings were refused; says why, for the admin, and which setting."""

    def __init__(self, message: str, setting: str = "lists"):
        super().__init__(message)
        self.setting = setting  # a Settings field's name


@dataclass(frozen=True)
class Settings:
    mp: str = MPChoice.ALWAYS
    choice: str = Choice.SOME
    most: int = 0
    preselected: bool = True
    offer_at_random: int = 0
    lists: tuple[str, ...] = ()  # target lists' slugs
    excluded: tuple[str, ...] = field(default=())  # "list-slug:ref"
    supporters: tuple[str, ...] = ()  # "list-slug:ref"
    opponents: tuple[str, ...] = ()
    variants: tuple[Variant, ...] = ()  # at most one a stance


@dataclass(frozen=True)
class Variant:
    """What letters say differently to one stance's targets."""

    stance: str  # a Stance
    subject: str = ""  # empty: the writer's own subject
    opening: str = ""  # empty: none; else a paragraph before the writer's words

    @property
    def empty(self) -> bool:
        return not self.subject and not self.opening


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
        excluded = [_list_ref(session, entry, by_slug) for entry in settings.excluded]
        stances = {
            _list_ref(session, entry, by_slug, setting="supporters"): Stance.SUPPORTER
            for entry in settings.supporters
        }
        for entry in settings.opponents:
            marked = _list_ref(session, entry, by_slug, setting="opponents")
            if stances.get(marked) == Stance.SUPPORTER:
                raise TargetsError(
                    f"{entry!r} is marked both a supporter and an opponent", "opponents"
                )
            stances[marked] = Stance.OPPONENT
        variants = _variants(settings.variants)
        _delete_settings(session, campaign_id, keep_row=True)
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
        session.add_all(
            TargetStance(campaign_id=campaign_id, list_id=list_id, ref=ref, stance=stance)
            for (list_id, ref), stance in stances.items()
        )
        session.add_all(
            TargetVariant(campaign_id=campaign_id, stance=v.stance, subject=v.subject,
                          opening=v.opening)
            for v in variants
        )  # fmt: skip
        bump_reference_version(session)  # every process's has_targets copy is rebuilt
    check_now()  # this process's copies: at once


SUBJECT_LONGEST, OPENING_LONGEST = 200, 1000


def _variants(variants: tuple[Variant, ...]) -> list[Variant]:
    kept: dict[str, Variant] = {}
    for variant in variants:
        if variant.stance not in Stance.__members__.values():
            raise TargetsError(f"a variant's stance is one of {', '.join(Stance)}", "variants")
        if variant.stance in kept:
            raise TargetsError(f"one variant for {variant.stance}s", "variants")
        clean = Variant(variant.stance, variant.subject.strip(), variant.opening.strip())
        if len(clean.subject) > SUBJECT_LONGEST or not is_single_line(clean.subject):
            raise TargetsError(
                f"a subject is one line of at most {SUBJECT_LONGEST} characters", "variants"
            )
        if len(clean.opening) > OPENING_LONGEST:
            raise TargetsError(f"an opening is at most {OPENING_LONGEST} characters", "variants")
        if not clean.empty:
            kept[variant.stance] = clean
    return list(kept.values())


def _delete_settings(session, campaign_id: int, *, keep_row: bool) -> None:
    for table in (TargetExclusion, TargetStance, TargetVariant, CampaignTargetList):
        session.execute(delete(table).where(table.campaign_id == campaign_id))
    if not keep_row:
        session.execute(delete(CampaignTargets).where(CampaignTargets.campaign_id == campaign_id))


def _list_ref(
    session, entry: str, by_slug: dict[str, TargetList], *, setting: str = "excluded"
) -> tuple[int, str]:
    """A "list:ref" line, as (list id, ref): the list must be one the
    campaign writes to, and the ref one of its targets."""
    slug, _, ref = entry.strip().partition(":")
    target_list = by_slug.get(slug)
    if target_list is None or not ref:
        raise TargetsError(f"{entry!r}: write a chosen list's name, a colon and a ref", setting)
    known = session.scalar(
        select(Target.id).where(Target.list_id == target_list.id, Target.ref == ref).limit(1)
    )
    if known is None:
        raise TargetsError(f"{entry!r}: {slug} has no target with ref {ref!r}", setting)
    return target_list.id, ref


def clear_targets(campaign_id: int) -> None:
    """Back to writing to each writer's MP alone."""
    with write_transaction() as session:
        _delete_settings(session, campaign_id, keep_row=False)
        bump_reference_version(session)  # every process's has_targets copy is rebuilt
    check_now()  # this process's copies: at once


def has_targets(campaign_id: int) -> bool:
    """Whether the campaign writes to more than each writer's MP. Asked on
    every letter submitted, so answered from this process's copy of the
    campaigns with targets, rebuilt when the reference version moves, as
    changing a campaign's targets makes it."""
    return campaign_id in cached("campaigns_with_targets", _campaigns_with_targets).get()


def _campaigns_with_targets(_previous, _version) -> frozenset[int]:
    return frozenset(db.session.scalars(select(CampaignTargets.campaign_id)))


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
        supporters=_marked(row, Stance.SUPPORTER, slugs),
        opponents=_marked(row, Stance.OPPONENT, slugs),
        variants=tuple(Variant(v.stance, v.subject, v.opening)
                       for v in sorted(row.variants, key=lambda v: v.stance, reverse=True)),
    )  # fmt: skip


def _marked(row: CampaignTargets, stance: str, slugs: dict[int, str]) -> tuple[str, ...]:
    return tuple(
        sorted(f"{slugs[entry.list_id]}:{entry.ref}" for entry in row.stances
               if entry.stance == stance)
    )  # fmt: skip
