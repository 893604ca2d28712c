"""The application factory."""

from __future__ import annotations

import logging

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app import features
from app.config import INSTANCE_DIR, ROOT, check_production, config_from_env


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app from the environment, with `overrides` on top (tests use these)."""
    config = config_from_env()
    if overrides:
        config.update(overrides)
        if config["APP_ENV"] == "production":
            check_production(config)

    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.config.update(config)
    _configure_logging(app)
    _init_extensions(app)
    features.register()  # their email kinds and periodic jobs, for the outbox
    _register_blueprints(app)
    _add_middleware(app)

    from app import cli
    from app.web import errors, i18n, metrics, security, templating

    metrics.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    i18n.init_app(app)
    cli.init_app(app)
    return app


def _add_middleware(app: Flask) -> None:
    """WSGI middleware, through Flask's documented hook (wsgi_app): the
    lookup's fast path, then the trusted proxies' headers read before it."""
    from app.web.api.fast_lookup import FastLookup

    app.wsgi_app = FastLookup(app, app.wsgi_app)  # type: ignore[method-assign]
    if app.config["TRUSTED_PROXY_COUNT"]:
        hops = app.config["TRUSTED_PROXY_COUNT"]
        proxied = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
        app.wsgi_app = proxied  # type: ignore[method-assign]


def _init_extensions(app: Flask) -> None:
    from app import models  # noqa: F401 - every table registered before use
    from app.db import configure_engine
    from app.extensions import db, mail, migrate, rate_store
    from app.web.csrf import csrf

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    with app.app_context():
        configure_engine(
            db.engine,
            app.config["DATABASE_PING_AFTER_SECONDS"],
            app.config["SQLITE_BUSY_TIMEOUT_SECONDS"],
        )
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    mail.init_app(app)
    csrf.init_app(app)
    rate_store.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from app.web import access_log
    from app.web.admin import bp as admin_bp
    from app.web.api import bp as api_bp
    from app.web.bounces import bp as bounces_bp
    from app.web.csrf import csrf
    from app.web.osdi import bp as osdi_bp
    from app.web.public import bp as public_bp
    from app.web.widget import bp as widget_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(widget_bp)
    # JSON only and no cookies: a cross-site form cannot send it, and CORS
    # preflights every cross-origin JSON POST. No CSRF token is needed.
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(admin_bp)
    csrf.exempt(osdi_bp)  # a key in a header, never a cookie: a browser cannot forge it
    app.register_blueprint(osdi_bp)
    csrf.exempt(bounces_bp)  # signed by SNS, sends no cookies
    app.register_blueprint(bounces_bp)
    # No personal link's token in an access log: the links are read from the routes.
    access_log.install(app)


def _configure_logging(app: Flask) -> None:
    from app.logs import formatter

    level = getattr(logging, str(app.config["LOG_LEVEL"]).upper(), logging.INFO)
    root = logging.getLogger()
    if not root.handlers:
        # Libraries speak at WARNING and above; our own modules at LOG_LEVEL.
        handler = logging.StreamHandler()
        handler.setFormatter(formatter(app.config["LOG_FORMAT"]))
        root.addHandler(handler)
        root.setLevel(logging.WARNING)
    logging.getLogger("app").setLevel(level)
