"""Where subscribers live, in the areas targets serve: their postcode's
council, county and ward (app/reference/areas.py), kept on the subscriber so
an alert's segment "whose councillor has not heard" is one SQL condition.

A subscriber is placed when their postcode is stored, and keeps the time of
the `data load` that placed them (`placed_with`). The worker's job places,
a batch at a time, any not placed yet (stored while the data had no areas)
and any placed with older data: wards and boundaries change with each
Code-Point release, and a process may place someone with the data it held
for a few seconds after a load.
"""

from __future__ import annotations

from sqlalchemy import or_, select

from app.alerts.models import Subscriber
from app.db import write_transaction
from app.extensions import db
from app.reference.areas import AreaType, areas_with_load, loaded_areas_load, newest_load

BATCH = 2000  # subscribers placed per run of the job, at most


def place(subscriber: Subscriber) -> None:
    """Look up the subscriber's areas from their postcode (in the caller's
    transaction); left unplaced while the loaded data has no areas."""
    placing = areas_with_load(subscriber.postcode) if subscriber.postcode else None
    if placing is None:
        if not subscriber.postcode:
            subscriber.council_code = subscriber.county_code = subscriber.ward_code = None
        subscriber.placed_with = None  # the job places them once the data has areas
        return
    areas, load = placing
    subscriber.council_code = areas.codes.get(AreaType.COUNCIL)
    subscriber.county_code = areas.codes.get(AreaType.COUNTY)
    subscriber.ward_code = areas.codes.get(AreaType.WARD)
    subscriber.placed_with = load


def place_unplaced() -> int:
    """The worker's job: place up to BATCH subscribers not placed yet, or
    placed with older data than the database's; how many."""
    newest = newest_load()
    if newest is None:  # the data places no postcode in areas
        return 0
    unplaced, older = Subscriber.placed_with.is_(None), Subscriber.placed_with < newest
    to_place = select(Subscriber.id).where(Subscriber.postcode.is_not(None), or_(unplaced, older))
    # Asked one at a time, each an index search: the OR of the two is a
    # scan of every subscriber, and the usual answer is "none".
    found = any(
        db.session.scalar(select(Subscriber.id).where(Subscriber.postcode.is_not(None), which)
                          .limit(1)) is not None
        for which in (unplaced, older)
    )  # fmt: skip
    db.session.rollback()  # end the read: the usual case takes no write lock
    # Asked first: the areas (megabytes) are loaded only when someone needs
    # them. A process still holding the data from before a load waits for
    # its copy to refresh, rather than placing anyone with the old data.
    if not found or loaded_areas_load() != newest:
        return 0
    with write_transaction() as session:
        subscribers = session.scalars(
            select(Subscriber).where(Subscriber.id.in_(to_place.order_by(Subscriber.id)
                                                       .limit(BATCH)))
        ).all()  # fmt: skip
        for subscriber in subscribers:
            place(subscriber)
    return len(subscribers)
