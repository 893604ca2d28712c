"""The import-linter contracts (pyproject.toml) name every part of the app,
so a new package cannot be left out of the layering rules by forgetting it."""

from __future__ import annotations

import pkgutil
import tomllib

import grimp  # import-linter's own graph of the code

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


def test_the_outbox_is_kept_from_every_feature():
    """Features plug into the outbox; it imports none (accounts, the site's
    admins and audit log, are not a feature)."""
    forbidden = set(CONTRACTS["The outbox imports no feature"]["forbidden_modules"])
    assert FEATURES - {"app.outbox", "app.accounts"} - forbidden == set()


def two_way_dependencies() -> set[tuple[str, str]]:
    """Each pair of app packages (but the web layer) that import each other directly."""
    # As the contracts read the code: an import under TYPE_CHECKING is none.
    graph = grimp.build_graph("app", cache_dir=None, exclude_type_checking_imports=True)
    packages = sorted(name.removeprefix("app.") for name in FEATURES | {"app.adapters"})

    def imports(a: str, b: str) -> bool:
        expression = f"app.{a}.** -> app.{b}.**"
        return bool(graph.find_matching_direct_imports(import_expression=expression))

    return {(a, b) for a in packages for b in packages if a < b and imports(a, b) and imports(b, a)}


def test_no_two_packages_import_each_other():
    """A feature depends on another one way only, so either can change (or
    move behind the outbox) without the other. Where one must act on
    another's event, it declares so where it lives: letters' `on_stored`,
    `on_confirmed` and `declare_wait`, a kind's `addressee` and `on_report`."""
    assert two_way_dependencies() == set()
