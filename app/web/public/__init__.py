from flask import Blueprint

bp = Blueprint("public", __name__)

from app.web.public import alerts, branding, health, momentum, pages, replies, routes, sharing  # noqa: E402, F401 - registers the routes
