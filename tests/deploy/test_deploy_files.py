"""The files in deploy/: systemd units that systemd accepts, and Prometheus
rules that name only metrics the site exposes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.builders.settings import ROOT
from tests.web.test_metrics import AUTH, TOKEN

DEPLOY = ROOT / "deploy"
INSTALLED_AT = "/srv/write-to-your-mp"


@pytest.mark.parametrize("unit", sorted(p.name for p in DEPLOY.glob("*.service")))
def test_systemd_accepts_the_unit(unit, tmp_path):
    if shutil.which("systemd-analyze") is None:
        if os.environ.get("CI"):
            pytest.fail("systemd-analyze is missing")
        pytest.skip("systemd-analyze is not installed")
    # Installed as the unit expects: the project at INSTALLED_AT with its .venv.
    install = tmp_path / "srv"
    (install / ".venv" / "bin").mkdir(parents=True)
    for command in ("gunicorn", "flask"):
        (install / ".venv" / "bin" / command).symlink_to(Path(sys.executable).parent / command)
    text = (DEPLOY / unit).read_text().replace(INSTALLED_AT, str(install))
    (tmp_path / unit).write_text(text)
    done = subprocess.run(
        ["systemd-analyze", "verify", str(tmp_path / unit)], capture_output=True, text=True
    )
    complaints = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        # This machine has no such account; the host it is installed on does.
        if line.strip() and "writetoyourmp" not in line
    ]
    assert complaints == []


def test_the_units_share_one_metrics_directory():
    for unit in DEPLOY.glob("*.service"):
        text = unit.read_text()
        assert "Environment=PROMETHEUS_MULTIPROC_DIR=/run/write-to-your-mp/metrics" in text
        assert "RuntimeDirectoryPreserve=yes" in text


def test_every_alert_rule_names_metrics_the_site_exposes(make_app):
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    expressions = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    assert {rule["alert"] for group in rules["groups"] for rule in group["rules"]} >= {
        "MailWaitingNothingSent",
        "NoWorkerSeen",
    }
    named = {name for expr in expressions for name in re.findall(r"\bwtym_\w+", expr)}
    app = make_app(METRICS_TOKEN=TOKEN)
    with app.app_context():
        text = app.test_client().get("/metrics", headers=AUTH).get_data(as_text=True)
    # Every family is described (# HELP) even before it has a sample.
    described = set(re.findall(r"^# HELP (wtym_\w+)", text, re.MULTILINE))
    histograms = {name + "_bucket" for name in described}
    assert named <= described | histograms, named - described - histograms
