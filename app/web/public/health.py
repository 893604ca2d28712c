"""Health for load balancers and monitoring: /healthz (the process answers)
and /readyz (it can serve: database, reference data, rate-limit store)."""

from __future__ import annotations

from flask import jsonify

from app.db import database_reachable
from app.extensions import rate_store
from app.outbox.health import mail_health
from app.reference.representatives import reference_loaded
from app.web.public import bp


@bp.get("/healthz")
def healthz():
    """The process is up and answering; checks nothing else, so it stays cheap."""
    return jsonify(status="ok"), 200, {"Cache-Control": "no-store"}


@bp.get("/readyz")
def readyz():
    """Ready to serve: 200 when every check passes, 503 naming the failing ones.
    The workers' state is reported, not required: a web host can serve while
    the mail waits."""
    checks = {
        "database": database_reachable(),
        "reference_data": False,
        "rate_limits": rate_store.reachable(),
    }
    if checks["database"]:
        checks["reference_data"] = reference_loaded()
    body: dict = {"status": "ok" if all(checks.values()) else "unavailable", "checks": checks}
    if checks["database"]:
        mail = mail_health()
        body["workers"] = {
            "waiting": mail.waiting,
            "last_seen": mail.last_seen.isoformat() if mail.last_seen else None,
            "silent": mail.no_worker,
        }
    return jsonify(body), 200 if all(checks.values()) else 503, {"Cache-Control": "no-store"}
