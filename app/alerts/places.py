"""Where subscribers live, in the areas targets serve: their postcode's
council, county and ward (app/reference/areas.py), kept on the subscriber so
an alert's segment "whose councillor has not heard" is one SQL condition.

A subscriber is placed when their postcode is stored, and the worker's job
places any not yet placed (those from before this was kept, or stored while
the reference data had no areas) a batch at a time.
"""

from __future__ import annotations

from sqlalchemy import select

from app.alerts.models import Subscriber
from app.db import utcnow, write_transaction
from app.extensions import db
from app.reference.areas import AreaType, areas_loaded, areas_of

BATCH = 2000  # subscribers placed per run of the job, at most


def place(subscriber: Subscriber) -> None:
    """Look up the subscriber's areas from their postcode (in the caller's
    transaction); left unplaced while the loaded data has no areas."""
    if not subscriber.postcode:
        subscriber.council_code = subscriber.county_code = subscriber.ward_code = None
        subscriber.placed_at = None
        return
    if not areas_loaded():
        subscriber.placed_at = None  # the job places them once the data has areas
        return
    codes = areas_of(subscriber.postcode).codes
    subscriber.council_code = codes.get(AreaType.COUNCIL)
    subscriber.county_code = codes.get(AreaType.COUNTY)
    subscriber.ward_code = codes.get(AreaType.WARD)
    subscriber.placed_at = utcnow()


def place_unplaced() -> int:
    """The worker's job: place up to BATCH subscribers not placed yet; how many."""
    to_place = select(Subscriber.id).where(
        Subscriber.placed_at.is_(None), Subscriber.postcode.is_not(None)
    )
    found = db.session.scalar(to_place.limit(1))
    db.session.rollback()  # end the read: the usual case takes no write lock
    # Asked first: the areas (megabytes) are loaded only when someone needs them.
    if found is None or not areas_loaded():
        return 0
    with write_transaction() as session:
        subscribers = session.scalars(
            select(Subscriber).where(Subscriber.id.in_(to_place.order_by(Subscriber.id)
                                                       .limit(BATCH)))
        ).all()  # fmt: skip
        for subscriber in subscribers:
            place(subscriber)
    return len(subscribers)
