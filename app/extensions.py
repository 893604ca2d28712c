"""Flask extensions, created once and bound to the app in the factory."""

from flask_limiter import Limiter
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from app.web.client import client_ip

# Named constraints, so migrations can alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
mail = Mail()
csrf = CSRFProtect()


class StorageOnlyLimiter(Limiter):
    """Flask-Limiter as the rate limits' configuration and storage only.

    app/web/limits.py checks every limit itself (all of a view's windows in
    one call), and the app sets no default or application-wide limits, so
    the pass Flask-Limiter makes in before_request on every request would
    find nothing to do; it cost ~100 µs a request (bench/http.py).
    """

    def _check_request_limit(self, callable_name=None, in_middleware=True):
        return None


# No X-RateLimit-* headers on every response: reading the window back costs
# two more round trips to Redis per request. 429s still carry Retry-After
# (app/web/errors.py).
limiter = StorageOnlyLimiter(key_func=client_ip, headers_enabled=False)
