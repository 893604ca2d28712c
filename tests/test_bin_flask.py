"""bin/flask, the command the docs use: it works from any directory, outside
the virtualenv, with the password from standard input."""

from __future__ import annotations

import os
import subprocess

from tests.builders.settings import ROOT


def test_bin_flask_creates_and_lists_an_admin_from_anywhere(tmp_path):
    database = f"sqlite:///{tmp_path / 'site.db'}"
    # No virtualenv on PATH: as a newcomer's shell would be.
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if ".venv" not in p)
    env = {**os.environ, "PATH": path, "DATABASE_URL": database, "APP_ENV": "development"}
    env.pop("VIRTUAL_ENV", None)

    def run(*args, stdin=None):
        return subprocess.run([str(ROOT / "bin" / "flask"), *args], cwd=tmp_path, env=env,
                              input=stdin, capture_output=True, text=True, timeout=120)  # fmt: skip

    assert run("db", "upgrade").returncode == 0
    created = run("admin", "create", "you@example.org", "--password-stdin",
                  stdin="a long enough passphrase for this\n")  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert "Created admin you@example.org" in created.stdout
    listed = run("admin", "list")
    assert "you@example.org\tadmin\tactive\t2FA not set up" in listed.stdout
