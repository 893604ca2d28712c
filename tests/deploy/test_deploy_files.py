"""The files in deploy/: systemd units that systemd accepts and rates well
sandboxed, and Prometheus rules that name only metrics the site exposes."""

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
UNITS = sorted(p.name for p in DEPLOY.glob("*.service"))
# systemd-analyze security's exposure: 0 the safest, 10 the most exposed.
MOST_EXPOSURE = 3.0


def systemd_analyze(*args: str) -> str:
    if shutil.which("systemd-analyze") is None:
        if os.environ.get("CI"):
            pytest.fail("systemd-analyze is missing")
        pytest.skip("systemd-analyze is not installed")
    done = subprocess.run(["systemd-analyze", *args], capture_output=True, text=True)
    return done.stdout + done.stderr


def exposure(unit: Path) -> float:
    """systemd-analyze security's overall exposure for the unit file."""
    said = systemd_analyze("security", "--offline=true", "--no-pager", str(unit))
    found = re.search(rf"Overall exposure level for {re.escape(unit.name)}: (\d+\.\d+)", said)
    # What is still open, should this fail: every line marked with a cross.
    assert found, [line for line in said.splitlines() if "\u2717" in line] or said
    return float(found[1])


def installed(unit: str, tmp_path: Path) -> Path:
    """The unit as installed: the project at INSTALLED_AT with its .venv."""
    install = tmp_path / "srv"
    (install / ".venv" / "bin").mkdir(parents=True)
    for command in ("gunicorn", "flask"):
        (install / ".venv" / "bin" / command).symlink_to(Path(sys.executable).parent / command)
    text = (DEPLOY / unit).read_text().replace(INSTALLED_AT, str(install))
    (tmp_path / unit).write_text(text)
    return tmp_path / unit


@pytest.mark.parametrize("unit", UNITS)
def test_systemd_accepts_the_unit(unit, tmp_path):
    said = systemd_analyze("verify", str(installed(unit, tmp_path)))
    complaints = [
        line
        for line in said.splitlines()
        # This machine has no such account; the host it is installed on does.
        if line.strip() and "writetoyourmp" not in line
    ]
    assert complaints == []


@pytest.mark.parametrize("unit", UNITS)
def test_systemd_rates_the_units_sandbox_ok(unit, tmp_path):
    assert exposure(installed(unit, tmp_path)) <= MOST_EXPOSURE


def test_haproxy_runs_sandboxed_with_the_drop_in(tmp_path):
    """Debian's haproxy.service with deploy/haproxy.service.d/: a drop-in's
    settings come after the unit's, as they do appended to it."""
    debian = Path("/lib/systemd/system/haproxy.service")
    if not debian.exists():
        if os.environ.get("CI"):
            pytest.fail("haproxy is not installed: .ci/run installs Debian's package")
        pytest.skip("haproxy is not installed (apt-get install haproxy)")
    drop_in = (DEPLOY / "haproxy.service.d" / "write-to-your-mp.conf").read_text()
    unit = tmp_path / debian.name
    unit.write_text(debian.read_text() + "\n" + drop_in)
    assert systemd_analyze("verify", str(unit)).strip() == ""
    assert exposure(unit) <= MOST_EXPOSURE


def test_the_units_share_one_sandbox():
    """One account, one sandbox: a directive added to one unit and not the
    others is a mistake."""
    blocks = {
        unit.name: unit.read_text().split("# The sandbox", 1)[1].split("[Install]")[0]
        for unit in DEPLOY.glob("*.service")
    }
    assert len(set(blocks.values())) == 1, sorted(blocks)


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
