"""deploy/prometheus/: a scrape job that matches what gunicorn serves, and
alert rules that pass their own unit tests (promtool, from Debian's
prometheus package)."""

from __future__ import annotations

import os
import runpy
import shutil
import subprocess

import pytest
import yaml

from tests.builders.settings import ROOT
from tests.web.test_metrics import TOKEN

PROMETHEUS = ROOT / "deploy" / "prometheus"


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("promtool is missing: .ci/run installs Debian's prometheus package")
        pytest.skip("promtool is not installed (apt-get install prometheus)")
    return found


def scrape_job() -> dict:
    (job,) = yaml.safe_load((PROMETHEUS / "scrape.yml").read_text())["scrape_configs"]
    return job


def test_the_scrape_job_asks_gunicorn_for_metrics_as_the_app_answers_them(make_app, monkeypatch):
    job = scrape_job()
    # gunicorn serves plain http, on the port of its default address.
    monkeypatch.delenv("BIND", raising=False)
    bind = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["bind"]
    port = bind.rsplit(":", 1)[1]
    assert job["scheme"] == "http"
    targets = [target for group in job["static_configs"] for target in group["targets"]]
    assert targets
    assert {target.rsplit(":", 1)[1] for target in targets} == {port}
    # The app answers that path, with the token sent as Prometheus sends it.
    assert job["authorization"]["type"] == "Bearer"
    assert job["authorization"]["credentials_file"].startswith("/etc/")
    app = make_app(METRICS_TOKEN=TOKEN)
    with app.app_context():
        client = app.test_client()
        answer = client.get(job["metrics_path"], headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 200
        assert answer.headers["Content-Type"].startswith("text/plain; version=")
        assert client.get(job["metrics_path"]).status_code == 401


def test_prometheus_accepts_the_scrape_job(tmp_path):
    token = tmp_path / "token"
    token.write_text(TOKEN + "\n")
    text = (PROMETHEUS / "scrape.yml").read_text()
    installed = text.replace(scrape_job()["authorization"]["credentials_file"], str(token))
    (tmp_path / "prometheus.yml").write_text(installed)
    done = subprocess.run(
        [promtool(), "check", "config", str(tmp_path / "prometheus.yml")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_alert_rules_pass_their_unit_tests():
    """alerts_test.yml: no bounce or complaint alert in an hour (or a day)
    with no sends, and each rate alert fires on a real rate."""
    done = subprocess.run(
        [promtool(), "test", "rules", "alerts_test.yml"],
        capture_output=True,
        text=True,
        cwd=PROMETHEUS,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_the_rate_alerts_are_tested_where_a_quiet_hour_could_fire_them():
    tests = yaml.safe_load((PROMETHEUS / "alerts_test.yml").read_text())["tests"]
    quiet = {
        case["alertname"]
        for test in tests
        for case in test["alert_rule_test"]
        if case["exp_alerts"] == []
    }
    firing = {
        case["alertname"]
        for test in tests
        for case in test["alert_rule_test"]
        if case["exp_alerts"]
    }
    assert {"BounceRateHigh", "ComplaintRateHigh"} <= quiet
    assert {"BounceRateHigh", "ComplaintRateHigh", "EmailsFailing"} <= firing
