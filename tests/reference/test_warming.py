"""The reference data loaded before gunicorn forks its workers."""

from __future__ import annotations

from app.reference.areas import AreaType, areas_of
from app.reference.representatives import find_mp
from app.reference.warming import warm_up
from tests.builders.outbox import statements_run


def test_workers_start_with_the_snapshot_and_the_areas_in_memory(make_app):
    app = make_app(REFERENCE_REFRESH_SECONDS=3600)  # as in production
    assert warm_up(app)
    with app.app_context(), statements_run() as statements:
        assert find_mp("TE1 1AA").seat.gss_code == "E14001063"
        assert areas_of("TE1 1AA").codes[AreaType.WARD] == "E05999901"
    assert statements == []  # nothing read on a worker's first request
