"""The import-linter contracts (pyproject.toml) name every part of the app,
so a new package cannot be left out of the layering rules by forgetting it."""

from __future__ import annotations

import pkgutil
import tomllib

import app
from tests.builders.settings import ROOT

CONTRACTS = {
    c["name"]: c
    for c in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
        "contracts"
    ]
}
PARTS = {f"app.{m.name}": m.ispkg for m in pkgutil.iter_modules(app.__path__)}
# Packages of code (not the site's files) that are features: not the web
# layer, and not the adapters at the edge.
FEATURES = {name for name, package in PARTS.items() if package} - {"app.web", "app.adapters"}


def test_every_module_but_the_web_layer_is_kept_from_importing_it():
    kept = set(
        CONTRACTS["Features and shared modules never import the web layer"]["source_modules"]
    )
    assert set(PARTS) - {"app.web"} - kept == set()


def test_every_feature_is_kept_out_of_the_adapters_and_off_the_drivers():
    adapters = set(CONTRACTS["Adapters import no feature"]["forbidden_modules"])
    assert FEATURES - adapters == set()
    drivers = CONTRACTS["Only adapters talk to PostgreSQL's driver, SMTP and Redis directly"]
    assert FEATURES - set(drivers["source_modules"]) == set()
