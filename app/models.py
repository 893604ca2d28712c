"""Every feature's models, imported together so the metadata (and Alembic's
autogenerate) sees every table. Code imports a model from its own package."""

from app.accounts import models as accounts
from app.alerts import models as alerts
from app.api_keys import models as api_keys
from app.bounces import models as bounces
from app.campaigns import models as campaigns
from app.letters import models as letters
from app.offices import models as offices
from app.outbox import models as outbox
from app.parliament import models as parliament
from app.partners import models as partners
from app.reference import models as reference
from app.replies import models as replies
from app.sharing import models as sharing
from app.targets import models as targets
from app.webhooks import models as webhooks

__all__ = [
    "accounts",
    "alerts",
    "api_keys",
    "bounces",
    "campaigns",
    "letters",
    "offices",
    "outbox",
    "parliament",
    "partners",
    "reference",
    "replies",
    "sharing",
    "targets",
    "webhooks",
]
