"""Which of a campaign's local targets (app/targets/) have heard from a
writer, by area: the alert segment "whose councillor has not heard".

A target has heard once one letter reached it in the campaign (by its list
and reference, so through new versions of the list). An area is unheard
while any of the campaign's targets serving it has not.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, tuple_

from app.extensions import db
from app.letters.models import Letter, Recipient, RecipientStatus
from app.reference.areas import AreaType
from app.reference.senedd import senedd_constituencies
from app.targets.models import CampaignTargetList, Target, TargetExclusion


@dataclass(frozen=True)
class Unheard:
    """GSS codes of the areas served by a target that has not heard yet."""

    wards: tuple[str, ...] = ()
    councils: tuple[str, ...] = ()
    counties: tuple[str, ...] = ()
    constituencies: tuple[str, ...] = ()  # Westminster, a Senedd seat's two included


def unheard_areas(campaign_id: int) -> Unheard:
    lists = select(CampaignTargetList.list_id).where(CampaignTargetList.campaign_id == campaign_id)
    excluded = select(TargetExclusion.list_id, TargetExclusion.ref).where(
        TargetExclusion.campaign_id == campaign_id
    )
    reached = (
        select(Target.list_id, Target.ref)
        .join(Recipient, Recipient.target_id == Target.id)
        .join(Letter, Letter.id == Recipient.letter_id)
        .where(Letter.campaign_id == campaign_id, Recipient.status == RecipientStatus.SENT)
    )
    rows = db.session.execute(
        select(Target.area_type, Target.area_code).distinct().where(
            Target.list_id.in_(lists),
            Target.retired_at.is_(None),
            Target.area_type != AreaType.COUNTRY,
            Target.area_code.is_not(None),
            tuple_(Target.list_id, Target.ref).not_in(reached),
            tuple_(Target.list_id, Target.ref).not_in(excluded),
        )
    ).all()  # fmt: skip
    by_type: dict[str, set[str]] = {}
    for area_type, code in rows:
        if code:  # a country-wide target serves everyone there: not counted, as a national one
            by_type.setdefault(area_type, set()).add(code)
    seats = set(by_type.get(AreaType.CONSTITUENCY, ()))
    senedd = senedd_constituencies()
    for slug in by_type.get(AreaType.SENEDD, ()):
        seats.update(senedd[slug].westminster if slug in senedd else ())
    return Unheard(
        wards=tuple(sorted(by_type.get(AreaType.WARD, ()))),
        councils=tuple(sorted(by_type.get(AreaType.COUNCIL, ()))),
        counties=tuple(sorted(by_type.get(AreaType.COUNTY, ()))),
        constituencies=tuple(sorted(seats)),
    )
