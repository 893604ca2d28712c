"""The reference data loaded before gunicorn forks its workers (gunicorn.conf.py).

Each worker then starts with the postcode snapshot and the areas in memory,
shared with the others copy-on-write, instead of reading them on its first
request: the areas alone (14 MB for Great Britain) made a worker's first
letter to a campaign with targets take ~0.3-0.5 s under load
(docs/performance.md).
"""

from __future__ import annotations

from app.extensions import db
from app.reference.areas import areas_loaded
from app.reference.representatives import NotLoaded, reference_cache


def warm_up(app) -> bool:
    """Load the snapshot and the areas, then drop the parent's connections.

    Returns False (and leaves loading to the first request) if no data is loaded yet.
    """
    with app.app_context():
        try:
            reference_cache().get()
            areas_loaded()  # loads them, where the data has them
            return True
        except NotLoaded:
            return False
        finally:
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()
