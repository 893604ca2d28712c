"""All models, imported here so metadata (and migrations) see every table."""

from app.models.admin import AdminSession, AdminUser, AuditEvent, MessageShingle, Role
from app.models.alert import (
    Alert,
    AlertRecipient,
    AlertStatus,
    Segment,
    ShareEvent,
    ShareKind,
)
from app.models.campaign import Campaign, CampaignStatus
from app.models.message import (
    ACTIVE_STATUSES,
    ALLOWED_TRANSITIONS,
    IllegalTransition,
    Message,
    MessageEvent,
    MessageStatus,
    Source,
)
from app.models.outbox import BULK_PRIORITY, EmailKind, OutboxEmail, OutboxStatus
from app.models.partner import Partner
from app.models.reference import MP, Constituency, PostcodeIndex, ReferenceState
from app.models.subscriber import Consent, Subscriber, SubscriberStatus

__all__ = [
    "ACTIVE_STATUSES",
    "ALLOWED_TRANSITIONS",
    "BULK_PRIORITY",
    "MP",
    "AdminSession",
    "AdminUser",
    "Alert",
    "AlertRecipient",
    "AlertStatus",
    "AuditEvent",
    "Campaign",
    "CampaignStatus",
    "Consent",
    "Constituency",
    "EmailKind",
    "IllegalTransition",
    "Message",
    "MessageEvent",
    "MessageShingle",
    "MessageStatus",
    "OutboxEmail",
    "OutboxStatus",
    "Partner",
    "PostcodeIndex",
    "ReferenceState",
    "Role",
    "Segment",
    "ShareEvent",
    "ShareKind",
    "Source",
    "Subscriber",
    "SubscriberStatus",
]
