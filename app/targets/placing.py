"""Who a writer may write to: their MP and the campaign's targets for their postcode.

A campaign with no `CampaignTargets` writes to the MP alone, and nothing
here is asked. Otherwise a postcode's targets are the current rows of the
campaign's lists serving one of its areas (constituency, country, county,
council, ward: app/reference/areas.py; its Senedd constituency:
app/reference/senedd.py) or none (national targets), less
the campaign's exclusions.

Each process keeps a copy of what each campaign may offer anyone (its
settings and its targets, by area): read afresh for every letter it was
seven queries, and most of a letter's CPU (9,747 µs a letter in-process,
1,368 with the copy: docs/performance.md).
The copy is rebuilt when the reference version moves, as setting a
campaign's targets, loading a list and a target's address bouncing make
it: within REFERENCE_REFRESH_SECONDS in every process, at once in the one
that made the change. The letter's INSERT reads each target's row as it
is then (app/letters/storage.py), and a House of Lords limit is checked
against the database again when the letter is confirmed.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.i18n import gettext, ngettext
from app.reference.areas import AreaType, areas_of
from app.reference.cache import cached
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


@dataclass(frozen=True, slots=True)
class OfferedTarget:
    """A target as offered: a copy of its row (app/targets/models.py)."""

    id: int
    list_id: int
    ref: str
    name: str
    role: str
    body: str
    email: str | None
    postal_address: str | None
    area_type: str  # an AreaType
    area_code: str | None
    bounced_at: datetime | None

    @property
    def emailable(self) -> bool:
        """Whether letters to it go by email (else its writers post them)."""
        return bool(self.email) and self.bounced_at is None

    @classmethod
    def of(cls, row: Target) -> OfferedTarget:
        return cls(
            row.id, row.list_id, row.ref, row.name, row.role, row.body, row.email,
            row.postal_address, row.area_type, row.area_code, row.bounced_at,
        )  # fmt: skip


@dataclass(frozen=True)
class Offer:
    """A writer's choices in a campaign with targets."""

    mp: str  # an MPChoice
    choice: str  # a Choice
    most: int  # 0: no limit
    preselected: bool
    targets: tuple[OfferedTarget, ...]
    # The campaign's variant for each target marked a supporter or an
    # opponent, by tick value: what its email says differently.
    variants: dict[str, Variant] = field(default_factory=dict)

    def variant_of(self, target: OfferedTarget) -> Variant | None:
        return self.variants.get(tick_value(target))

    @property
    def mp_tickable(self) -> bool:
        return self.mp == MPChoice.OFFERED and self.choice != Choice.ALL

    @property
    def nobody(self) -> bool:
        """No one to write to: no targets here, and the campaign does not write to MPs."""
        return not self.targets and self.mp == MPChoice.NEVER

    def choices(self) -> list[tuple[str, OfferedTarget]]:
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
    targets: tuple[OfferedTarget, ...]
    variants: dict[str, Variant] = field(default_factory=dict)  # as Offer's

    def variant_of(self, target: OfferedTarget) -> Variant | None:
        return self.variants.get(tick_value(target))


class TargetProblem(Exception):
    """The writer's choice breaks the campaign's rule; says which, for people."""


def tick_value(target: OfferedTarget | Target) -> str:
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
    offering = _offering(campaign_id)
    if offering is None:
        return None
    codes = {constituency_gss, *areas_of(postcode).codes.values()}
    senedd = senedd_of(constituency_gss)
    if senedd is not None:
        codes.add(senedd)
    mp = offering.mp
    if mp_vacant and mp == MPChoice.OFFERED:
        mp = MPChoice.NEVER
    targets = offering.targets_in(codes, f"{campaign_id}:{compact(postcode)}")
    ticks = {tick_value(target) for target in targets}
    return Offer(
        mp=mp,
        choice=offering.choice,
        most=offering.most,
        preselected=offering.preselected,
        targets=targets,
        variants={tick: v for tick, v in offering.variants.items() if tick in ticks},
    )


# Local first (ward, council, county...), then national; by name within.
_ORDER = {kind: i for i, kind in enumerate(
    (AreaType.WARD, AreaType.COUNCIL, AreaType.COUNTY, AreaType.CONSTITUENCY,
     AreaType.SENEDD, AreaType.COUNTRY, AreaType.NONE)
)}  # fmt: skip


@dataclass(frozen=True)
class _Offering:
    """What a campaign may offer anyone: its settings, and its lists'
    current targets (less its exclusions, and those whose address bounced
    with no postal address to post to), local ones by area code."""

    mp: str
    choice: str
    most: int
    preselected: bool
    offer_at_random: int
    local: dict[str, tuple[OfferedTarget, ...]]
    national: tuple[OfferedTarget, ...]  # by id
    variants: dict[str, Variant]  # by tick value, for each target marked

    def targets_in(self, codes: Iterable[str], seed: str) -> tuple[OfferedTarget, ...]:
        found = [target for code in codes for target in self.local.get(code, ())]
        national = self.national
        if 0 < self.offer_at_random < len(national):
            # The same draw for the same postcode each time (the page, its
            # preview and the letter sent agree); another postcode, another draw.
            draw = random.Random(seed)  # noqa: S311  (a fair spread of peers, not a secret)
            national = tuple(draw.sample(national, self.offer_at_random))
        found += national
        return tuple(sorted(found, key=lambda t: (_ORDER.get(AreaType(t.area_type), 9),
                                                   t.body, t.name)))  # fmt: skip


def _offering(campaign_id: int) -> _Offering | None:
    """This process's copy of what the campaign offers; None without targets."""
    offerings = cached("target_offerings", _no_offerings).get()
    if campaign_id not in offerings:
        offerings[campaign_id] = _read_offering(campaign_id)
    return offerings[campaign_id]


def _no_offerings(_previous, _version) -> dict[int, _Offering | None]:
    return {}  # each campaign's is read when it is first asked for


def _read_offering(campaign_id: int) -> _Offering | None:
    settings = settings_of(campaign_id)
    if settings is None:
        return None
    list_ids = [entry.list_id for entry in settings.lists]
    excluded = {(entry.list_id, entry.ref) for entry in settings.excluded}
    rows = db.session.scalars(
        select(Target)
        .where(
            Target.list_id.in_(list_ids),
            Target.retired_at.is_(None),
            # An address that bounced: offered by post, or not at all without one.
            or_(Target.bounced_at.is_(None), Target.postal_address.is_not(None)),
        )
        .order_by(Target.id)
    ) if list_ids else ()  # fmt: skip
    targets = [OfferedTarget.of(row) for row in rows if (row.list_id, row.ref) not in excluded]
    local: dict[str, list[OfferedTarget]] = {}
    for target in targets:
        if target.area_type != AreaType.NONE and target.area_code:
            local.setdefault(target.area_code, []).append(target)
    return _Offering(
        mp=settings.mp,
        choice=settings.choice,
        most=settings.most,
        preselected=settings.preselected,
        offer_at_random=settings.offer_at_random,
        local={code: tuple(found) for code, found in local.items()},
        national=tuple(t for t in targets if t.area_type == AreaType.NONE),
        variants=_variants(settings, targets),
    )


def _variants(settings: CampaignTargets, targets: Iterable[OfferedTarget]) -> dict[str, Variant]:
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
