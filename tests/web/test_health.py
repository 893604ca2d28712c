"""/healthz and /readyz, for load balancers and monitoring."""

from __future__ import annotations

import shutil

from app import create_app
from tests.builders.settings import base_config


def test_healthz_answers_without_checking_anything(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_ready_with_database_reference_data_and_store(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["checks"] == {"database": True, "reference_data": True, "rate_limits": True}
    assert body["workers"]["waiting"] == 0


def test_readyz_names_an_unreachable_rate_limit_store(make_app):
    app = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0")  # nothing listens there
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["rate_limits"] is False


def test_readyz_names_reference_data_not_loaded(sqlite_template, tmp_path):
    path = tmp_path / "empty.db"
    shutil.copy(sqlite_template, path)  # the schema, and no data loaded
    app = create_app(base_config(f"sqlite:///{path}"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["database"] is True
    assert checks["reference_data"] is False


def test_readyz_names_a_database_out_of_reach():
    app = create_app(base_config("postgresql://postgres@127.0.0.1:9/nowhere"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] is False
