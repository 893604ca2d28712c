"""Who a writer may write to: their MP and the campaign's targets for their postcode.

A campaign with no `CampaignTargets` writes to the MP alone, and nothing
here is asked. Otherwise a postcode's targets are the current rows of the
campaign's lists serving one of its areas (constituency, country, county,
council, ward: app/reference/areas.py; its Senedd constituency:
app/reference/senedd.py) or none (national targets), less
the campaign's exclusions.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import or_, select, tuple_
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.i18n import gettext, ngettext
from app.reference.areas import AreaType, areas_of
from app.reference.postcodes import compact
from app.reference.senedd import senedd_of
from app.targets.campaigns import Variant, has_targets
from app.targets.models import (
    CampaignTargets,
    Choice,
    MPChoice,
    Target,
)

MP_VALUE = "mp"  # the MP's tick box


@dataclass(frozen=True)
class Offer:
    """A writer's choices in a campaign with targets."""

    mp: str  # an MPChoice
    choice: str  # a Choice
    most: int  # 0: no limit
    preselected: bool
    targets: tuple[Target, ...]
    # The campaign's variant for each target marked a supporter or an
    # opponent, by tick value: what its email says differently.
    variants: dict[str, Variant] = field(default_factory=dict)

    def variant_of(self, target: Target) -> Variant | None:
        return self.variants.get(tick_value(target))

    @property
    def mp_tickable(self) -> bool:
        return self.mp == MPChoice.OFFERED and self.choice != Choice.ALL

    @property
    def nobody(self) -> bool:
        """No one to write to: no targets here, and the campaign does not write to MPs."""
        return not self.targets and self.mp == MPChoice.NEVER

    def choices(self) -> list[tuple[str, Target]]:
        """Each target's tick box value, with the target."""
        return [(tick_value(target), target) for target in self.targets]

    def ticked_at_first(self) -> list[str]:
        """The boxes ticked when the page opens."""
        if not self.preselected or self.choice == Choice.ONE:
            return []
        return [*([MP_VALUE] if self.mp_tickable else []), *(tick_value(t) for t in self.targets)]


@dataclass(frozen=True)
class Chosen:
    to_mp: bool
    targets: tuple[Target, ...]
    variants: dict[str, Variant] = field(default_factory=dict)  # as Offer's

    def variant_of(self, target: Target) -> Variant | None:
        return self.variants.get(tick_value(target))


class TargetProblem(Exception):
    """The writer's choice breaks the campaign's rule; says which, for people."""


def tick_value(target: Target) -> str:
    """A target's tick box: its list and reference, which outlive a new
    version of the list loaded while the page was open."""
    return f"{target.list_id}:{target.ref}"


def settings_of(campaign_id: int) -> CampaignTargets | None:
    return db.session.scalar(
        select(CampaignTargets)
        .where(CampaignTargets.campaign_id == campaign_id)
        .options(
            selectinload(CampaignTargets.lists),
            selectinload(CampaignTargets.excluded),
            selectinload(CampaignTargets.stances),
            selectinload(CampaignTargets.variants),
        )
    )


def offer_for(
    campaign_id: int, postcode: str, constituency_gss: str, *, mp_vacant: bool = False
) -> Offer | None:
    """The writer's targets at `postcode` (in `constituency_gss`); None for a
    campaign that writes to MPs only. A vacant seat's MP is not offered (a
    campaign that always writes to the MP refuses the letter, as before)."""
    if not has_targets(campaign_id):  # most campaigns: no query
        return None
    settings = settings_of(campaign_id)
    if settings is None:
        return None
    codes = {constituency_gss, *areas_of(postcode).codes.values()}
    senedd = senedd_of(constituency_gss)
    if senedd is not None:
        codes.add(senedd)
    mp = settings.mp
    if mp_vacant and mp == MPChoice.OFFERED:
        mp = MPChoice.NEVER
    targets = tuple(_targets(settings, codes, f"{campaign_id}:{compact(postcode)}"))
    return Offer(
        mp=mp,
        choice=settings.choice,
        most=settings.most,
        preselected=settings.preselected,
        targets=targets,
        variants=_variants(settings, targets),
    )


def _variants(settings: CampaignTargets, targets: Iterable[Target]) -> dict[str, Variant]:
    if not settings.stances or not settings.variants:
        return {}
    by_stance = {v.stance: Variant(v.stance, v.subject, v.opening) for v in settings.variants}
    stance_of = {(entry.list_id, entry.ref): entry.stance for entry in settings.stances}
    found = {}
    for target in targets:
        variant = by_stance.get(stance_of.get((target.list_id, target.ref), ""))
        if variant is not None:
            found[tick_value(target)] = variant
    return found


def _targets(settings: CampaignTargets, codes: Iterable[str], seed: str) -> list[Target]:
    list_ids = [entry.list_id for entry in settings.lists]
    if not list_ids:
        return []
    excluded = [(entry.list_id, entry.ref) for entry in settings.excluded]
    query = select(Target).where(
        Target.list_id.in_(list_ids),
        Target.retired_at.is_(None),
        or_(Target.area_code.in_(list(codes)), Target.area_type == AreaType.NONE),
        # An address that bounced: offered by post, or not at all without one.
        or_(Target.bounced_at.is_(None), Target.postal_address.is_not(None)),
    )
    if excluded:
        query = query.where(~tuple_(Target.list_id, Target.ref).in_(excluded))
    # Local first (ward, council, county...), then national; by name within.
    order = {kind: i for i, kind in enumerate(
        (AreaType.WARD, AreaType.COUNCIL, AreaType.COUNTY, AreaType.CONSTITUENCY,
         AreaType.SENEDD, AreaType.COUNTRY, AreaType.NONE)
    )}  # fmt: skip
    found = list(db.session.scalars(query))
    national = [t for t in found if t.area_type == AreaType.NONE]
    if 0 < settings.offer_at_random < len(national):
        # The same draw for the same postcode each time (the page, its
        # preview and the letter sent agree); another postcode, another draw.
        national.sort(key=lambda t: t.id)
        draw = random.Random(seed)  # noqa: S311  (a fair spread of peers, not a secret)
        drawn = set(draw.sample(national, settings.offer_at_random))
        found = [t for t in found if t.area_type != AreaType.NONE or t in drawn]
    return sorted(found, key=lambda t: (order.get(AreaType(t.area_type), 9), t.body, t.name))


def choose(offer: Offer, ticked: Iterable[str]) -> Chosen:
    """What the writer ticked, held to the campaign's rule. Raises TargetProblem."""
    if offer.choice == Choice.ALL:
        return Chosen(offer.mp != MPChoice.NEVER, offer.targets, offer.variants)
    ticks = set(ticked)
    targets = tuple(t for t in offer.targets if tick_value(t) in ticks)
    to_mp = offer.mp == MPChoice.ALWAYS or (offer.mp_tickable and MP_VALUE in ticks)
    tickable = len(targets) + (1 if offer.mp_tickable and to_mp else 0)
    if offer.choice == Choice.ONE and tickable != 1:
        raise TargetProblem(gettext("Choose one person to write to."))
    if not to_mp and not targets:
        raise TargetProblem(gettext("Choose at least one person to write to."))
    recipients = len(targets) + (1 if to_mp else 0)
    if offer.most and recipients > offer.most:
        raise TargetProblem(
            ngettext(
                "Choose at most %(num)d person to write to.",
                "Choose at most %(num)d people to write to.",
                offer.most,
            )
        )
    return Chosen(to_mp, targets, offer.variants)
