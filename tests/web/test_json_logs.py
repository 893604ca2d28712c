"""LOG_FORMAT=json: every line a JSON object, personal links still redacted."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.builders.settings import ROOT

SCRIPT = """
import logging
from app import create_app
app = create_app({"SECRET_KEY": "k" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
logging.getLogger("app.letters").warning("letter %s held: %s", 7, 'a "quoted"\\nreason')
logging.getLogger("gunicorn.access").setLevel(logging.INFO)  # as gunicorn sets it
logging.getLogger("gunicorn.access").info('"GET /confirm/SECRET-TOKEN-123" 200 10 1ms')
"""


def test_json_lines_with_tokens_redacted():
    env = {**os.environ, "LOG_FORMAT": "json", "DATABASE_URL": "sqlite://"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    lines = done.stderr.strip().splitlines()
    records = [json.loads(line) for line in lines]
    held = next(r for r in records if r["logger"] == "app.letters")
    assert held["level"] == "WARNING"
    assert held["message"] == 'letter 7 held: a "quoted"\nreason'
    assert {"time", "level", "logger", "message"} <= set(held)
    assert "SECRET-TOKEN-123" not in done.stderr
    access = next(r for r in records if r["logger"] == "gunicorn.access")
    assert access["message"] == '"GET /confirm/<redacted>" 200 10 1ms'
