from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from app.web.api.cors import add_cors_headers, check_origin  # noqa: E402

bp.before_request(check_origin)
bp.after_request(add_cors_headers)

from app.web.api import routes  # noqa: E402, F401 - registers the routes
